"""Chapter 2 widget speed in headless Chromium: the spam filter's verdict and its occlusion
(one re-embedding per word, at most 24 parts), and in-browser training (150 steps).

    make build && .venv/bin/python benchmarks/classifier_widgets.py [site-folder]   (default: site/)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser.conftest import ARGS, CHROMIUM, serve  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

WORDS = ("please call me back about the invoice for the garden work we did last week and the extra "
         "plants you asked for are ready to collect from the shop on the corner any day after nine "
         "in the morning thanks again for your patience with the delay we had").split()

# The spam filter's work for one message: embed it, then embed it once per part left out.
OCCLUSION = """async ([n, base]) => {
  const rt = await import(new URL('assets/javascripts/widgets/runtime.js', base));
  await rt.loadModel();
  await rt.embed(['warm up']);
  const words = %s.slice(0, n);
  const size = Math.ceil(words.length / 24);
  const texts = [];
  for (let i = 0; i < words.length; i += size) texts.push([...words.slice(0, i), ...words.slice(i + size)].join(' '));
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    await rt.embed([words.join(' ')]);
    const verdict = performance.now() - t;
    await rt.embed(texts);
    runs.push([verdict, performance.now() - t - verdict, texts.length]);
  }
  runs.sort((a, b) => a[1] - b[1]);
  return runs[1];
}"""


def main() -> None:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "site").resolve()
    runtime = site / "assets/runtime/runtime.json"
    if not runtime.is_file() or "spam" not in json.loads(runtime.read_text()).get("classifiers", {}):
        sys.exit(f"{site}: no built site with the spam classifier; run `make build` first")
    with tempfile.TemporaryDirectory() as tmp:
        server_gen = serve(site, Path(tmp))
        server = next(server_gen)
        rows = []
        print("| what | time | notes |\n| --- | --- | --- |", flush=True)

        def add(*row: str) -> None:  # print as measured: a slow machine still shows partial results
            rows.append(row)
            print("| " + " | ".join(row) + " |", flush=True)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page()
            page.set_default_timeout(300_000)
            page.goto(server.base + "content/ch2-text-classification/evaluation/")
            for n in (5, 12, 24):
                verdict, occlusion, parts = page.evaluate(OCCLUSION % repr(WORDS), [n, server.base])
                add(f"spam filter, {n} words", f"{verdict:.0f} ms verdict", f"{occlusion:.0f} ms for {parts} re-scorings")
            page.goto(server.base + "content/ch2-text-classification/train-in-browser/")
            widget = page.locator("train-classifier")
            for kind in ("logistic", "mlp"):
                widget.get_by_label("Model", exact=True).select_option(kind)
                times = []
                for _ in range(3):
                    t = time.perf_counter()
                    widget.get_by_role("button", name="Train", exact=True).click()
                    page.wait_for_function("el => el.dataset.state === 'done' && el.querySelector('.fs-train__summary').dataset.steps",
                                           arg=widget.element_handle())
                    times.append((time.perf_counter() - t) * 1000)
                    page.evaluate("el => { delete el.querySelector('.fs-train__summary').dataset.steps; }", widget.element_handle())
                add(f"trainer, {kind}, 24 examples", f"{statistics.median(times):.0f} ms", "150 steps, drawn every 5")
            browser.close()
        server_gen.close()


if __name__ == "__main__":
    main()
