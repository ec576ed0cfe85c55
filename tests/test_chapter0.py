"""Chapter 0 as a reader meets it: every page in the nav, with a notebook embed or a widget,
links that resolve, and the notebooks' key results computed afresh by the build."""

from __future__ import annotations

import html
import json
import re

import pytest
from sitecheck import DEPLOYED_AT, broken_internal_links

CH0 = "content/ch0-fundamentals/"
PAGES = ["overview", "vectors", "embeddings", "vector-database", "summary"]
NOTEBOOKS = ["vectors-notebook", "embeddings-notebook", "vector-store"]
WIDGETS = ("<similarity-playground", "<semantic-search", "<embedding-map")


def text_of(page_html: str) -> str:
    """The visible text of a page's article, without tags."""
    article = page_html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


@pytest.mark.parametrize("name", PAGES)
def test_page_is_in_the_chapter_nav_with_badge_and_hands_on_part(built_site, name):
    page = built_site.page(CH0 + name + "/")
    nav = page.split('data-md-type="navigation"', 1)[1].split('data-md-type="toc"', 1)[0]
    # every page of the chapter is listed in the sidebar of this page
    for other in PAGES:
        assert re.search(rf'href="(\.\./)?{other}/"|href="\./"', nav), (name, other)
    assert 'class="chapter-badge"' in page
    assert 'class="nb-embed"' in page or any(w in page for w in WIDGETS)
    assert 'class="aha-card"' in page or name == "summary"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_page_is_in_the_nav_and_ends_with_exercises(built_site, name):
    page = built_site.page(CH0 + name + "/")
    assert "Download .ipynb" in page
    assert re.search(r"<h2[^>]*>.*Exercises", page)
    assert (built_site.page(CH0 + "overview/").count(f"{name}/") >= 1) or name in built_site.page("")


def test_no_broken_links_or_anchors_in_the_chapter(built_site):
    problems = broken_internal_links(built_site.site, DEPLOYED_AT)
    assert [p for p in problems if p.startswith(CH0) or p.startswith("Local-AI")] == []


def test_vectors_worked_example_matches_the_arithmetic(built_site):
    text = text_of(built_site.page(CH0 + "vectors/"))
    # a = (3, 4), b = (4, 3): the notebook's numbers, checked against the hand calculation
    a, b = (3, 4), (4, 3)
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    cosine = dot / (5 * 5)
    assert re.search(rf"a · b\s*:\s*{dot}\b", text)
    assert re.search(rf"cosine similarity\s*:\s*{cosine:.2f}", text)


def test_embeddings_page_shows_bag_of_words_blind_spot_and_model_closing_it(built_site):
    text = text_of(built_site.page(CH0 + "embeddings/"))
    bow = [float(x) for x in re.findall(r"bag-of-words cosine = (-?\d\.\d{3})", text)]
    assert bow and all(v == 0.0 for v in bow)  # synonyms share nothing
    ranked = re.findall(r"^\s*(-?\d\.\d{3})\s{2}(.+)$", text.split('query = "feline pets"')[-1], re.M)
    scores = [float(s) for s, _ in ranked]
    assert scores == sorted(scores, reverse=True) and len(ranked) >= 4
    top_two = " ".join(sentence for _, sentence in ranked[:2]).lower()
    assert "cat" in top_two and "kitten" in top_two
    assert scores[1] > 2 * max(scores[2], 0.01)  # the cat sentences stand out
    assert any(img.startswith(b"\x89PNG") for img in built_site.images(CH0 + "embeddings/"))  # heat maps


def test_vector_store_ivf_recall_is_measured_and_plotted(built_site):
    page = built_site.page(CH0 + "vector-database/")
    rows = re.findall(r"^\s*(\d+)\s+([01]\.\d{3})\s+([\d.]+)\s+([\d.]+)%\s+([\d.]+)x\s*$", text_of(page), re.M)
    assert len(rows) >= 4, "the ivf-recall table"
    nprobe = [int(r[0]) for r in rows]
    recall = [float(r[1]) for r in rows]
    scanned = [float(r[3]) for r in rows]
    assert nprobe == sorted(nprobe)
    assert scanned == sorted(scanned) and scanned[-1] <= 100
    assert recall[0] < recall[-1] and recall[-1] >= 0.9
    assert all(later >= earlier - 0.02 for earlier, later in zip(recall, recall[1:], strict=False))
    assert re.search(r"100,000 × 384|100000", text_of(page))
    assert any(img.startswith(b"\x89PNG") for img in built_site.images(CH0 + "vector-database/"))  # the plot


@pytest.mark.parametrize(
    ("term", "page"),
    [("cosine", "vectors"), ("embedding", "embeddings"), ("vector database", "vector-database"),
     ("IVF", "vector-database"), ("HNSW", "vector-database")],
)
def test_search_index_finds_key_terms(built_site, term, page):
    index = json.loads((built_site.site / "search/search_index.json").read_text())
    hits = {doc["location"].split("#")[0] for doc in index["docs"]
            if term.lower() in (doc["title"] + " " + doc["text"]).lower()}
    assert CH0 + page + "/" in hits


def test_local_ai_guide_covers_the_runtime(built_site):
    text = text_of(built_site.page("Local-AI/"))
    for term in ("Transformers.js", "ONNX", "WebAssembly", "WebGPU", "quantis", "Cache Storage"):
        assert term.lower() in text.lower(), term
    assert "to be filled" not in text
    assert re.search(r"embedding one query\s*\d+ ms", text)


