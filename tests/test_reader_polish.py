"""Figures that say what they show, and a build log an author can read."""

from __future__ import annotations

import base64
import re

import nbformat
from conftest import BuildResult
from fromscratch.notebooks.images import ImageStore

GENERIC = "No description has been provided for this image"
CH0 = ["overview/", "vectors/", "embeddings/", "vector-database/", "summary/",
       "vectors-notebook/", "embeddings-notebook/", "vector-store/"]


def test_a_cells_alt_text_replaces_nbconvert_generic_one(tmp_path) -> None:  # noqa: ANN001
    figure = b"\x89PNG\r\n\x1a\n two different figures"
    other = b"\x89PNG\r\n\x1a\n a figure without alt text"
    nb = nbformat.v4.new_notebook()
    with_alt = nbformat.v4.new_code_cell("plot()", metadata={"alt": 'Recall rises with "nprobe"'})
    with_alt.outputs = [nbformat.v4.new_output("display_data", {"image/png": base64.b64encode(figure).decode()})]
    without = nbformat.v4.new_code_cell("plot()")
    without.outputs = [nbformat.v4.new_output("display_data", {"image/png": base64.b64encode(other).decode()})]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), with_alt, without]
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, path)

    store = ImageStore()
    store.learn_alt_texts(path, "docs/t.ipynb")
    assert store.missing_alt == ["docs/t.ipynb: cell 3"]
    html = "".join(
        f'<img src="data:image/png;base64,{base64.b64encode(b).decode()}" alt="{GENERIC}">' for b in (figure, other)
    )
    out = store.extract(html, "t/")
    imgs = re.findall(r"<img[^>]*>", out)
    assert 'alt="Recall rises with &quot;nprobe&quot;"' in imgs[0] and GENERIC not in imgs[0]
    assert imgs[0].count("alt=") == 1
    assert f'alt="{GENERIC}"' in imgs[1]  # nothing better known: left as it was


def test_chapter0_figures_have_their_own_alt_text(built_site: BuildResult) -> None:
    for page in CH0:
        html = built_site.page("content/ch0-fundamentals/" + page)
        for img in re.findall(r"<img[^>]*notebook-images[^>]*>", html):
            alt = re.search(r'\salt="([^"]*)"', img)
            assert alt and GENERIC not in alt[1] and len(alt[1]) > 40, f"{page}: {img[:200]}"


def test_every_notebook_figure_on_the_site_has_its_own_alt_text(built_site: BuildResult) -> None:
    """Every chapter, not only the one a reader checked: no figure keeps nbconvert's generic
    text, and the build log names no notebook cell without alt text."""
    figures = 0
    for html_file in sorted(built_site.site.rglob("index.html")):
        for img in re.findall(r"<img[^>]*notebook-images[^>]*>", html_file.read_text(encoding="utf-8")):
            figures += 1
            alt = re.search(r'\salt="([^"]*)"', img)
            assert alt and GENERIC not in alt[1] and len(alt[1]) > 40, f"{html_file}: {img[:200]}"
    assert figures >= 20
    assert "figures without alt text" not in built_site.output


def test_build_log_has_one_line_per_notebook(built_site: BuildResult) -> None:
    log = built_site.output
    assert "Converting notebook" not in log and "Cache miss" not in log and "Copied jupyter file" not in log
    notebooks = len(list((built_site.project / "docs").rglob("*.ipynb")))
    assert len(re.findall(r"notebook docs/\S+\.ipynb: (?:executed|cached)", log)) == notebooks
    assert len(re.findall(r"notebook docs/\S+\.ipynb:", log)) == notebooks  # and no other line about one
