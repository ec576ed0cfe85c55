"""Chapter 2 as a newcomer reads it: every name a shown cell uses is shown or explained, every
figure says what it shows, printed lines fit the page, and what the prose claims about the
learning-rate demo, the rings, naive Bayes against logistic regression and the cheat sheet is what
the notebooks compute."""

from __future__ import annotations

import ast
import builtins
import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from fromscratch.notebooks.embed import select_cells
from test_chapter0 import text_of

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "docs" / "content" / "ch2-text-classification"
CH2 = "content/ch2-text-classification/"
EMBED = re.compile(r'\{%\s*notebook\s+"([^"]+)"\s*,\s*"([^"]+)"(?:\s*,\s*"(\w+)")?\s*%\}')
GENERIC = "No description has been provided for this image"
OUTPUT_WIDTH = 70  # characters an output box holds on a 1280-pixel-wide screen (measured in Chromium)


def _defined(tree: ast.AST) -> set[str]:
    """Every name a cell binds anywhere (generous on purpose: scopes are not told apart)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _used(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def unexplained_names(page: Path) -> list[str]:
    """Names that a cell shown with its code uses, but that no cell shown earlier on the page
    defines and the prose before it does not name in `code`."""
    text = page.read_text(encoding="utf-8")
    known = set(dir(builtins))
    problems = []
    for match in EMBED.finditer(text):
        src, spec, show = match.group(1), match.group(2), match.group(3) or "all"
        nb = nbformat.read(SOURCE / src, as_version=4)
        prose = EMBED.sub("", text[: match.start()])
        explained = set(re.findall(r"`([A-Za-z_]\w*)`", prose))
        for index in select_cells(nb, spec, src):
            cell = nb.cells[index]
            if cell.cell_type != "code" or show == "output":
                continue  # an output-only embed shows no code, and defines nothing the reader saw
            tree = ast.parse(cell.source)
            missing = _used(tree) - _defined(tree) - known - explained
            if missing:
                problems.append(f"{page.name}: {src} cell {index + 1} ({spec}) uses {sorted(missing)}")
            known |= _defined(tree)
    return problems


def test_every_name_a_shown_cell_uses_is_shown_or_explained_first():
    problems = [p for page in sorted(SOURCE.glob("*.md")) for p in unexplained_names(page)]
    assert problems == []


def test_the_name_check_catches_a_name_from_a_hidden_cell(tmp_path):
    # the check itself: a page that embeds only the drift cell uses CountingFilter unexplained
    page = SOURCE / "_probe.md"
    try:
        page.write_text('Intro.\n\n{% notebook "data-notebook.ipynb", "drift" %}\n', encoding="utf-8")
        found = unexplained_names(page)
    finally:
        page.unlink()
    assert found and "CountingFilter" in found[0]


def test_cheat_sheet_activation_is_the_one_the_network_notebook_uses():
    nb = nbformat.read(SOURCE / "neural-network-notebook.ipynb", as_version=4)
    forward = next(c.source for c in nb.cells if "mlp" in c.metadata.get("tags", []))
    hidden = re.search(r"def forward\(.*?\n(.*?)\n\s*p = ", forward, re.S).group(1)
    activation = "tanh" if "np.tanh" in hidden else "ReLU" if "np.maximum(0" in hidden else None
    assert activation, hidden
    summary = (SOURCE / "summary.md").read_text(encoding="utf-8")
    row = next(line for line in summary.splitlines() if line.startswith("| hidden layer |"))
    other = {"tanh": "ReLU", "ReLU": "tanh"}[activation]
    assert activation in row and other not in row, row
    assert ("np.tanh" in row) == (activation == "tanh")


def _chapter_pages(built_site) -> list[str]:  # noqa: ANN001
    folder = built_site.site / CH2
    return sorted(CH2 + p.name + "/" for p in folder.iterdir() if (p / "index.html").is_file())


def test_every_figure_of_the_chapter_says_what_it_shows(built_site):
    seen = 0
    for url in _chapter_pages(built_site):
        page = built_site.page(url)
        for tag in re.findall(r"<img\b[^>]*>", page):
            if "notebook-images" not in tag:
                continue
            seen += 1
            alt = html.unescape(re.search(r'\balt="([^"]*)"', tag).group(1))
            assert GENERIC not in alt, (url, tag[:120])
            assert len(alt.split()) >= 12, (url, alt)  # says what to see, not "a plot"
    assert seen >= 17  # every figure of the eight notebooks, on their pages and where embedded


def _output_lines(page_html: str) -> list[str]:
    """The text lines of every printed output a page shows (notebook stdout blocks)."""
    lines = []
    for block in re.findall(r'<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>\s*<pre>(.*?)</pre>', page_html, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", block))
        lines.extend(text.splitlines())
    return lines


def test_data_page_prints_lines_that_fit_the_page(built_site):
    lines = _output_lines(built_site.page(CH2 + "data-and-baselines/"))
    assert len(lines) > 40
    too_long = [line for line in lines if len(line) > OUTPUT_WIDTH]
    assert too_long == []


# every page of the chapter that shows printed output: the prose pages and the notebooks
PRINTING_PAGES = sorted(path.stem for path in SOURCE.glob("*.md") if "{% notebook" in path.read_text(encoding="utf-8")) \
    + sorted(path.stem for path in SOURCE.glob("*.ipynb"))


@pytest.mark.parametrize("name", PRINTING_PAGES)
def test_every_chapter_page_prints_lines_that_fit_the_page(built_site, name):
    lines = _output_lines(built_site.page(CH2 + name + "/"))
    assert lines, f"{name} shows no printed output"
    too_long = [line for line in lines if len(line) > OUTPUT_WIDTH]
    assert too_long == [], name


def _rates(text: str) -> dict[str, tuple[list[float], float, float]]:
    found = {}
    pattern = (r"^\s*(too small|about right|too big) \(η = ([\d.]+)\)\s+loss after [\d, ]+ steps:\s+([\d., ]+)\n"
               r"\s+over the last 50 steps: lowest ([\d.]+), highest ([\d.]+)")
    for label, _eta, values, low, high in re.findall(pattern, text, re.M):
        found[label] = ([float(v) for v in values.split(", ")], float(low), float(high))
    return found


def test_learning_rate_demo_shows_what_the_page_says(built_site):
    text = text_of(built_site.page(CH2 + "logistic-regression/"))
    rates = _rates(text)
    assert set(rates) == {"too small", "about right", "too big"}
    (small, _, _), (right, right_low, _), (big, big_low, big_high) = (rates[k] for k in ("too small", "about right", "too big"))
    assert right == sorted(right, reverse=True)  # the safe rate goes down at every sampled step
    assert big[-1] > right[-1] and big_low > right[-1]  # too big ends higher and never reaches the floor
    assert big_high > 2 * big_low  # it keeps jumping about
    assert small[-1] > right[-1]  # too small has not got there yet
    # the rate the page calls safe is the rate it uses, printed alike
    safe = re.search(r"steps are safe up to eta = ([\d.]+)", text).group(1)
    assert re.search(rf"about right \(η = {re.escape(safe)}\)", text)


def test_rings_below_a_coin_flip_is_explained_by_the_printed_shares(built_site):
    text = text_of(built_site.page(CH2 + "geometry/"))
    match = re.search(r"linear boundary \| two rings \| test accuracy ([\d.]+)\s+red is (\d+)% of the training points, "
                      r"(\d+)% of the test points;\s+the model calls (\d+)% of the test points red,\s+"
                      r"with probabilities from ([\d.]+) to ([\d.]+)", text)
    assert match, "the rings diagnosis is not printed"
    accuracy, train_red, test_red, called_red, low, high = (float(g) for g in match.groups())
    if accuracy < 0.5:
        assert "below a coin flip" in text
        assert train_red < 50 < test_red and called_red < 50  # the explanation the page gives
        assert 0.3 < low and high < 0.7  # "its probabilities stay close to 0.5"
        assert accuracy < test_red / 100  # "worse than calling every point red"


def test_naive_bayes_page_shows_a_real_mistake_third(built_site):
    text = text_of(built_site.page(CH2 + "naive-bayes/"))
    verdicts = re.findall(r"\(truly\s(spam|ham)\)\s+prior [+-][\d.]+ \+ words [+-][\d.]+ = [+-][\d.]+ -> (spam|ham)", text)
    assert len(verdicts) == 3
    assert verdicts[0] == ("spam", "spam") and verdicts[1] == ("ham", "ham")
    assert verdicts[2] == ("spam", "ham")  # the page calls it a spam the model missed
    assert "if it got any wrong" not in text


def test_summary_explains_why_naive_bayes_leads_on_short_messages(built_site):
    text = text_of(built_site.page(CH2 + "summary/"))
    train_fit = dict(re.findall(r"(naive Bayes|logistic regression)\s+accuracy on its own training messages ([\d.]+)", text))
    assert float(train_fit["logistic regression"]) > float(train_fit["naive Bayes"])
    assert float(train_fit["logistic regression"]) == 1.0  # "fits its training messages perfectly"
    resplits = text.split("split again with seeds 0 to 9", 1)[1]
    rows = re.findall(r"^\s*(\d)\s+(\d\.\d\d)\s+(\d\.\d\d)$", resplits, re.M)
    assert len(rows) == 10
    bayes, logistic = map(float, re.search(r"^\s*mean\s+([\d.]+)\s+([\d.]+)$", resplits, re.M).groups())
    assert bayes > logistic
    assert sum(float(a) > float(b) for _, a, b in rows) == int(re.search(r"ahead on (\d+) of 10", resplits).group(1))
    ahead = int(re.search(r"naive Bayes ahead on (\d+) of 10 splits", text).group(1))
    assert ahead >= 6


def test_calibration_table_backs_the_pages_reading(built_site):
    text = text_of(built_site.page(CH2 + "evaluation/"))
    rows = re.findall(r"^\s*(0\.\d)-([01]\.\d)\s+(\d+)\s+(0\.\d\d|1\.00)\s+(\d+)%$", text, re.M)
    assert len(rows) >= 5
    below_half = [(float(score), int(share) / 100) for low, _, _, score, share in rows if float(low) < 0.5]
    # the page says: under 0.5 the scores overstate the spam, the points lie under the diagonal
    assert below_half and all(share <= score for score, share in below_half)
    assert "logarithmic" in text_of(built_site.page(CH2 + "moderation/"))  # the score plot's axis is named


def test_cheat_sheet_and_summary_wording(built_site):
    text = text_of(built_site.page(CH2 + "summary/"))
    assert "If you have not read it yet" not in text
    page = built_site.page(CH2 + "summary/")
    assert re.search(r'href="(\.\./)+ch1-rag/overview/"', page)
    assert "tanh" in text


@pytest.mark.parametrize("notebook", sorted(p.name for p in SOURCE.glob("*.ipynb")))
def test_every_figure_cell_carries_alt_text(notebook):
    nb = json.loads((SOURCE / notebook).read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "plt.show()" in source:
            alt = cell["metadata"].get("alt")
            assert alt and len(alt.split()) >= 12, f"{notebook} cell {index + 1} has no alt text"


def test_cheat_sheet_uses_the_names_of_the_chapter_code():
    """Every name in the cheat sheet's numpy column is a name some chapter notebook's code uses."""
    code = "\n".join("".join(cell["source"]) for path in SOURCE.glob("*.ipynb")
                     for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code")
    sheet = (SOURCE / "summary.md").read_text(encoding="utf-8").split("## Cheat sheet", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in sheet.splitlines():
        if line.startswith("|") and line.count("|") >= 4:
            for snippet in re.findall(r"`([^`]+)`", line.split("|")[3]):
                names |= set(re.findall(r"[A-Za-z_]\w*", snippet))
    assert {"push", "index", "learning_rate", "grad_w"} <= names
    missing = sorted(name for name in names if not hasattr(builtins, name) and name not in {"for", "in"}
                     and not re.search(rf"\b{name}\b", code))
    assert missing == []
