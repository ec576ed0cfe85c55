"""Widget speed: model load (cold and warm from Cache Storage), query latency, brute-force
top-10 search over random vectors in the browser, and Python onnxruntime as the native reference.

    .venv/bin/python benchmarks/widgets.py     (needs `make setup` and Debian's chromium)
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser.conftest import ARGS, CHROMIUM, WIDGET_PAGE, serve  # noqa: E402
from conftest import make_project, run_mkdocs_build  # noqa: E402
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


def chromium_memory_mb() -> float:
    """Proportional set size of every Chromium process Playwright started (shared pages split fairly)."""
    total_kb = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if b"chromium" not in cmdline or b"playwright" not in cmdline:
                continue
            for line in (proc / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return total_kb / 1024


def download_mb(site: Path) -> tuple[float, float]:
    """What a first visit downloads for the model: runtime and model files, raw and gzipped."""
    files = [p for d in ("assets/runtime", "assets/models") for p in (site / d).rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    packed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    return raw / 1e6, packed / 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp), {"index.md": WIDGET_PAGE})
        import shutil

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
                mem_before = chromium_memory_mb()
                cold = page.evaluate(LOAD)
                page.evaluate(LATENCY, QUERY)
                mem_after = chromium_memory_mb()
                page.goto(server.base)  # second visit: same browser profile, files in Cache Storage
                before = len(server.log)
                warm = page.evaluate(LOAD)
                refetched = [p for p, s in server.log[before:] if "/assets/models/" in p or p.endswith(".wasm")]
                latency = page.evaluate(LATENCY, QUERY)
                s10k = page.evaluate(SEARCH, 10_000)
                s100k = page.evaluate(SEARCH, 100_000)
                version = browser.version
                browser.close()
        rows += [
            ("model load, cold (network from 127.0.0.1)", f"{cold:.0f} ms"),
            ("model load, warm (Cache Storage)", f"{warm:.0f} ms ({len(refetched)} model/WASM requests)"),
            ("query embedding, browser (median of 50)", f"{latency:.1f} ms"),
            ("top-10 of 10,000 × 384-d, browser (median of 7)", f"{s10k:.1f} ms"),
            ("top-10 of 100,000 × 384-d, browser (median of 7)", f"{s100k:.1f} ms"),
            ("browser memory, page with widgets before first use", f"{mem_before:.0f} MB"),
            ("browser memory added by loading the model", f"{mem_after - mem_before:.0f} MB"),
        ]
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
