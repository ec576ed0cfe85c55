"""Executed notebooks: real kernel, real builds, each test with its own cache folder."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, BuildResult, make_project, run_mkdocs_build
from fromscratch.errors import ShortcodeError
from fromscratch.notebooks.cache import Environment, notebook_key
from fromscratch.notebooks.embed import select_cells
from fromscratch.notebooks.execute import describe_failure
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PLOT = new_notebook(
    cells=[
        new_markdown_cell("# Plotting a line\n\nWe read a number from a file beside the notebook."),
        new_code_cell("value = int(open('number.txt').read())\nprint(f'the answer is {value}')"),
        new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [0, value, 0])\nplt.show()",
            metadata={"tags": ["plot"]},
        ),
        new_markdown_cell("That was the plot."),
    ]
)
OTHER = new_notebook(
    cells=[
        new_markdown_cell("# Other"),
        new_code_cell("print('other', 6 * 7)"),
        new_code_cell("{}['missing']", metadata={"tags": ["raises-exception"]}),
        new_code_cell("print('still running')"),
    ]
)
EMBED_PAGE = """# Chapter

Selected cells:

{% notebook "nb/plot.ipynb", "2-3" %}

And by tag, as a macro:

{{ notebook("nb/plot.ipynb", "plot") }}
"""


def write_nb(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb)


def with_cache(cache: Path, workers: int = 2):  # noqa: ANN201 - returns a config_edit function
    """Point both caches (ours, mkdocs-jupyter's render cache) into the test's temp folder."""

    def edit(config: str) -> str:
        entry = f"  - fromscratch:\n      notebooks:\n        cache_dir: {cache}\n        workers: {workers}\n"
        if "  - fromscratch:\n" in config:
            config = config.replace("  - fromscratch:\n", entry, 1)
        else:
            config = config.replace("  - fromscratch\n", entry, 1)
        return re.sub(r"cache_dir: \.cache/mkdocs-jupyter", f"cache_dir: {cache}/mkdocs-jupyter", config)

    return edit


def notebook_lines(result: BuildResult) -> dict[str, str]:
    """`docs/x.ipynb` -> "executed" / "cached" / "failed", from the build's log lines."""
    found = {}
    for m in re.finditer(r"notebook (docs/\S+\.ipynb): (executed|cached|failed)", result.output):
        found[m.group(1)] = m.group(2)
    return found


def executed_entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "executed").glob("*.ipynb")}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    tmp = tmp_path_factory.mktemp("nbsite")
    cache = tmp / "nbcache"
    project = make_project(
        tmp,
        {
            "index.md": "# Home\n",
            "chapter.md": EMBED_PAGE,
            "nb/plot.ipynb": write_nb(PLOT),
            "nb/number.txt": "42\n",
            "other.ipynb": write_nb(OTHER),
        },
        config_edit=with_cache(cache),
    )
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    return result, cache


def test_notebook_becomes_a_page_with_its_outputs(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("nb/plot/")
    assert "Plotting a line" in page
    assert "the answer is 42" in page  # printed, with the notebook's folder as cwd
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)  # the matplotlib figure
    assert "cdnjs.cloudflare.com" not in page and '<script src="">' not in page  # nothing from a CDN
    # run info, download of the executed notebook, Colab link from repo_url
    assert re.search(r'class="nb-runinfo__ran">Ran in \d+\.\d s on <time', page)
    assert 'href="plot.ipynb"' in page
    downloaded = nbformat.read(result.site / "nb/plot/plot.ipynb", as_version=4)
    assert "the answer is 42" in downloaded.cells[1].outputs[0]["text"]
    assert (
        "https://colab.research.google.com/github/learning-llms/learning-llms-from-scratch/blob/main/docs/nb/plot.ipynb"
        in page
    )
    assert notebook_lines(result) == {"docs/nb/plot.ipynb": "executed", "docs/other.ipynb": "executed"}


