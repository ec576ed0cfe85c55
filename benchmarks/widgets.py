"""Widget speed: model load (cold and warm from Cache Storage), query latency, brute-force
top-10 search over random vectors in the browser, and Python onnxruntime as the native reference.

    .venv/bin/python benchmarks/widgets.py            (needs `make setup` and Debian's chromium)
    .venv/bin/python benchmarks/widgets.py --reload   (live reload: `mkdocs serve` rebuild times)
    .venv/bin/python benchmarks/widgets.py --builds   (ONNX Runtime's asyncify build against the shipped plain one)
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser.conftest import ARGS, CHROMIUM, WIDGET_PAGE, serve  # noqa: E402
from conftest import make_project, run_mkdocs_build  # noqa: E402
from fromscratch.runtime import stage  # noqa: E402
from fromscratch.runtime.embed import Embedder  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

QUERY = "Which animals make good companions in a small flat?"

LOAD = """async () => {
  const rt = await import(new URL('assets/javascripts/widgets/runtime.js', location.href));
  const t0 = performance.now();
  await rt.loadModel();
  return performance.now() - t0;
}"""

LATENCY = """async (q) => {
  const rt = await import(new URL('assets/javascripts/widgets/runtime.js', location.href));
  await rt.embed([q]);
  const times = [];
  for (let i = 0; i < 50; i++) { const t = performance.now(); await rt.embed([q + ' ' + i]); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  return times[25];
}"""

SEARCH = """(n) => {
  const dims = 384, data = new Float32Array(n * dims);
  let seed = 1;
  for (let i = 0; i < data.length; i++) { seed = (seed * 16807) % 2147483647; data[i] = seed / 2147483647 - 0.5; }
  const q = data.slice(0, dims);
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    const topS = new Float32Array(10).fill(-Infinity), topI = new Int32Array(10).fill(-1);
    for (let i = 0; i < n; i++) {
      let s = 0; const o = i * dims;
      for (let d = 0; d < dims; d++) s += data[o + d] * q[d];
      if (s > topS[9]) {
        let j = 9;
        while (j > 0 && topS[j - 1] < s) { topS[j] = topS[j - 1]; topI[j] = topI[j - 1]; j--; }
        topS[j] = s; topI[j] = i;
      }
    }
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return runs[3];
}"""


def _process_kind(cmdline: bytes) -> str:
    """Chromium's own name for a process (--type=renderer, --utility-sub-type=...), for the breakdown."""
    args = cmdline.replace(b"\0", b" ").split()  # Chromium rewrites its children's titles
    kind = next((a.split(b"=", 1)[1].decode() for a in args if a.startswith(b"--type=")), "browser")
    sub = next((a.split(b"=", 1)[1].decode() for a in args if a.startswith(b"--utility-sub-type=")), "")
    return f"{kind}:{sub.rsplit('.', 1)[-1]}" if sub else kind


def _descendants(root: int) -> set[int]:
    """Every process below `root`, so a browser some other program started is never counted."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def chromium_memory() -> dict[str, float]:
    """Proportional set size (MB) of every Chromium process this script started, by process kind.

    PSS splits shared pages fairly, so the sum is what the browser really costs the machine.
    """
    totals: dict[str, float] = {}
    for pid in _descendants(os.getpid()):
        proc = Path("/proc") / str(pid)
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if b"chromium" not in cmdline:
                continue
            for line in (proc / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kind = _process_kind(cmdline)
                    totals[kind] = totals.get(kind, 0.0) + int(line.split()[1]) / 1024
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return totals


def chromium_memory_mb() -> float:
    return sum(chromium_memory().values())


def memory_added(server_base: str, runs: int = 3) -> tuple[float, dict[str, float]]:
    """Memory before first use and added by loading the model, each in a fresh browser, median of `runs`.

    One run varies by ±50 MB on this machine (garbage collection timing), so one number is noise.
    """
    befores: list[float] = []
    added: list[dict[str, float]] = []
    with sync_playwright() as p:
        for _ in range(runs):
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            page.goto(server_base)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1000)
            before = chromium_memory()
            page.evaluate(LOAD)
            page.evaluate(LATENCY, QUERY)
            page.wait_for_timeout(2000)  # let garbage collection settle
            after = chromium_memory()
            browser.close()
            befores.append(sum(before.values()))
            added.append({k: after.get(k, 0.0) - before.get(k, 0.0) for k in set(before) | set(after)})
    kinds = {k for run in added for k in run}
    median = {k: statistics.median(run.get(k, 0.0) for run in added) for k in kinds}
    median["total"] = statistics.median(sum(run.values()) for run in added)
    return statistics.median(befores), median


def worker_files(site: Path) -> list[Path]:
    """The files a first use downloads for the model, as runtime.json lists them."""
    runtime = json.loads((site / "assets/runtime/runtime.json").read_text())
    emb = runtime["embedding"]
    names = [emb["library"], *emb["wasm"].values(), *emb["model"]["files"].values()]
    return [site / runtime["files"][n]["url"] for n in names]


def download_mb(site: Path) -> tuple[float, float]:
    """What a first visit downloads for the model, raw and gzipped (level 6, as static hosts do)."""
    files = worker_files(site)
    raw = sum(p.stat().st_size for p in files)
    packed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    return raw / 1e6, packed / 1e6


def with_onnx_build(site: Path, dest: Path, build: str) -> Path:
    """A copy of the built site whose runtime.json points at another ONNX Runtime WASM build
    (e.g. "asyncify", what Transformers.js picks by default), staged like the plugin does."""
    shutil.copytree(site, dest, copy_function=os.link)
    manifest_path = dest / "assets/runtime/runtime.json"
    manifest_path.unlink()  # a hard link to the original: write a new file instead
    runtime = json.loads((site / "assets/runtime/runtime.json").read_text())
    wasm = {}
    for kind in ("mjs", "wasm"):
        name = f"ort-wasm-simd-threaded.{build}.{kind}"
        src = ROOT / "node_modules/onnxruntime-web/dist" / name
        staged = stage.from_file(name, stage.RUNTIME_ROOT, src, code=True)
        (dest / staged.url).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest / staged.url)
        runtime["files"][name] = staged.entry()
        wasm[kind] = name
    runtime["embedding"]["wasm"] = wasm
    manifest_path.write_text(json.dumps(runtime))
    return dest


def measure_load(server_base: str) -> dict[str, float]:
    """Cold load, warm load (same profile, files in Cache Storage) and query latency, in ms."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context().new_page()
        page.goto(server_base)
        page.wait_for_load_state("networkidle")
        cold = page.evaluate(LOAD)
        page.goto(server_base)
        warm = page.evaluate(LOAD)
        latency = page.evaluate(LATENCY, QUERY)
        version = browser.version
        browser.close()
    return {"cold": cold, "warm": warm, "latency": latency, "version": version}


def compare_builds(site: Path, tmp: Path, rounds: int = 3) -> list[tuple[str, str]]:
    """The shipped plain SIMD build against the asyncify one Transformers.js uses by default.

    The two alternate, `rounds` times each, in fresh browsers, and each row is the median: this
    machine's load from other work changes within minutes, and alternating shares it fairly.
    """
    variants = {"asyncify build (before)": with_onnx_build(site, tmp / "asyncify", "asyncify"),
                "plain SIMD build (shipped)": site}
    runs: dict[str, list[dict]] = {label: [] for label in variants}
    for r in range(rounds):
        for label, variant in variants.items():
            (tmp / f"serve-{r}-{len(runs[label])}-{id(variant)}").mkdir()
            for server in serve(variant, tmp / f"serve-{r}-{len(runs[label])}-{id(variant)}"):
                runs[label].append(measure_load(server.base))
    rows: list[tuple[str, str]] = []
    for label, variant in variants.items():
        raw_mb, gzip_mb = download_mb(variant)

        def med(key: str, label: str = label) -> float:
            return statistics.median(m[key] for m in runs[label])

        rows += [
            (f"{label}: first-use download", f"{raw_mb:.1f} MB ({gzip_mb:.1f} MB gzipped)"),
            (f"{label}: model load cold / warm (median of {rounds})", f"{med('cold'):.0f} ms / {med('warm'):.0f} ms"),
            (f"{label}: query embedding (median of {rounds} medians of 50)", f"{med('latency'):.1f} ms"),
        ]
    return rows


def live_reload() -> None:
    """`mkdocs serve` rebuild times with the runtime staged, and proof that unchanged files are not recopied.

    Starts `mkdocs serve` on a widget page, touches the Markdown page five times and reads
    each rebuild's time from the log; then builds twice into one folder (what serve does)
    and checks the staged runtime and model files were not linked or copied again (their
    ctime, which a new link or copy would change, stays the same).
    """
    import re
    import signal
    import socket
    import subprocess
    import threading

    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), {"index.md": WIDGET_PAGE})
        shutil.copytree(ROOT / "docs/data", project / "docs/data")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        mkdocs = str(Path(sys.executable).with_name("mkdocs"))
        serve = subprocess.Popen([mkdocs, "serve", "-a", f"127.0.0.1:{port}"],
                                 cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        times: list[float] = []
        serving = threading.Event()

        def read_log() -> None:
            assert serve.stdout is not None
            for line in serve.stdout:
                found = re.search(r"Documentation built in ([\d.]+) seconds", line)
                if found:
                    times.append(float(found.group(1)))
                serving.set() if "Serving on" in line else None

        threading.Thread(target=read_log, daemon=True).start()
        try:
            assert serving.wait(120), "mkdocs serve did not start"
            page = project / "docs/index.md"
            for edit in range(5):
                done = len(times)
                time.sleep(1.0)  # let the watcher settle between edits
                page.write_text(page.read_text() + f"\nEdit {edit}.\n")
                deadline = time.monotonic() + 60
                while len(times) == done and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            serve.send_signal(signal.SIGINT)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                serve.kill()
        site = Path(tmp) / "site"
        t = time.perf_counter()
        subprocess.run([mkdocs, "build", "-q", "-d", str(site)], cwd=project, env=env, check=True)
        first = time.perf_counter() - t
        staged = worker_files(site)  # runtime.json itself is generated each build
        stamps = {p: p.stat().st_ctime_ns for p in staged}
        time.sleep(1)
        t = time.perf_counter()
        subprocess.run([mkdocs, "build", "-q", "--dirty", "-d", str(site)], cwd=project, env=env, check=True)
        second = time.perf_counter() - t
        touched = [p.name for p in staged if p.stat().st_ctime_ns != stamps[p]]
        staged_mb = sum(p.stat().st_size for p in staged) / 1e6
    print("| measure | result |\n| --- | --- |")
    print(f"| `mkdocs serve` first build | {times[0]:.2f} s |")
    print(f"| `mkdocs serve` rebuild after editing the page (median of {len(times) - 1}) "
          f"| {statistics.median(times[1:]):.2f} s (all: {', '.join(f'{x:.2f}' for x in times[1:])}) |")
    print(f"| `mkdocs build`, then again into the same folder | {first:.2f} s, then {second:.2f} s |")
    print(f"| staged runtime/model files ({staged_mb:.1f} MB) "
          f"linked or copied again by the second build | {len(touched)} of {len(stamps)} files {touched or ''}|")


def main() -> None:
    if "--reload" in sys.argv:
        live_reload()
        return
    if "--builds" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            project = make_project(Path(tmp), {"index.md": WIDGET_PAGE})
            shutil.copytree(ROOT / "docs/data", project / "docs/data")
            result = run_mkdocs_build(project)
            assert result.ok, result.output
            rows = compare_builds(result.site, Path(tmp))
        print("| measure | result |\n| --- | --- |")
        for name, value in rows:
            print(f"| {name} | {value} |")
        return
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), {"index.md": WIDGET_PAGE})
        shutil.copytree(ROOT / "docs/data", project / "docs/data")
        result = run_mkdocs_build(project)
        assert result.ok, result.output
        raw_mb, gzip_mb = download_mb(result.site)
        rows: list[tuple[str, str]] = [
            ("first-visit download (runtime + model)", f"{raw_mb:.1f} MB ({gzip_mb:.1f} MB gzipped)"),
        ]
        for server in serve(result.site, Path(tmp)):
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(server.base)
                page.wait_for_load_state("networkidle")
                cold = page.evaluate(LOAD)
                page.goto(server.base)  # second visit: same browser profile, files in Cache Storage
                before = len(server.log)
                warm = page.evaluate(LOAD)
                refetched = [p for p, s in server.log[before:] if "/assets/models/" in p or p.endswith(".wasm")]
                latency = page.evaluate(LATENCY, QUERY)
                s10k = page.evaluate(SEARCH, 10_000)
                s100k = page.evaluate(SEARCH, 100_000)
                version = browser.version
                browser.close()
            mem_before, mem_added = memory_added(server.base)
        rows += [
            ("model load, cold (network from 127.0.0.1)", f"{cold:.0f} ms"),
            ("model load, warm (Cache Storage)", f"{warm:.0f} ms ({len(refetched)} model/WASM requests)"),
            ("query embedding, browser (median of 50)", f"{latency:.1f} ms"),
            ("top-10 of 10,000 × 384-d, browser (median of 7)", f"{s10k:.1f} ms"),
            ("top-10 of 100,000 × 384-d, browser (median of 7)", f"{s100k:.1f} ms"),
            ("browser memory, page with widgets before first use (median of 3)", f"{mem_before:.0f} MB"),
            ("browser memory added by loading the model (median of 3)", f"{mem_added.pop('total'):.0f} MB"),
        ]
        for kind in sorted(mem_added, key=lambda k: -mem_added[k]):
            if abs(mem_added[kind]) >= 3:
                rows.append((f"  of which {kind} process(es)", f"{mem_added[kind]:+.0f} MB"))
    model_dir = ROOT / ".cache/models/all-MiniLM-L6-v2"
    t = time.perf_counter()
    embedder = Embedder(model_dir)
    py_load = (time.perf_counter() - t) * 1000
    embedder.embed([QUERY])
    times = []
    for i in range(50):
        t = time.perf_counter()
        embedder.embed([f"{QUERY} {i}"])
        times.append((time.perf_counter() - t) * 1000)
    rows += [
        ("model load, Python onnxruntime (native reference)", f"{py_load:.0f} ms"),
        ("query embedding, Python onnxruntime (median of 50)", f"{statistics.median(times):.1f} ms"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Chromium {version}, WASM single-threaded, all-MiniLM-L6-v2 int8\n")
    print(f"| {'measure'.ljust(width)} | result |")
    print(f"| {'-' * width} | ------ |")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
