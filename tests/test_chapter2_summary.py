"""Chapter 2 as one chapter: one SMS split for every notebook, the side-by-side table of every
model in the summary (computed by the build), and the overview that starts with the spam filter and
lists every page of the chapter in nav order."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from test_chapter0 import text_of

CH2 = "content/ch2-text-classification/"
ROOT = Path(__file__).resolve().parents[1]
ROWS = ["majority class (all ham)", "keyword rule", "naive Bayes (words)", "LR (words)",
        "LR (MiniLM 2-D)", "LR (MiniLM 384-D)", "MLP (SMS: MiniLM; e-mail: words)", "widget filter (MiniLM head)"]
CELL = r"(\d\.\d{3}|—)"

# what each page prints about its short-message split: (page, pattern whose last group is the test size)
SMS_TEST_SIZES = [
    ("data-and-baselines", r"Short messages, stratified split: (\d+) test messages"),
    ("naive-bayes", r"SMS\s+train\s+\d+ \(\d+% spam\)\s+test\s+(\d+)"),
    ("logistic-regression", r"SMS:\s+train \(\d+, \d+\), test \((\d+), \d+\)"),
    ("geometry", r"\d+ training and (\d+) test messages -> vectors"),
    ("neural-network", r"SMS: \d+ training and (\d+) test vectors"),
    ("summary-notebook", r"SMS\s*: train\s+\d+, test\s+(\d+)"),
    ("summary", r"SMS \((\d+) test\)"),
]


def summary_table(text: str) -> dict[str, list[float | None]]:
    """The side-by-side rows: name -> six cells (SMS P, R, F1, e-mail P, R, F1), None for a dash.

    The table is printed as two blocks, the short messages and then the e-mails, so that each line
    fits an output box."""
    sms_start = re.search(r"short messages: SMS \(\d+ test\)", text)
    mail_start = re.search(r"e-mails: time split \(\d+ test\)", text)
    assert sms_start and mail_start and sms_start.start() < mail_start.start(), "summary table has no two blocks"
    blocks = [text[sms_start.end():mail_start.start()], text[mail_start.end():]]
    rows = {}
    for name in ROWS:
        cells = []
        for block in blocks:
            match = re.search(r"^\s*" + re.escape(name) + r"\s+" + r"\s+".join([CELL] * 3), block, re.M)
            assert match, f"summary table has no row {name!r}"
            cells += [None if v == "—" else float(v) for v in match.groups()]
        rows[name] = cells
    return rows


def test_summary_table_has_every_model_with_consistent_scores(built_site):
    text = text_of(built_site.page(CH2 + "summary/"))
    rows = summary_table(text)
    for name, cells in rows.items():
        for p, r, f in (cells[:3], cells[3:]):
            if p is None:
                assert r is None and f is None, name  # a dash is a dash in all three columns
                continue
            expected = 2 * p * r / (p + r) if p + r else 0.0
            assert abs(f - expected) < 0.002, (name, p, r, f)  # printed to 3 decimals
    assert rows["majority class (all ham)"][:3] == [0.0, 0.0, 0.0]
    # every learned model beats both baselines on the short messages
    for name in ROWS[2:]:
        assert rows[name][2] > rows["keyword rule"][2], name
    # every dash comes with its reason
    for name, cells in rows.items():
        if None in cells:
            assert re.search("— " + re.escape(name) + r", (SMS|e-mail): \w+", text), name
    notebook = text_of(built_site.page(CH2 + "summary-notebook/"))
    assert "the head's SMS test set is the chapter's SMS test set: True" in notebook


def test_every_notebook_uses_one_sms_split():
    splitting = []
    for notebook in sorted((ROOT / "docs" / CH2).glob("*-notebook.ipynb")):
        source = notebook.read_text(encoding="utf-8")
        for call in re.findall(r"stratified_split\((?:[\w.]*load_sms\(\)|sms)[^)]*\)", source):
            assert "test_fraction=0.2, seed=0" in call, (notebook.name, call)
            splitting.append(notebook.stem)
    # data, naive Bayes, logistic regression, geometry, neural network and summary
    assert len(set(splitting)) >= 6, splitting


def test_every_page_prints_the_same_sms_test_size(built_site):
    sizes = {}
    for page, pattern in SMS_TEST_SIZES:
        match = re.search(pattern, text_of(built_site.page(CH2 + page + "/")))
        assert match, (page, pattern)
        sizes[page] = int(match.group(1))
    evaluation = text_of(built_site.page(CH2 + "evaluation/"))
    sizes["evaluation (widget filter)"] = int(re.search(r"(\d+) SMS and \d+ emails", evaluation).group(1))
    assert len(set(sizes.values())) == 1, sizes


def test_overview_starts_with_the_spam_filter_and_lists_every_page_in_nav_order(built_site):
    html = built_site.page(CH2 + "overview/")
    article = html.split('<article class="md-content__inner', 1)[1]
    assert "<spam-filter" in article
    assert article.index("<spam-filter") < article.index("What a classifier is")
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    chapter = next(entry for entry in config["nav"] if isinstance(entry, dict)
                   and any("ch2-text-classification" in str(v) for v in entry.values()))
    pages = [Path(path).stem for item in next(iter(chapter.values())) for title, path in item.items()
             if isinstance(path, str) and path.endswith(".md") and not path.endswith("overview.md")]
    table = article.split("the question it answers", 1)[1].split("</table>", 1)[0]
    linked = re.findall(r'href="(?:\.\./)?([\w-]+)/"', table)
    assert linked == pages
