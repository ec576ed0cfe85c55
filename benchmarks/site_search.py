"""Search by meaning in the header search, measured on tests/data/site_queries.jsonl.

In headless Chromium against the built site (served under a sub-path): each question typed into
Material's search with the switch off (Material's own keyword results) and on (the blend), and
ranked by meaning alone through the same runtime; hit@1, hit@5 (page level) and MRR for each,
keystroke-to-results latency with the model warm, and the first-use load time (cold, then from
Cache Storage). Then, offline with the keyword rankings the browser showed and the same model in
Python onnxruntime: the fusion choices (RRF k, weights, depth) and int8 against float32 vectors.

    .venv/bin/python benchmarks/site_search.py               build the site (mkdocs build --strict), then measure
    .venv/bin/python benchmarks/site_search.py --site DIR    measure an already built site
    ... --write                                              also write benchmarks/RESULTS-site-search.md
    ... --text-lengths                                       also: how many words of each section to embed
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "plugins")]

import playwright.sync_api as pw  # noqa: E402
from browser.conftest import ARGS, CHROMIUM, _wait_for_function_without_eval, serve  # noqa: E402
from browser.test_site_search import (  # noqa: E402
    BAR,
    blended_search,
    keyword_search,
    material_ms,
    queries,
    rank_of,
    scores,
    turn_on,
)
from fromscratch.runtime import corpus  # noqa: E402
from fromscratch.runtime.embed import Embedder  # noqa: E402
from fromscratch.search import sections, stage  # noqa: E402

pw.Page.wait_for_function = _wait_for_function_without_eval  # the site's CSP forbids eval()
RESULTS = ROOT / "benchmarks/RESULTS-site-search.md"
CHOSEN = {"k": 60, "keyword": 1.0, "semantic": 2.0, "depth": 10}  # search-meaning-rank.js FUSION

SEMANTIC_JS = """async (q) => {
  const base = new URL(document.querySelector('script[src*="search-meaning.js"]').src);
  const rt = await import(new URL('widgets/runtime.js', base).href);
  const rank = await import(new URL('search-meaning-rank.js', base).href);
  const c = await rt.loadCorpus('site-sections');
  const t0 = performance.now();
  const [v] = await rt.embed([q]);
  const pages = rank.pagesBySection(rank.rankSections(c.rows, v), c.items).map((p) => p.page);
  return {pages, ms: performance.now() - t0};
}"""


def build_site(tmp: Path) -> Path:
    site = tmp / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if proc.returncode:
        sys.exit(proc.stdout + proc.stderr)
    return site


def browser_run(site: Path) -> dict:
    qs = queries()
    out: dict = {"keyword": [], "blended": [], "semantic": [], "blend_ms": [], "semantic_ms": [], "material_ms": []}
    with tempfile.TemporaryDirectory() as tmp, pw.sync_playwright() as p:
        serving = serve(site, Path(tmp))
        server = next(serving)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(240_000)
        page.goto(server.base)
        page.locator(".md-search__input").click()
        for q in qs:
            out["keyword"].append(keyword_search(page, server.base, q["query"]))
            out["material_ms"].append(material_ms(page))
        out["load_cold_s"] = turn_on(page)
        for q in qs:
            pages, ms = blended_search(page, server.base, q["query"])
            out["blended"].append(pages)
            out["blend_ms"].append(ms)
        for q in qs:
            r = page.evaluate(SEMANTIC_JS, q["query"])
            out["semantic"].append(r["pages"])
            out["semantic_ms"].append(r["ms"])
        warm = context.new_page()  # the switch remembered on; files from Cache Storage
        warm.goto(server.base + "Local-AI/")
        started = time.monotonic()
        warm.locator(".md-search__input").click()
        warm.wait_for_function("['ready', 'done'].includes(document.querySelector('.fs-search-meaning').dataset.state)")
        out["load_warm_s"] = time.monotonic() - started
        out["status"] = warm.locator(BAR).text_content()
        browser.close()
        serving.close()
    return out


# -- offline: the fusion choices and int8 against float32 ----------------------------------------


def site_vectors(site: Path) -> tuple[list[dict], np.ndarray, np.ndarray | None]:
    """The items and the int8 vectors the site ships, and the float32 vectors they came from
    (the build's corpus cache entry with the same items), if that cache is here."""
    runtime = json.loads((site / "assets/runtime/runtime.json").read_text(encoding="utf-8"))
    entry = runtime["corpora"]["site-sections"]
    manifest = json.loads((site / runtime["files"][entry["manifest"]]["url"]).read_bytes())
    rows = corpus.read_int8(manifest, (site / runtime["files"][entry["vectors"]]["url"]).read_bytes())
    full = None
    for cached in (ROOT / ".cache/corpora").glob("site-sections-*.json"):
        data = json.loads(cached.read_bytes())
        if data["items"] == manifest["items"]:
            full = corpus.read_vectors(data, cached.with_suffix(".f32").read_bytes())
    return manifest["items"], rows, full


def semantic_pages(rows: np.ndarray, items: list[dict], v: np.ndarray) -> list[str]:
    seen: list[str] = []
    for i in np.argsort(-(rows @ v), kind="stable"):
        page = items[i]["location"].split("#")[0]
        if page not in seen:
            seen.append(page)
    return seen


def fuse(keyword: list[str], semantic: list[str], k: float, wk: float, ws: float, depth: int) -> list[str]:
    """search-meaning-rank.js `fuse`, in Python (the browser's blend is compared with it below)."""
    score: dict[str, float] = {}
    order: dict[str, int] = {}
    for weight, ranking in ((wk, keyword), (ws, semantic[:depth])):
        for rank, page in enumerate(ranking, start=1):
            order.setdefault(page, len(order))
            score[page] = score.get(page, 0.0) + weight / (k + rank)
    return sorted(score, key=lambda p: (-score[p], order[p]))


def offline(site: Path, keyword: list[list[str]]) -> dict:
    qs = queries()
    items, rows, full = site_vectors(site)
    qv = Embedder(ROOT / ".cache/models/all-MiniLM-L6-v2").embed([q["query"] for q in qs])
    sem8 = [semantic_pages(rows, items, v) for v in qv]
    out: dict = {"semantic int8": scores([rank_of(s, q["pages"]) for s, q in zip(sem8, qs, strict=True)])}
    if full is not None:
        sem32 = [semantic_pages(full, items, v) for v in qv]
        out["semantic float32"] = scores([rank_of(s, q["pages"]) for s, q in zip(sem32, qs, strict=True)])
        out["same top 5 pages, int8 vs float32"] = sum(a[:5] == b[:5] for a, b in zip(sem8, sem32, strict=True)) / len(qs)
    grid = []
    for k in (1, 5, 10, 20, 60):
        for ws in (1.0, 1.5, 2.0):
            for depth in (10, 20):
                blended = [fuse(kw, s, k, 1.0, ws, depth) for kw, s in zip(keyword, sem8, strict=True)]
                grid.append(({"k": k, "keyword": 1.0, "semantic": ws, "depth": depth},
                             scores([rank_of(b, q["pages"]) for b, q in zip(blended, qs, strict=True)])))
    out["grid"] = grid
    out["python_blend"] = [fuse(kw, s, CHOSEN["k"], CHOSEN["keyword"], CHOSEN["semantic"], CHOSEN["depth"])
                           for kw, s in zip(keyword, sem8, strict=True)]
    out["sizes"] = {"sections": len(items), "int8 bytes": rows.size, "float32 bytes": rows.size * 4}
    return out


def text_lengths(site: Path) -> list[tuple]:
    """Semantic-only scores when each section is embedded with its first N words (Python)."""
    qs = queries()
    items, _, _ = site_vectors(site)
    embedder = Embedder(ROOT / ".cache/models/all-MiniLM-L6-v2")
    qv = embedder.embed([q["query"] for q in qs])
    secs = [sections.Section(i["location"], i["title"], i["page"], "" if i["text"] == i["title"] else i["text"])
            for i in items]
    rows = []
    for words in (30, 60, 160):
        vectors = embedder.embed([sections.embed_text(s, words) for s in secs])
        ranks = [rank_of(semantic_pages(vectors, items, v), q["pages"]) for v, q in zip(qv, qs, strict=True)]
        chosen = " (shipped)" if words == stage.MAX_WORDS else ""
        rows.append((f"{words}{chosen}", *fmt(scores(ranks))))
    return rows


def table(rows: list[tuple], header: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def fmt(s: dict) -> tuple[str, str, str]:
    return f"{s['hit@1']:.2f}", f"{s['hit@5']:.2f}", f"{s['MRR']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site to measure")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--text-lengths", action="store_true", help="also compare how many words to embed")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_site(Path(tmp))
        b = browser_run(site)
        off = offline(site, b["keyword"])
        lengths = text_lengths(site) if args.text_lengths else []
    qs = queries()
    n = len(qs)
    ranks = {name: [rank_of(r, q["pages"]) for r, q in zip(b[name], qs, strict=True)]
             for name in ("keyword", "semantic", "blended")}
    agree = sum(x == y for x, y in zip(b["blended"], off["python_blend"], strict=True)) / n
    parts = [f"Load average at start: {load:.1f} on {os.cpu_count()} cores. {n} questions "
             f"(tests/data/site_queries.jsonl), {off['sizes']['sections']} sections.\n",
             "### In Chromium (page level: a hit is a page that answers the question)\n",
             table([("keyword only (Material, switch off)", *fmt(scores(ranks["keyword"]))),
                    ("meaning only (site-sections, int8)", *fmt(scores(ranks["semantic"]))),
                    (f"blended (switch on: RRF k={CHOSEN['k']}, meaning weighted {CHOSEN['semantic']}, "
                     f"its first {CHOSEN['depth']} pages)", *fmt(scores(ranks["blended"])))],
                   ("ranking", "hit@1", "hit@5", "MRR")),
             "",
             table([("keystroke to Material's keyword results (switch off), median",
                     f"{statistics.median(b['material_ms']):.0f} ms"),
                    ("keystroke to blended results (model warm), median",
                     f"{statistics.median(b['blend_ms']):.0f} ms"),
                    ("keystroke to blended results, 90th percentile",
                     f"{sorted(b['blend_ms'])[int(0.9 * (n - 1))]:.0f} ms"),
                    ("embed the query and rank the sections, median", f"{statistics.median(b['semantic_ms']):.0f} ms"),
                    ("first use: switch on to model ready (empty cache)", f"{b['load_cold_s']:.1f} s"),
                    ("next page: model ready from Cache Storage", f"{b['load_warm_s']:.1f} s")],
                   ("latency", "measured")),
             "",
             f"The browser's blend equals the Python port of the fusion on {agree:.0%} of the questions.\n",
             "### int8 against float32 (Python onnxruntime, same model file)\n",
             table([(name, *fmt(off[name])) for name in ("semantic int8", "semantic float32") if name in off],
                   ("vectors", "hit@1", "hit@5", "MRR")),
             "",
             f"Same five best pages with int8 and float32: "
             f"{off.get('same top 5 pages, int8 vs float32', float('nan')):.0%} of the questions. "
             f"Vectors: {off['sizes']['int8 bytes']:,} bytes int8 against {off['sizes']['float32 bytes']:,} float32.\n",
             "### Fusion choices (Material's keyword pages as shown in Chromium, int8 semantic pages)\n",
             table([(c["k"], c["semantic"], c["depth"], *fmt(s)) for c, s in off["grid"]],
                   ("RRF k", "semantic weight", "semantic depth", "hit@1", "hit@5", "MRR"))]
    if lengths:
        parts += ["", "### How much of each section to embed (meaning only, Python onnxruntime, float32)\n",
                  "The heading (page title: section title) and then the section's first N words:\n",
                  table(lengths, ("words embedded", "hit@1", "hit@5", "MRR"))]
    report = "\n".join(parts)
    print(report)
    if args.write:
        RESULTS.write_text("# Search by meaning in the header search\n\nMeasured by `.venv/bin/python "
                           "benchmarks/site_search.py --write` (see its docstring).\n\n" + report + "\n",
                           encoding="utf-8")


if __name__ == "__main__":
    main()
