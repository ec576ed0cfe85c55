"""Executed notebooks: real kernel, real builds, each test with its own cache folder."""

from __future__ import annotations

import base64
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
from fromscratch.notebooks.styles import Stylesheet, assemble, strip, template_styles
from fromscratch.notebooks.typeset import has_math, mark_math
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PLOT = new_notebook(
    cells=[
        new_markdown_cell("# Plotting a line\n\nWe read a number from a file beside the notebook."),
        new_code_cell("value = int(open('number.txt').read())\nprint(f'the answer is {value}')"),
        new_code_cell(
            "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [0, value, 0])\nplt.show()",
            metadata={"tags": ["plot"]},
        ),
        new_markdown_cell("## Reading the plot\n\nThat was the plot: the dot product $a \\cdot b$ of two rows."),
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

Only what cell 2 printed, then only its code:

{% notebook "nb/plot.ipynb", "2", "output" %}

{{ notebook("nb/plot.ipynb", "2", "code") }}
"""


def write_nb(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb)


def with_cache(cache: Path, workers: int = 2):  # noqa: ANN201 - returns a config_edit function
    """Point both caches (ours, mkdocs-jupyter's render cache) into the test's temp folder."""

    def edit(config: str) -> str:
        entry = f"  - fromscratch:\n      cache_dir: {cache}\n      notebooks:\n        workers: {workers}\n"
        if "  - fromscratch:\n" in config:
            return config.replace("  - fromscratch:\n", entry, 1)
        return config.replace("  - fromscratch\n", entry, 1)

    return edit


def notebook_lines(result: BuildResult) -> dict[str, str]:
    """`docs/x.ipynb` -> "executed" / "cached" / "failed", from the build's log lines."""
    found = {}
    for m in re.finditer(r"notebook (docs/\S+\.ipynb): (executed|cached|failed)", result.output):
        found[m.group(1)] = m.group(2)
    return found


def executed_entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "notebooks" / "executed").glob("*.ipynb")}


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
    # the matplotlib figure, written once as a file the page loads lazily (not a data: URI)
    (figure,) = result.images("nb/plot/")
    assert figure.startswith(b"\x89PNG") and len(figure) > 1000
    assert re.search(r'<img loading="lazy"[^>]+src="(\.\./)+assets/notebook-images/[0-9a-f]{20}\.png"', page)
    assert "data:image/png" not in page
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


def test_notebook_page_is_titled_and_outlined_by_its_headings(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("nb/plot/")
    assert re.search(r"<title>Plotting a line - ", page)  # its first heading, not the file name
    toc = page[page.index('class="md-nav md-nav--secondary"'):]
    assert re.search(r'href="#reading-the-plot"', toc[: toc.index("</nav>")])  # "On this page"
    assert 'id="reading-the-plot"' in page


def test_mkdocs_jupyter_beside_the_notebook_step_is_refused(tmp_path: Path) -> None:
    """Both would make pages of the same notebooks; one clear line says which to keep."""
    def edit(config: str) -> str:
        return config.replace("  - macros:\n", "  - mkdocs-jupyter:\n      execute: false\n  - macros:\n", 1)

    result = run_mkdocs_build(make_project(tmp_path, {"index.md": "# Home\n"}, config_edit=edit))
    assert not result.ok and "Traceback" not in result.output
    assert "remove `- mkdocs-jupyter:`" in result.output


def test_only_a_self_contained_notebook_offers_colab(built_site: BuildResult) -> None:
    """Colab opens the .ipynb alone: notebooks that read the site's files (they declare inputs)
    say how to run them locally instead of offering a link that would fail at the first import."""
    offers = {}
    for html_file in sorted(built_site.site.rglob("index.html")):
        page = html_file.read_text(encoding="utf-8")
        if 'class="nb-runinfo"' not in page:
            continue
        rel = html_file.parent.relative_to(built_site.site).as_posix()
        offers[rel] = ("Open in Colab" in page, "nb-runinfo__local" in page)
    assert offers["content/ch0-fundamentals/vectors-notebook"] == (True, False)
    assert offers["content/ch1-rag/retrieval-notebook"] == (False, True)
    assert offers["content/ch0-fundamentals/embeddings-notebook"] == (False, True)
    assert len(offers) >= 16


def test_raises_exception_cell_shows_its_error(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("other/")
    assert "other 42" in page
    assert "KeyError" in page
    assert "still running" in page


def test_inline_cells_render_with_link_to_notebook(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("chapter/")
    assert page.count('class="nb-embed"') == 4
    embeds = page.split('class="nb-embed"')
    first = embeds[1]
    assert "the answer is 42" in first and "assets/notebook-images/" in first
    assert "We read a number" not in page  # cell 1 was not selected
    assert 'href="../nb/plot/"' in page  # link to the full notebook, made relative
    # the notebook CSS is the shared stylesheet, not <style> blocks in the page
    assert "<style" not in page
    # show="output": the printed line without the code; show="code": the code without its output
    assert "the answer is 42" in embeds[3] and "number.txt" not in embeds[3]
    assert "number.txt" in embeds[4] and "the answer is 42" not in embeds[4]


JUPYTER_CSS = re.compile(r'<link rel="stylesheet" href="(?:\.\./)*(assets/stylesheets/jupyter\.[0-9a-f]{8}\.css)">')


def test_notebook_css_is_one_shared_stylesheet(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    sheets = {p.name for p in (result.site / "assets/stylesheets").glob("jupyter.*.css")}
    assert len(sheets) == 1, sheets
    css = (result.site / "assets/stylesheets" / sheets.pop()).read_text(encoding="utf-8")
    assert ".jupyter-wrapper" in css and ".highlight-ipynb" in css and ".jp-InputArea" in css
    for url in ("chapter/", "nb/plot/", "other/"):  # an embedding page and notebook pages
        page = result.page(url)
        assert "<style" not in page, url  # nbconvert's inline CSS is gone ...
        linked = JUPYTER_CSS.findall(page)
        assert len(linked) == 1, url  # ... the shared stylesheet is linked once instead
        assert (result.site / linked[0]).is_file()
        assert len(page) < len(css), url  # and no copy of it hides in the page
    home = result.page("")
    assert not JUPYTER_CSS.search(home) and "jupyter." not in home  # no notebook content, no link


def test_math_in_notebook_markdown_loads_the_sites_katex(site: tuple[BuildResult, Path]) -> None:
    result, _ = site
    page = result.page("nb/plot/")
    assert 'class="jupyter-wrapper nb-math"' in page
    assert "$a \\cdot b$" in page  # left as text for KaTeX's auto-render (katex-init.js)
    assert re.search(r'<script defer src="(\.\./)+assets/vendor/katex/dist/katex\.min\.js">', page)
    assert 'assets/javascripts/katex-init.js"' in page
    assert "mathjax" not in page.lower() and "cdnjs" not in page
    # the embedded cells (2-3) hold no math: no KaTeX there, nor on a page without any
    assert "katex" not in result.page("chapter/") and "katex" not in result.page("other/")


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
    after = executed_entries(cache)
    assert len(after) == 2 and len(before & after) == 1  # the old entry of other.ipynb is evicted


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
    stored = nbformat.read(next((cache / "notebooks" / "executed").glob("*.ipynb")), as_version=4)
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

    (project / "docs/page.md").write_text('# Page\n\n{% notebook "nb.ipynb", "1", "outputs" %}\n', encoding="utf-8")
    result = run_mkdocs_build(project)
    assert not result.ok
    assert "docs/page.md:3: notebook: show='outputs' is not one of" in result.output


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
    env = Environment("fromscratch", "3.11.7", {"numpy": "2.0.0"})
    nb = new_notebook(cells=[new_markdown_cell("# A"), new_code_cell("print(1)")])
    key = notebook_key(nb, env, "nb.ipynb", {})
    nb.cells[0].source = "# B"
    assert notebook_key(nb, env, "nb.ipynb", {}) == key
    nb.cells[1].metadata["tags"] = ["raises-exception"]
    assert notebook_key(nb, env, "nb.ipynb", {}) != key
    nb.cells[1].metadata["tags"] = []
    assert notebook_key(nb, env, "nb.ipynb", {}) == key
    assert notebook_key(nb, Environment("fromscratch", "3.12.1", {"numpy": "2.0.0"}), "nb.ipynb", {}) != key
    assert notebook_key(nb, Environment("other", "3.11.7", {"numpy": "2.0.0"}), "nb.ipynb", {}) != key


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


# -- notebook CSS and math, no build ---------------------------------------------------------

RENDERED = """<script>clipboard()</script>
<style type="text/css">.jupyter-wrapper{--x: 1}</style>
<style type="text/css">.highlight-ipynb .k{color:green}</style>
<div class="jupyter-wrapper">
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown \
jp-MarkdownOutput" data-mime-type="text/markdown"><p>MARKDOWN</p></div></div>
<div class="jp-Cell jp-CodeCell jp-Notebook-cell"><pre>x = '$a$ and $b$'</pre>
<div class="jp-OutputArea-output"><style scoped>.dataframe td {color: red}</style><table></table></div></div>
</div> <!-- jupyter-wrapper -->
<style>
        ['pre { line-height: 125%; }']
        </style>
"""


def test_strip_keeps_the_cells_own_styles_and_unknown_blocks() -> None:
    blocks = template_styles(RENDERED)
    assert blocks == [".jupyter-wrapper{--x: 1}", ".highlight-ipynb .k{color:green}", "\n        ['pre { line-height: 125%; }']\n        "]
    css = assemble(blocks + ['@charset "UTF-8";.extra{}'])
    assert css.startswith('@charset "UTF-8";\n') and css.count("@charset") == 1
    assert "['pre" not in css  # nb2html's list repr is no CSS
    out = strip(RENDERED, Stylesheet("assets/stylesheets/jupyter.x.css", {".jupyter-wrapper{--x: 1}"}))
    assert "--x: 1" not in out and "['pre" not in out
    assert ".highlight-ipynb .k{color:green}" in out  # not in the shared sheet: stays inline
    assert "<style scoped>.dataframe" in out  # a pandas table's own style is output, not template
    assert "<script>clipboard()</script>" in out


@pytest.mark.parametrize(
    ("markdown", "math"),
    [
        ("the dot product $a \\cdot b$", True),
        ("$$\\sum_i a_i b_i$$", True),
        ("\\begin{align}x &= 1\\end{align}", True),
        ("it costs $5 a month", False),
        ("run <code>echo $HOME $PATH</code> first", False),
        ("no math here", False),
    ],
)
def test_math_is_found_in_markdown_only(markdown: str, math: bool) -> None:
    page = RENDERED.replace("MARKDOWN", markdown)
    assert has_math(page) is math  # the code cell's '$a$ and $b$' never counts
    assert ('class="jupyter-wrapper nb-math"' in mark_math(page)) is math


def test_rendered_embeds_are_reused_from_disk_and_damage_is_repaired(tmp_path: Path) -> None:
    cache = tmp_path / "nbcache"
    nb = new_notebook(cells=[new_code_cell("print('from the kernel')")])
    docs = {"index.md": "# Home\n", "nb.ipynb": write_nb(nb), "page.md": '# Page\n\n{% notebook "nb.ipynb", "1" %}\n'}
    project = make_project(tmp_path, docs, config_edit=with_cache(cache))
    first = run_mkdocs_build(project)
    assert first.ok, first.output
    entries = list((cache / "embeds").rglob("*.json"))
    assert len(entries) == 1
    # a warm build takes the embed from disk: prove it by planting a marker in the entry
    data = json.loads(entries[0].read_text(encoding="utf-8"))
    data["body"] = data["body"].replace("from the kernel", "from the embed cache")
    entries[0].write_text(json.dumps(data), encoding="utf-8")
    second = run_mkdocs_build(project)
    assert second.ok and "from the embed cache" in second.page("page/")
    # a damaged entry is rendered again, not trusted
    entries[0].write_text("{not json", encoding="utf-8")
    third = run_mkdocs_build(project)
    assert third.ok and "from the kernel" in third.page("page/")
    assert json.loads(entries[0].read_text(encoding="utf-8"))["body"]


def test_images_become_one_file_per_figure(tmp_path: Path) -> None:
    from fromscratch.notebooks.images import ImageStore

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    data = base64.b64encode(png).decode()
    store = ImageStore()
    first = store.extract(f'<img src="data:image/png;base64,{data}">', "a/")
    second = store.extract(f'<img alt="x" src="data:image/png;base64,\n{data}">', "b/c/")
    assert len(store.images) == 1  # the same figure on two pages is one file
    (path,) = store.images
    assert first == f'<img loading="lazy" decoding="async" src="../{path}">'
    assert second == f'<img loading="lazy" decoding="async" alt="x" src="../../{path}">'
    broken = '<img src="data:image/png;base64,@@@">'
    assert store.extract(broken, "a/") == broken  # what cannot be decoded is left as it was
    store.write(tmp_path)
    assert (tmp_path / path).read_bytes() == png


def test_a_kernel_that_cannot_start_fails_in_one_line_with_its_stderr(tmp_path: Path) -> None:
    import sys

    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    crash = "import sys; sys.stderr.write('starting\\nImportError: cannot import name zmq_shim\\n'); sys.exit(3)"
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": [sys.executable, "-c", crash, "-f", "{connection_file}"], "display_name": "broken",
         "language": "python"}))

    def broken(config: str) -> str:
        return with_cache(tmp_path / "nbcache")(config).replace("        workers: 2\n", "        workers: 2\n"
                                                                  "        kernel: broken\n", 1)

    nb = new_notebook(cells=[new_code_cell("print(1)")])
    project = make_project(tmp_path, {"index.md": "# Home\n", "nb.ipynb": write_nb(nb)}, config_edit=broken)
    result = run_mkdocs_build(project, env={"JUPYTER_PATH": str(tmp_path / "jupyter")})
    assert not result.ok
    assert "Traceback" not in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("ERROR") and "docs/nb.ipynb" in line)
    assert "kernel 'broken'" in line and "did not start" in line
    assert "ImportError: cannot import name zmq_shim" in result.output  # the kernel's own stderr, its tail


def test_embed_captions_name_cells_by_the_prompts_the_reader_sees():
    """Captions used to say "Cell 4" beside an "In [2]" prompt: two numberings for one cell."""
    from fromscratch.notebooks.embed import _label
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(cells=[new_markdown_cell("# t"), new_code_cell("a = 1", execution_count=1),
                             new_markdown_cell("text"), new_code_cell("a", execution_count=2)])
    assert _label(nb, "2", [1]) == "In [1]"
    assert _label(nb, "tag", [1, 3]) == "In [1]–[2]"
    assert _label(nb, "2-3", [1, 2]) == "Cells 2-3"  # a Markdown cell has no prompt: by position
    assert _label(nb, "", [0, 1, 2, 3]) == "All cells"
