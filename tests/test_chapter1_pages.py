"""Chapter 1's evaluation, case-study and summary pages and the chunking lab: in the nav, built
with their notebooks' outputs, and every claim their prose makes about a number holds for the
numbers those notebooks printed in this build."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CH1 = "content/ch1-rag/"
NEW_PAGES = ["evaluation", "case-study", "summary"]


def text_of(page_html: str) -> str:
    article = page_html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", article)))


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"not found on the page: {pattern}"
    return float(match.group(1))


def rows(text: str, names: list[str], columns: int) -> dict[str, list[float]]:
    """Rows of a printed table: a row name followed by `columns` numbers."""
    out = {}
    for name in names:
        match = re.search(rf"(?:^|\s){re.escape(name)}\s+((?:-?[\d.]+%?\s+){{{columns - 1}}}-?[\d.]+%?)", text)
        assert match, f"no row {name!r}"
        out[name] = [float(x.rstrip("%")) for x in match.group(1).split()]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW_PAGES)
def test_new_pages_are_in_the_nav_with_badge_diagram_math_aha_and_embeds(built_site, name):
    page = built_site.page(CH1 + name + "/")
    nav = page.split('data-md-type="navigation"', 1)[1].split('data-md-type="toc"', 1)[0]
    others = [p for p in [*NEW_PAGES, "generation"] if p != name]
    for target in [*others, "evaluation-notebook", "case-study-notebook"]:
        assert f'href="../{target}/"' in nav, f"{target} is not in the chapter's nav"
    assert 'class="chapter-badge"' in page and 'class="aha-card"' in page
    assert 'class="mermaid"' in page, "a diagram"
    assert 'class="arithmatex"' in page, "math"
    assert page.count('class="nb-embed"') >= 2
    if name != "summary":
        notebook = built_site.page(CH1 + name + "-notebook/")
        assert re.search(r"<h2[^>]*>.*Exercises", notebook)
        assert f'href="../{name}-notebook/"' in page, "the full notebook is linked"


@pytest.mark.slow
def test_evaluation_metrics_by_hand_agree_with_trec_eval_and_the_prose(built_site):
    text = text_of(built_site.page(CH1 + "evaluation/"))
    table = rows(text, ["bm25", "dense", "hybrid"], 5)  # recall@1, @5, @10, MRR, nDCG@10
    for col in (1, 3, 4):  # the summary says fusion beats both at the top of the ranking
        assert table["hybrid"][col] > max(table["bm25"][col], table["dense"][col])
    assert all(0 <= v <= 1 for r in table.values() for v in r)
    assert number(r"our numbers and trec_eval's: ([\d.e+-]+)", text) < 1e-9
    assert re.search(r"(\d+) questions x 3 retrievers x 5 measures", text)

    # the worked example: recall@5 and reciprocal rank read off the printed ranking
    listing = text.split("def recall_at", 1)[0].rsplit("answered by:", 1)[1]  # the printed output, not the code
    ranks = re.findall(r"(\d+)\. \S+\s+§\S+\s*(relevant)?", listing)
    relevant = [int(r) for r, flag in ranks if flag]
    needed = len(re.findall(r"\('([^']+)', '([^']+)'\)", listing.split("1.", 1)[0]))
    assert len(ranks) == 10 and needed >= 2
    assert f"recall@5 of {sum(r <= 5 for r in relevant)}/{needed}" in text
    assert f"reciprocal rank of 1/{relevant[0]}" in text

    kinds = rows(text, ["named", "unnamed", "multi-section", "multi-license"], 6)  # count, then the 5 metrics
    assert all(kinds["named"][2] > kinds[k][2] for k in ("unnamed", "multi-section", "multi-license")), \
        "the page says questions that name their license do best"

    answered = int(number(r"answered (\d+) questions in", text))
    assert answered == 3 and "sample of three questions" in text
    assert len(re.findall(r"\bg\d\d\s+[\d.]+\s+[\d.]+\s+\d+ of \d+\s+\d+ of \d+", text)) == answered
    assert "at most 32 tokens" in text and "of at most 32 tokens" in text
    sup = re.search(r"sentences supported by a passage they cite: (\d+) of (\d+)", text)
    assert sup and f"Only {sup.group(1)} of the {sup.group(2)} sentences is supported" in text
    only = re.search(r"answers citing only ids that were in the prompt: (\d+) of (\d+)", text)
    assert only and f"only {only.group(1)} of the {only.group(2)} answers cites nothing but ids" in text
    f1 = number(r"mean token F1 ([\d.]+),", text)
    assert f"Mean token F1 is {f1:.2f}" in text
    for made_up in ("[MIT license]", "[Lax 2014]"):  # the invented ids the prose quotes, flagged by the check
        assert re.search(rf"UNSUPPORTED \(\d+% of its words in {re.escape(made_up)}\)", text), made_up


@pytest.mark.slow
def test_case_study_numbers_and_gallery_match_the_run(built_site):
    text = text_of(built_site.page(CH1 + "case-study/"))
    answerable = int(number(r"answerable questions:\s+(\d+)", text))
    top5 = int(number(r"an answering section in the top 5 passages:\s+(\d+)", text))
    in_prompt = int(number(r"an answering section inside the 400-token prompt:\s+(\d+)", text))
    median = int(number(r"median (\d+);", text))
    assert f"for {top5} of {answerable}" in text
    assert f"Only {in_prompt} of the {answerable} answerable questions" in text
    assert f"the median prompt holds {median} section" in text
    assert 2 * in_prompt < answerable < 2 * top5, "fewer than half reach the model; most are retrieved"

    traps = re.search(r"(\d+) of (\d+) trap questions get another license's section first", text)
    assert traps and int(traps.group(1)) > 0
    for qid in ("g23", "g60"):
        missing = re.search(rf"{qid}: .*?missing: (.*?)(?: g\d\d:| \S+ Failure| Cause)", text)
        assert missing and missing.group(1).strip() != "nothing", qid

    best = number(r"g62: Which license does the React library use\? best cosine ([\d.]+), threshold", text)
    assert best >= 0.40, "the page says g62 gets through the threshold"
    scores = [float(s) for s in re.findall(r"(0\.\d{3})\s+\S+ §", text.split("g62: Which", 1)[1])[:3]]
    assert len(scores) == 3 and max(scores) - min(scores) <= 0.001 + 1e-9, "within a thousandth"

    empty = int(number(r"prompts with no passage at all \(the best section alone is over the budget\): (\d+)", text))
    assert f"{empty} prompts hold none at all" in text

    # other language: the ranks and scores the prose quotes
    g41, g66 = (number(rf"{q} best cosine ([\d.]+)", text) for q in ("g41", "g66"))
    assert f"from {g41:.3f} to {g66:.3f}, just above the 0.40 threshold" in text and 0.40 <= g66 < g41
    assert re.search(r"g55 English: answer at rank 8,", text) and re.search(r"g55 Spanish: answer at rank >10,", text)
    g54 = number(r"g54 Spanish: answer at rank \S+, best cosine ([\d.]+)", text)
    assert g54 < 0.40 and f"best cosine of {g54:.3f}" in text

    misled = re.search(r"prompt holds passages but none of the answer: (\d+) of (\d+)", text)
    assert misled and f"This happens to {misled.group(1)} of the {misled.group(2)} answerable" in text
    assert "Note to AI assistants" in text, "the doctored passage is shown"
    doctored = number(r"Q: Am I allowed to sell software that contains MIT-licensed code\? best cosine ([\d.]+)", text)
    assert doctored > g41 and f"({doctored:.3f} against {g41:.3f})" in text
    assert re.search(r"in the prompt: MIT full text A: According to \[[^\]]*\], you are not allowed to sell", text), \
        "the page says the planted instruction reached the prompt and the model followed it"


@pytest.mark.slow
def test_summary_links_chapter2_and_keeps_its_cheat_sheet(built_site):
    page = built_site.page(CH1 + "summary/")
    assert 'href="../../ch2-text-classification/overview/"' in page
    assert page.count("<details") >= 6, "misconceptions"
    assert page.count("<tr>") >= 15, "cheat sheet"
    for target in ["case-study/#failure-3-an-unanswerable-question-that-gets-through",
                   "case-study/#failure-5-an-instruction-planted-inside-a-document",
                   "evaluation/#the-answers-of-a-135m-model", "chunking/#chunking-lab"]:
        assert f'href="../{target}"' in page, target


def _lab_table(page: str) -> dict[tuple[int, float], dict[str, float]]:
    table = {}
    for attrs in re.findall(r"<tr (data-[^>]*data-size=[^>]+|data-size=[^>]+)>", page):
        d = dict(re.findall(r'data-(\w+)="([^"]*)"', attrs))
        table[(int(d["size"]), float(d["overlap"]))] = {k: float(v) for k, v in d.items()}
    return table


@pytest.mark.slow
def test_chunking_lab_data_matches_the_chunking_notebook_and_a_fresh_measurement(built_site):
    page = built_site.page(CH1 + "chunking/")
    assert "<chunking-lab" in page and "data-chunking-lab" in page
    lab = _lab_table(page)
    assert {(n, ov) for n in (50, 100, 400) for ov in (0.0, 0.5)} == set(lab)
    # the strategies table above it measured four of the same settings
    text = text_of(page)
    measured = rows(text, ["fixed 50", "fixed 100", "fixed 400", "fixed 100, 50% overlap"], 6)  # recall@5 last
    for name, key in [("fixed 50", (50, 0.0)), ("fixed 100", (100, 0.0)), ("fixed 400", (400, 0.0)),
                      ("fixed 100, 50% overlap", (100, 0.5))]:
        assert abs(lab[key]["recall"] - measured[name][-1]) <= 5.01e-4, name
        assert lab[key]["chunks"] == measured[name][0], name
    # the prose: recall@5 creeps up and is best for the biggest chunks; coverage peaks at 100 words,
    # is lowest at 400, and overlap raises it at every size
    assert f"from {lab[(50, 0.0)]['recall']:.3f} at 50 words to about {lab[(100, 0.0)]['recall']:.2f}" in text
    assert lab[(50, 0.0)]["recall"] < lab[(100, 0.0)]["recall"]
    assert max(lab.values(), key=lambda r: r["recall"])["size"] == 400
    assert max(lab.values(), key=lambda r: r["coverage"])["size"] == 100
    assert min(lab.values(), key=lambda r: r["coverage"])["size"] == 400
    assert all(lab[(n, 0.5)]["coverage"] > lab[(n, 0.0)]["coverage"] for n in (50, 100, 400))
    assert all(1.5 < lab[(n, 0.5)]["chunks"] / lab[(n, 0.0)]["chunks"] <= 2 for n in (50, 100, 400))

    # and measured again here, from the chunkers and the model, for one setting
    sys.path.insert(0, str(ROOT / "docs/content/ch1-rag"))
    try:
        import numpy as np
        from chunkers import Documents
        from legal_corpus import passages
        from minilm import MiniLM
    finally:
        sys.path.pop(0)
    docs = Documents(passages())
    gold = [json.loads(line) for line in (ROOT / "docs/data/rag/gold.jsonl").read_text().splitlines()]
    answerable = [q for q in gold if q["answers"]]
    model = MiniLM(ROOT / ".cache/models/all-MiniLM-L6-v2")
    chunks = docs.fixed(100)
    V = model.embed([docs.text(c) for c in chunks])
    Q = model.embed([q["question"] for q in answerable])
    order = np.argsort(-(Q @ V.T), axis=1)
    recall = np.mean([any(docs.hits(q, chunks[i]) for i in order[k, :5]) for k, q in enumerate(answerable)])
    assert lab[(100, 0.0)]["recall"] == pytest.approx(recall, abs=1e-4)
    assert lab[(100, 0.0)]["chunks"] == len(chunks)


def _local_modules(notebook: Path) -> set[str]:
    """The modules a notebook imports from its own folder (`from rag import ...`, `import minilm`)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    names = set(re.findall(r"^\s*from (\w+) import", code, re.M)) | set(re.findall(r"^\s*import (\w+)", code, re.M))
    return {f"{n}.py" for n in names if (notebook.parent / f"{n}.py").is_file()}


