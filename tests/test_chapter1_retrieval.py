"""Chapter 1's knowledge base, chunking and retrieval pages: the claims in their prose hold for
the numbers the build's notebooks printed."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CH1 = "content/ch1-rag/"


def text_of(page_html: str) -> str:
    article = page_html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


@pytest.fixture(scope="module")
def corpus():
    sys.path.insert(0, str(ROOT / "docs/content/ch1-rag"))
    try:
        import legal_corpus
    finally:
        sys.path.pop(0)
    return legal_corpus


def test_every_license_is_split_into_sections_that_keep_their_numbers(corpus):
    passages = corpus.passages()
    assert {p.license for p in passages} == set(corpus.LICENSES)
    ids = [p.id for p in passages]
    assert len(ids) == len(set(ids))
    sections = {(p.license, p.section) for p in passages}
    # the numbering each license uses, not ours
    for expected in [("GPL-3.0-only", "8"), ("GPL-2.0-only", "3"), ("MPL-2.0", "3.2"), ("EPL-2.0", "3.1"),
                     ("CC-BY-4.0", "3(a)"), ("Apache-2.0", "6"), ("LGPL-3.0-only", "4"), ("MIT", "full text")]:
        assert expected in sections, expected
    # the LGPL-3.0 text in the package ends with the whole GPL-3.0: it is not duplicated
    assert not any(p.license == "LGPL-3.0-only" and p.section == "17" for p in passages)
    # MiniLM reads 256 word pieces: no passage is cut off by it (words are a safe proxy)
    assert max(len(p.text.split()) for p in passages) <= corpus.MAX_WORDS + 40
    # a section cut into parts keeps its number in every part
    parts = [p for p in passages if p.license == "GPL-3.0-only" and p.section == "6"]
    assert len(parts) > 1 and [p.part for p in parts] == list(range(1, len(parts) + 1))


def test_gold_questions_point_at_real_sections(corpus):
    sections = {(p.license, p.section) for p in corpus.passages()}
    gold = [json.loads(line) for line in (ROOT / "docs/data/rag/gold.jsonl").read_text().splitlines()]
    assert len(gold) >= 60
    kinds = {k for q in gold for k in q["kind"]}
    assert {"named", "unnamed", "trap", "multi-license", "multi-section", "unanswerable"} <= kinds
    for q in gold:
        assert q["question"].strip() and q["reference"].strip()
        for a in q["answers"]:
            assert (a["license"], a["section"]) in sections, (q["id"], a)
        assert bool(q["answers"]) != ("unanswerable" in q["kind"]), q["id"]


def _table(text: str, header: str) -> dict[str, list[float]]:
    """Rows of a printed table after `header`: name -> numbers (percent signs dropped)."""
    block = text.split(header, 1)[1]
    rows = {}
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        match = re.match(r"^\s*([A-Za-z][\w ,%~]*?)\s{2,}([\d.%\s]+)$", line)
        if not match:
            if rows:
                break
            continue
        rows[match.group(1).strip()] = [float(x.rstrip("%")) for x in match.group(2).split()]
    return rows


@pytest.mark.slow
def test_retrieval_page_claims_match_its_measurements(built_site):
    text = text_of(built_site.page(CH1 + "retrieval/"))
    rows = _table(text, "retriever")
    assert set(rows) == {"BM25", "dense", "hybrid"}
    # columns: hit@5, MRR, named, unnamed, trap, multi-license
    hybrid, bm25, dense = rows["hybrid"], rows["BM25"], rows["dense"]
    assert hybrid[0] > max(bm25[0], dense[0]), "the page says the hybrid finds the most answers"
    assert all(h >= max(b, d) - 0.05 for h, b, d in zip(hybrid, bm25, dense, strict=True)), \
        "the page says the hybrid is the best or close to it in every column"
    assert dense[2] > dense[3], "the page says dense does better on questions that name their license"
    # "money" is in no license: BM25 gives it nothing
    assert re.search(r"money\s+0\s+0\.00\s+0\.00", text)
    # the refusal threshold trades: unanswerable questions score lower on the median
    medians = re.findall(r"median (\d\.\d\d)", text)
    assert float(medians[0]) > float(medians[1])


@pytest.mark.slow
def test_chunking_page_claims_match_its_measurements(built_site):
    text = text_of(built_site.page(CH1 + "chunking/"))
    rows = _table(text, "strategy")
    assert {"fixed 50", "fixed 400", "sections", "sentences ~100"} <= set(rows)
    coverage = {name: values[3] for name, values in rows.items()}  # chunks, tokens, cut off, coverage, half
    assert coverage["sections"] == max(coverage.values()), "the page says sections give the best coverage"
    assert coverage["fixed 100"] > coverage["fixed 50"] and coverage["fixed 100"] > coverage["fixed 400"]
    assert coverage["fixed 100, 50% overlap"] >= coverage["fixed 100"], "the page says overlap helps a little"
    assert rows["fixed 400"][2] > 50 and rows["sections"][2] == 0, "long chunks are cut off by the model"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["chunking", "retrieval"])
def test_chapter1_pages_are_in_the_nav_with_badge_embeds_and_aha(built_site, name):
    page = built_site.page(CH1 + name + "/")
    nav = page.split('data-md-type="navigation"', 1)[1].split('data-md-type="toc"', 1)[0]
    assert re.search(rf'href="(\.\./)?{name}-notebook/"', nav)
    assert 'class="chapter-badge"' in page and 'class="aha-card"' in page
    assert page.count('class="nb-embed"') >= 3
    notebook = built_site.page(CH1 + name + "-notebook/")
    assert re.search(r"<h2[^>]*>.*Exercises", notebook)
