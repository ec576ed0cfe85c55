"""Live-reload benchmark: from saving a page to `make serve` serving the new version.

    .venv/bin/python benchmarks/reload.py [--edits 5] [--page content/ch0-fundamentals/vector-database.md]

Serves a throwaway copy of the real site through `make serve`'s entry point
(`python -m fromscratch.serve`), waits for the first build, then edits one page several times
(a new paragraph each time) and measures, per edit, the time from the file's write to the
first HTTP response of that page holding the new paragraph. That is what an author waits for;
the browser's own reload (notified by MkDocs' long poll) comes on top. The first, cold build
(notebooks executed) is reported but is not what this measures.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--page", default="content/ch0-fundamentals/vector-database.md",
                        help="the page to edit, under docs/ (the default holds a widget)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fromscratch-reload-") as tmp:
        project = make_project(Path(tmp), copy_docs=True)
        page = project / "docs" / args.page
        url_path = args.page.removesuffix(".md") + "/"
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        proc = subprocess.Popen(
            [sys.executable, "-m", "fromscratch.serve", "--port", str(port), "--livereload"],
            cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        try:
            cold = wait_for(base + url_path, "</html>", proc, 900)
            time.sleep(2)  # let the watcher settle after the first build
            original = page.read_text(encoding="utf-8")
            times = []
            for i in range(args.edits):
                marker = f"reload-benchmark-edit-{i}-{time.time_ns()}"
                page.write_text(original + f"\n\n{marker}\n", encoding="utf-8")
                times.append(wait_for(base + url_path, marker, proc, 300))
                time.sleep(1)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    print(f"`benchmarks/reload.py`: `make serve` on the real site, editing docs/{args.page}\n")
    print("| measure | seconds |")
    print("| --- | ---: |")
    print(f"| first build and serve (cold: empty notebook cache) | {cold:.1f} |")
    print(f"| save → page served with the edit, median of {len(times)} | {statistics.median(times):.2f} |")
    print(f"| save → page served with the edit, fastest / slowest | {min(times):.2f} / {max(times):.2f} |")


if __name__ == "__main__":
    main()