def test_embeddings_page_backs_its_order_and_negation_claim(built_site):
    # the page says both pairs score higher than any genuine paraphrase pair
    text = text_of(built_site.page(CH0 + "embeddings/"))
    scores = [float(x) for x in re.findall(r"MiniLM cosine: (-?\d\.\d{2})", text)]
    best = float(re.search(r"best paraphrase pair: (\d\.\d{2})", text).group(1))
    assert len(scores) == 2 and min(scores) > best


# --- reader report 2: prose that quotes outputs, names that are shown, text for every diagram ---

DOCS = "docs/" + CH0


def test_overview_quotes_the_local_ai_download_figures(built_site):
    guide = text_of(built_site.page("Local-AI/"))
    raw, gzipped = re.search(r"first-visit download[^\n]*\s+([\d.]+) MB \(([\d.]+) MB", guide).groups()
    overview = text_of(built_site.page(CH0 + "overview/"))
    assert f"{raw} MB" in overview and f"{gzipped} MB" in overview


def test_ivf_table_names_exactly_the_settings_slower_than_brute_force(built_site):
    text = text_of(built_site.page(CH0 + "vector-database/"))
    brute_ms = float(re.search(r"brute force: recall 1\.000\s+([\d.]+) ms/query", text).group(1))
    rows = re.findall(r"^\s*(\d+)\s+[01]\.\d{3}\s+([\d.]+)\s+[\d.]+%\s+[\d.]+x\s*$", text, re.M)
    slower = [n for n, ms in rows if float(ms) >= brute_ms]
    listed = re.search(r"IVF slower than brute force at nprobe: (.*)", text).group(1).strip()
    assert listed == (", ".join(slower) or "none")
    # the batch line the prose points at is computed from the two timings above it
    one, batched, ratio = (float(x) for x in re.search(
        r"one query at a time: ([\d.]+) ms.*?batched: ([\d.]+) ms.*?each query ([\d.]+)x cheaper", text, re.S).groups())
    assert abs(one / batched - ratio) <= 0.05 * ratio + 0.1


def test_embedding_estimate_for_a_collection_is_computed_from_the_timing(built_site):
    text = text_of(built_site.page(CH0 + "embeddings/"))
    per_ms = float(re.search(r"that is ([\d.]+) ms per sentence", text).group(1))
    minutes = float(re.search(r"10,000 short documents at that rate: about ([\d.]+) minutes", text).group(1))
    assert abs(per_ms * 10_000 / 60_000 - minutes) <= 0.1 + 0.01 * minutes
    assert "a few milliseconds" not in text


def test_names_used_in_shown_code_are_shown_or_introduced_first(built_site):
    emb = text_of(built_site.page(CH0 + "embeddings/"))
    assert emb.index("tokenizer = Tokenizer.from_file") < emb.index("tokenizer.encode")
    assert emb.index("session = ort.InferenceSession") < emb.index("session.run")
    vdb = text_of(built_site.page(CH0 + "vector-database/"))
    assert vdb.index("default_rng(42)") < vdb.index("rng.standard_normal")


def test_printed_output_lines_fit_an_output_box(built_site):
    for name in PAGES + NOTEBOOKS:
        page = built_site.page(CH0 + name + "/")
        boxes = re.findall(r'jp-OutputArea-output[^>]*>\s*<pre>(.*?)</pre>', page, re.S)
        assert boxes or name in ("overview", "summary"), f"{name}: no printed output found"
        for box in boxes:
            for line in html.unescape(re.sub(r"<[^>]+>", "", box)).splitlines():
                assert len(line) <= 70, f"{name}: {line!r}"


def test_a_cells_prints_share_one_output_box(built_site):
    page = built_site.page(CH0 + "vector-database/")
    boxes = [html.unescape(re.sub(r"<[^>]+>", "", b))
             for b in re.findall(r'jp-OutputArea-output[^>]*>\s*<pre>(.*?)</pre>', page, re.S)]
    table = [b for b in boxes if "recall@10" in b]
    assert len(table) == 1 and "IVF slower than brute force" in table[0]


def test_every_mermaid_diagram_has_prose_next_to_it():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [*sorted((root / DOCS).glob("*.md")), root / "docs/Local-AI.md"]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.strip() == "```mermaid":
                before = next(x for x in reversed(lines[:i]) if x.strip())
                assert not before.lstrip().startswith(("#", "{%", '" %}', "|", "```", "$$")), f"{path.name}:{i + 1}"


def test_cheat_sheet_mean_pooling_normalises_like_its_formula():
    from pathlib import Path

    summary = (Path(__file__).resolve().parents[1] / DOCS / "summary.md").read_text(encoding="utf-8")
    row = next(line for line in summary.splitlines() if line.startswith("| mean pooling"))
    assert "np.linalg.norm" in row
    assert re.findall(r"(?<![.\w])norm\(", summary) == []  # every norm is np.linalg.norm
    assert "`H`" in summary and "`mask`" in summary  # both named in words


def test_local_ai_points_at_the_threads_section_with_a_link(built_site):
    page = built_site.page("Local-AI/")
    assert 'href="#threads-and-how-a-static-site-gets-them"' in page
    assert 'id="threads-and-how-a-static-site-gets-them"' in page