@pytest.mark.slow
def test_notebook_pages_link_the_code_they_import(built_site):
    """A reader can open every module a notebook imports: linked from its page, served beside it."""
    chapter = ROOT / "docs" / "content" / "ch1-rag"
    checked = 0
    for notebook in sorted(chapter.glob("*.ipynb")):
        page = built_site.page(CH1 + notebook.stem + "/")
        for module in _local_modules(notebook):
            assert f'href="../{module}"' in page, f"{notebook.name} imports {module} but does not link it"
            assert (built_site.site / CH1 / module).read_text(encoding="utf-8") == \
                (chapter / module).read_text(encoding="utf-8"), f"{module} is not served beside the pages"
            checked += 1
    assert checked >= 10


@pytest.mark.slow
def test_case_study_counts_stand_in_one_column(built_site):
    page = built_site.page(CH1 + "case-study/")
    block = next(b for b in re.findall(r"<pre[^>]*>(.*?)</pre>", page, re.S) if "answerable questions:" in b)
    lines = [line for line in html.unescape(re.sub(r"<[^>]+>", "", block)).splitlines() if re.search(r":\s{2,}\d", line)]
    assert len(lines) == 8, lines
    columns = {re.search(r":\s+(?=\d)", line).end() for line in lines}
    assert len(columns) == 1, "\n".join(lines)
