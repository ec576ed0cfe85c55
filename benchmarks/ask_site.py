""""Ask this site" measured on a built site: retrieval hit@1, hit@5 and MRR (page level) on the
site's query set for the page's ranking (hybrid, with keyword-only and meaning-only beside it),
the threshold's record on answerable and unanswerable questions, and in Chromium the time to
retrieve, the time to the first token and the writing speed of the answer.

    make build && .venv/bin/python benchmarks/ask_site.py --site site
    .venv/bin/python benchmarks/ask_site.py --site site --no-browser     the Python part only

The ranking is computed in Python with the page's own settings (runtime.json's "ask" section),
the staged int8 section vectors and the same ONNX file; tests/browser/test_ask.py checks that
the browser ranks and prompts exactly as the build does. Query sets: tests/data/site_queries.jsonl
(answerable, with the pages that answer) and tests/data/site_unanswerable.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fromscratch.rag import pipeline  # noqa: E402
from fromscratch.runtime import corpus  # noqa: E402

QUERIES = ROOT / "tests/data/site_queries.jsonl"
UNANSWERABLE = ROOT / "tests/data/site_unanswerable.jsonl"
THRESHOLDS = [round(0.20 + 0.025 * i, 3) for i in range(11)]
TIMED = ["how far apart are two arrows", "why does my search not find synonyms",
         "How does a spam filter learn what spam looks like?"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def question(q: dict) -> str:
    return q.get("query") or q["question"]


def site_corpus(site: Path) -> tuple[dict, list[dict], np.ndarray]:
    runtime = json.loads((site / "assets/runtime/runtime.json").read_text(encoding="utf-8"))
    settings = runtime["ask"]
    entry = runtime["corpora"][settings["corpus"]]
    manifest = json.loads((site / runtime["files"][entry["manifest"]]["url"]).read_bytes())
    blob = (site / runtime["files"][entry["vectors"]]["url"]).read_bytes()
    vectors = corpus.read_int8(manifest, blob) if manifest.get("dtype") == "int8" else corpus.read_vectors(manifest, blob)
    return settings, manifest["items"], np.asarray(vectors, dtype=np.float32)


def embedder():  # noqa: ANN201
    from fromscratch.runtime.embed import Embedder

    return Embedder(ROOT / ".cache/models/all-MiniLM-L6-v2")


def page_of(item: dict) -> str:
    return item["location"].partition("#")[0]


def ranking_table(settings: dict, items: list[dict], vectors: np.ndarray, answerable: list[dict],
                  qv: np.ndarray) -> list[tuple[str, float, float, float]]:
    retriever = pipeline.Retriever(items, vectors, settings)
    k = settings["retrieval"]["top_k"]
    rows = []
    for mode in ("hybrid", "keyword", "semantic"):
        h1 = h5 = rr = 0.0
        for q, v in zip(answerable, qv, strict=True):
            scores, _ = retriever.scores(question(q), v, mode)
            pages: list[str] = []
            for i in pipeline.order(scores):  # distinct pages, best first
                if page_of(items[i]) not in pages:
                    pages.append(page_of(items[i]))
                if len(pages) == 10:
                    break
            first = next((n for n, p in enumerate(pages, 1) if p in q["pages"]), None)
            top = {page_of(items[r]) for r in pipeline.order(scores)[:k]}
            h1 += first == 1
            h5 += bool(top & set(q["pages"]))
            rr += 1 / first if first else 0
        n = len(answerable)
        rows.append((mode, h1 / n, h5 / n, rr / n))
    return rows


def threshold_table(vectors: np.ndarray, av: np.ndarray, uv: np.ndarray) -> list[tuple[float, int, int]]:
    best_a = (av @ vectors.T).max(axis=1)
    best_u = (uv @ vectors.T).max(axis=1)
    return [(t, int((best_a < t).sum()), int((best_u < t).sum())) for t in THRESHOLDS]


def browser_timings(site: Path) -> list[dict]:
    from browser.conftest import ARGS, CHROMIUM, serve
    from playwright.sync_api import sync_playwright

    out = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        serving = serve(site, Path(tmp))
        server = next(serving)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context().new_page()  # service worker allowed: isolated, two threads, as readers get it
        page.set_default_timeout(300_000)
        page.goto(server.base + "ask/")
        page.wait_for_function("() => self.crossOriginIsolated || !navigator.serviceWorker", timeout=60_000)
        widget = page.locator("ask-site[data-state]")
        widget.wait_for()
        widget.get_by_role("button", name="Load the language model", exact=False).click()
        page.wait_for_function("() => document.querySelector('ask-site').dataset.state === 'ready'")
        for q in TIMED:
            widget.get_by_label("Your question about what this site teaches").fill(q)
            widget.get_by_role("button", name="Ask", exact=True).click()
            page.wait_for_function(
                "(q) => { const w = document.querySelector('ask-site'); return w.dataset.question === q"
                " && (w.dataset.state === 'error' || (w.dataset.state === 'done' && (w.dataset.found === 'false' || w.dataset.tokens))); }",
                arg=q)
            d = widget.evaluate("w => ({...w.dataset, isolated: self.crossOriginIsolated})")
            out.append({"question": q, **d})
        browser.close()
        serving.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="a built site (default: site/)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--queries", type=Path, default=QUERIES, help="the answerable query set")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    settings, items, vectors = site_corpus(args.site)
    answerable, unanswerable = read_jsonl(args.queries), read_jsonl(UNANSWERABLE)
    model = embedder()
    av = model.embed([question(q) for q in answerable])
    uv = model.embed([question(q) for q in unanswerable])
    print(f"{len(items)} sections; {len(answerable)} answerable questions ({args.queries.name}), "
          f"{len(unanswerable)} unanswerable ({UNANSWERABLE.name})\n")
    print("| ranking | hit@1 | hit@5 | MRR (pages) |")
    print("| --- | ---: | ---: | ---: |")
    for mode, h1, h5, mrr in ranking_table(settings, items, vectors, answerable, av):
        label = f"**{mode}** (the page's)" if mode == "hybrid" else mode
        print(f"| {label} | {h1:.2f} | {h5:.2f} | {mrr:.2f} |")
    current = settings["retrieval"]["threshold"]
    print(f"\n| threshold (best cosine) | answerable wrongly declined (of {len(answerable)}) "
          f"| unanswerable declined (of {len(unanswerable)}) |")
    print("| ---: | ---: | ---: |")
    for t, bad, good in threshold_table(vectors, av, uv):
        mark = " ← settings.json" if abs(t - current) < 1e-9 else ""
        print(f"| {t:.3f}{mark} | {bad} | {good} |")
    if args.no_browser:
        return
    timings = browser_timings(args.site)
    print("\n| question | found | retrieve (ms) | time to first token (ms) | tokens written | tokens/s | cross-origin isolated |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for t in timings:
        print(f"| {t['question']} | {t.get('found')} | {t.get('retrieveMs', '')} | {t.get('ttftMs', '')} "
              f"| {t.get('tokens', '')} | {t.get('tokensPerSecond', '')} | {t['isolated']} |")
    ttft = [float(t["ttftMs"]) for t in timings if t.get("ttftMs")]
    if ttft:
        print(f"\nmedian time to first token: {statistics.median(ttft) / 1000:.1f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
