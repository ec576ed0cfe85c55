"""Live-reload benchmark: from saving a page to `make serve` serving the new version.

    .venv/bin/python benchmarks/reload.py [--edits 5] [--page content/ch0-fundamentals/vector-database.md]
        [--notebook content/ch0-fundamentals/vector-store.ipynb] [--cache-from DIR]

Serves a throwaway copy of the real site through `make serve`'s entry point
(`python -m fromscratch.serve`), waits for the first build, then edits one Markdown page
several times (a new paragraph each time), then a Markdown cell of one notebook as often, and
measures, per edit, the time from the file's write to the first HTTP response of that page
holding the new text. That is what an author waits for; the browser's own reload (notified by
MkDocs' long poll) comes on top. The first build is reported but is not what this measures:
with `--cache-from` (a cache folder of an earlier build of the same site, copied, never
changed) it reuses executed notebooks, else it executes every notebook first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import make_project  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.read().decode("utf-8", "replace")
    except OSError:
        return None


def wait_for(url: str, needle: str, proc: subprocess.Popen, limit: float) -> float:
    """Seconds until the page at `url` contains `needle`."""
    start = time.perf_counter()
    while True:
        html = fetch(url)
        if html is not None and needle in html:
            return time.perf_counter() - start
        if proc.poll() is not None:
            raise SystemExit(f"mkdocs serve stopped (exit {proc.returncode})")
        if time.perf_counter() - start > limit:
            raise SystemExit(f"{url} did not show {needle!r} within {limit:.0f} s")
        time.sleep(0.05)


def edit_notebook(path: Path, original: str, marker: str) -> None:
    """The notebook with `marker` appended to its first Markdown cell (no code changes)."""
    nb = json.loads(original)
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    cell["source"] = source + f"\n\n{marker}\n"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--page", default="content/ch0-fundamentals/vector-database.md",
                        help="the page to edit, under docs/ (the default holds a widget)")
    parser.add_argument("--notebook", default="content/ch0-fundamentals/vector-store.ipynb",
                        help="the notebook whose Markdown to edit, under docs/ ('' for none)")
    parser.add_argument("--cache-from", type=Path, help="copy this cache folder into the project first")
    parser.add_argument("--serve-args", default="", help="more `mkdocs serve` options, e.g. --dirty")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fromscratch-reload-") as tmp:
        project = make_project(Path(tmp), copy_docs=True)
        if args.cache_from:
            for entry in args.cache_from.iterdir():
                if entry.name != "models":
                    copy = shutil.copytree if entry.is_dir() else shutil.copy2
                    copy(entry, project / ".cache" / entry.name)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        serve_log = (Path(tmp) / "serve.log").open("w")  # shown when a page never shows an edit
        proc = subprocess.Popen(
            [sys.executable, "-m", "fromscratch.serve", "--port", str(port), "--livereload",
             *args.serve_args.split()],
            cwd=project, stdout=serve_log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        results: dict[str, list[float]] = {}
        try:
            first = wait_for(base + args.page.removesuffix(".md") + "/", "</html>", proc, 3600)
            time.sleep(2)  # let the watcher settle after the first build
            targets = [("Markdown page", args.page, ".md")]
            if args.notebook:
                targets.append(("notebook Markdown cell", args.notebook, ".ipynb"))
            for label, rel, suffix in targets:
                path = project / "docs" / rel
                url = base + rel.removesuffix(suffix) + "/"
                original = path.read_text(encoding="utf-8")
                times = results.setdefault(f"{label} (docs/{rel})", [])
                for i in range(args.edits):
                    marker = f"reload-benchmark-edit-{i}-{time.time_ns()}"
                    if suffix == ".md":
                        path.write_text(original + f"\n\n{marker}\n", encoding="utf-8")
                    else:
                        edit_notebook(path, original, marker)
                    try:
                        times.append(wait_for(url, marker, proc, 600))
                    except SystemExit:
                        serve_log.flush()
                        print((Path(tmp) / "serve.log").read_text(encoding="utf-8")[-3000:], file=sys.stderr)
                        raise
                    print(f"{label}: edit {i + 1}: {times[-1]:.2f} s", file=sys.stderr, flush=True)
                    time.sleep(1)
                path.write_text(original, encoding="utf-8")
                time.sleep(2)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    how = "warm cache copied in" if args.cache_from else "empty cache: every notebook executed"
    print(f"`benchmarks/reload.py {' '.join(sys.argv[1:])}`: `make serve` on the real site; "
          f"load average {load} (1/5/15 min) at the end\n")
    print("| measure | seconds |")
    print("| --- | ---: |")
    print(f"| first build and serve ({how}) | {first:.1f} |")
    for label, times in results.items():
        print(f"| {label}: save → page served with the edit, median of {len(times)} | "
              f"{statistics.median(times):.2f} |")
        print(f"| {label}: fastest / slowest | {min(times):.2f} / {max(times):.2f} |")


if __name__ == "__main__":
    main()
