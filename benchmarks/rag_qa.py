"""<rag-qa> measured: hit@5 in the browser for each ranking on the gold set and the held-out
questions, time to retrieve (the widget's own figure: embed the question, score 284 passages,
fuse), and the build-time cost of the example answers, cold (empty cache) and warm.

    .venv/bin/python benchmarks/rag_qa.py                 build the test site twice (cold, warm), then measure
    .venv/bin/python benchmarks/rag_qa.py --site DIR      measure an already built site (DIR holds index.html with the widget)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser.conftest import ARGS, CHROMIUM, serve  # noqa: E402
from browser.test_rag_qa import MODE_LABEL, ask, gold, heldout, hit  # noqa: E402
from conftest import run_mkdocs_build  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from rag_site import build_rag_site  # noqa: E402


def build_times(tmp: Path) -> tuple[Path, list[tuple[str, float, str]]]:
    rows = []
    started = time.perf_counter()
    result = build_rag_site(tmp)
    assert result.ok, result.output
    rows.append(("cold (empty cache)", time.perf_counter() - started, _rag_lines(result.output)))
    started = time.perf_counter()
    again = run_mkdocs_build(result.project)
    assert again.ok, again.output
    rows.append(("warm", time.perf_counter() - started, _rag_lines(again.output)))
    return result.site, rows


def _rag_lines(output: str) -> str:
    return "; ".join(m.strip() for m in re.findall(r"rag: (.*)", output))


def measure(site: Path) -> list[tuple[str, str, int, int, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        serving = serve(site, Path(tmp))
        server = next(serving)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context().new_page()
        page.set_default_timeout(240_000)
        page.goto(server.base)
        page.locator("rag-qa[data-state]").wait_for()
        sets = {"gold (answerable)": [q for q in gold().values() if q["answers"]], "held-out": heldout()}
        for mode in MODE_LABEL:
            for name, questions in sets.items():
                hits, ms = 0, []
                for q in questions:
                    hits += hit(ask(page, q["question"], mode), q)
                    ms.append(float(page.locator("rag-qa").get_attribute("data-retrieve-ms")))
                rows.append((mode, name, hits, len(questions), statistics.median(ms)))
        browser.close()
        serving.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site to measure")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site, builds = build_times(Path(tmp))
            print("| build of the test site (2 examples, 1 answered) | seconds | what the plugin logged |")
            print("| --- | ---: | --- |")
            for label, seconds, lines in builds:
                print(f"| {label} | {seconds:.1f} | {lines or '(nothing: all cached)'} |")
            print()
        print("| ranking | questions | hit@5 | median time to retrieve (ms) |")
        print("| --- | --- | ---: | ---: |")
        for mode, name, hits, n, ms in measure(site):
            print(f"| {mode} | {name} | {hits}/{n} ({hits / n:.2f}) | {ms:.0f} |")


if __name__ == "__main__":
    main()