def test_raises_exception_cell_shows_its_error(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("other/")
    assert "other 42" in page
    assert "KeyError" in page
    assert "still running" in page


def test_inline_cells_render_with_link_to_notebook(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("chapter/")
    assert page.count('class="nb-embed"') == 2
    first = page.split('class="nb-embed"')[1]
    assert "the answer is 42" in first and "data:image/png;base64," in first
    assert "We read a number" not in page  # cell 1 was not selected
    assert 'href="../nb/plot/"' in page  # link to the full notebook, made relative
    # the notebook CSS once per page, not once per embed
    assert page.count("<style") == result.page("nb/plot/").count("<style")


def test_warm_build_executes_nothing_and_an_edit_reruns_one(site: tuple[BuildResult, Path]) -> None:
    result, cache = site
    project = result.project
    before = executed_entries(cache)
    assert len(before) == 2

    warm = run_mkdocs_build(project)
    assert warm.ok, warm.output
    assert notebook_lines(warm) == {"docs/nb/plot.ipynb": "cached", "docs/other.ipynb": "cached"}
    assert executed_entries(cache) == before

    # A prose edit re-uses the outputs; a code edit re-runs that notebook only.
    edited = nbformat.read(project / "docs/other.ipynb", as_version=4)
    edited.cells[0].source = "# Other, retitled"
    nbformat.write(edited, project / "docs/other.ipynb")
    prose = run_mkdocs_build(project)
    assert prose.ok, prose.output
    assert notebook_lines(prose) == {"docs/nb/plot.ipynb": "cached", "docs/other.ipynb": "cached"}
    assert "Other, retitled" in prose.page("other/")

    edited.cells[1].source = "print('other', 6 * 9)"
    nbformat.write(edited, project / "docs/other.ipynb")
    third = run_mkdocs_build(project)
    assert third.ok, third.output
    assert notebook_lines(third) == {"docs/nb/plot.ipynb": "cached", "docs/other.ipynb": "executed"}
    assert "other 54" in third.page("other/")
    assert len(executed_entries(cache)) == 3 and before < executed_entries(cache)


def test_failing_cell_stops_build_with_one_clear_line(tmp_path: Path) -> None:
    cache = tmp_path / "nbcache"
    bad = new_notebook(
        cells=[
            new_markdown_cell("# Bad"),
            new_code_cell("x = 1"),
            new_code_cell("def ratio(a):\n    return a / 0\n\ny = ratio(x)\nprint(y)"),
        ]
    )
    good = new_notebook(cells=[new_code_cell("print('fine')")])
    project = make_project(
        tmp_path,
        {"index.md": "# Home\n", "ch/bad.ipynb": write_nb(bad), "good.ipynb": write_nb(good)},
        config_edit=with_cache(cache),
    )
    result = run_mkdocs_build(project)
    assert not result.ok
    assert "docs/ch/bad.ipynb: cell 3 (In [2]), line 4 `y = ratio(x)`: ZeroDivisionError: division by zero" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert result.output.count("ZeroDivisionError") == 1
    # the good notebook is cached, the failed one is not
    assert len(executed_entries(cache)) == 1
    stored = nbformat.read(next((cache / "executed").glob("*.ipynb")), as_version=4)
    assert stored.cells[0].outputs[0]["text"] == "fine\n"


def test_inline_cells_reject_bad_input(tmp_path: Path) -> None:
    cache = tmp_path / "nbcache"
    docs = {
        "index.md": "# Home\n",
        "nb.ipynb": write_nb(new_notebook(cells=[new_code_cell("print(1)"), new_code_cell("print(2)")])),
        "page.md": '# Page\n\nText.\n\n{{ notebook("nb.ipynb", "2-7") }}\n',
    }
    project = make_project(tmp_path, docs, config_edit=with_cache(cache))
    result = run_mkdocs_build(project)
    assert not result.ok
    assert "docs/page.md:5: notebook: cell range '2-7' is outside nb.ipynb, which has 2 cells" in result.output
    assert "Traceback" not in result.output

    (project / "docs/page.md").write_text('# Page\n\n{% notebook "missing.ipynb", "1" %}\n', encoding="utf-8")
    result = run_mkdocs_build(project)
    assert not result.ok
    assert "docs/page.md:3: notebook: notebook 'missing.ipynb' not found (looked for docs/missing.ipynb)" in (
        result.output
    )
    assert notebook_lines(result) == {"docs/nb.ipynb": "cached"}


# -- small pieces, no build --------------------------------------------------------------


def test_cell_selection() -> None:
    nb = new_notebook(
        cells=[new_code_cell(str(i), metadata={"tags": ["even"] if i % 2 == 0 else []}) for i in range(1, 7)]
    )
    assert select_cells(nb, "2") == [1]
    assert select_cells(nb, "3-5") == [2, 3, 4]
    assert select_cells(nb, "1,4") == [0, 3]
    assert select_cells(nb, "even") == [1, 3, 5]
    assert select_cells(nb, "") == list(range(6))
    for bad in ("0", "5-3", "7", "2-9", "nosuchtag", "1;2"):
        with pytest.raises(ShortcodeError):
            select_cells(nb, bad)


def test_cache_key_ignores_prose_but_not_code_tags_or_environment() -> None:
    env = Environment("fromscratch", "3.11.7", "abc")
    nb = new_notebook(cells=[new_markdown_cell("# A"), new_code_cell("print(1)")])
    key = notebook_key(nb, env)
    nb.cells[0].source = "# B"
    assert notebook_key(nb, env) == key
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    assert notebook_key(nb, env) != key
    nb.cells[1].metadata["tags"] = []
    assert notebook_key(nb, env) == key
    assert notebook_key(nb, Environment("fromscratch", "3.12.1", "abc")) != key
    assert notebook_key(nb, Environment("fromscratch", "3.11.7", "def")) != key
    assert notebook_key(nb, Environment("other", "3.11.7", "abc")) != key


def test_failure_message_names_cell_line_and_error() -> None:
    nb = new_notebook(cells=[new_markdown_cell("x"), new_code_cell("a = 1\nb = a / 0")])
    nb.cells[1].execution_count = 1
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "error",
            ename="ZeroDivisionError",
            evalue="division by zero",
            traceback=["\x1b[31mZeroDivisionError\x1b[39m", "Cell \x1b[32mIn[1]\x1b[39m, line 2\n----> 2 b = a / 0"],
        )
    ]
    assert describe_failure(nb, 1) == "cell 2 (In [1]), line 2 `b = a / 0`: ZeroDivisionError: division by zero"


def test_committed_notebooks_carry_no_outputs() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--", "docs/*.ipynb", "docs/**/*.ipynb"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    offenders = []
    for rel in sorted(set(listed)):
        nb = json.loads((ROOT / rel).read_text(encoding="utf-8"))
        for number, cell in enumerate(nb.get("cells", []), 1):
            if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count")):
                offenders.append(f"{rel} cell {number}")
    assert not offenders, f"notebooks committed with outputs (run `nbstripout`): {offenders}"


def test_notebook_and_page_with_the_same_url_are_refused(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    project = make_project(tmp_path, {"index.md": "# Home\n", "ch/vectors.md": "# Vectors\n",
                                      "ch/vectors.ipynb": nbformat.writes(nb)})
    result = run_mkdocs_build(project)
    assert not result.ok and "Traceback" not in result.output
    assert "docs/ch/vectors.ipynb: has the same URL as docs/ch/vectors.md" in result.output
