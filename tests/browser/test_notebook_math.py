"""Math in notebook Markdown is typeset by the site's own KaTeX, in Chromium; code is left alone."""

from __future__ import annotations

from collections.abc import Iterator

import nbformat
import pytest
from conftest import BuildResult, make_project, run_mkdocs_build
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

MATH_NB = new_notebook(
    cells=[
        new_markdown_cell("# Dot products\n\nThe dot product $a \\cdot b$ sums the products:\n\n"
                          "$$a \\cdot b = \\sum_i a_i b_i$$"),
        new_code_cell("template = '$x$ and $y$'\nprint(template)"),
        new_markdown_cell("Inline code stays code: `$HOME` and `$PATH`."),
    ]
)
EMBED_PAGE = '# Chapter\n\nThe math cell, inline:\n\n{% notebook "dots.ipynb", "1" %}\n'


@pytest.fixture(scope="module")
def math_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("nbmath")
    project = make_project(
        tmp, {"index.md": "# Home\n", "dots.ipynb": nbformat.writes(MATH_NB), "chapter.md": EMBED_PAGE}
    )
    result: BuildResult = run_mkdocs_build(project)
    assert result.ok, result.output
    yield from serve(result.site, tmp)


def _open(browser, server: Server, url: str):  # noqa: ANN001, ANN202
    ctx = browser.new_context()
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.base + url)
    page.wait_for_load_state("networkidle")
    return ctx, page, requests, errors


def test_notebook_page_math_is_typeset_by_the_sites_katex(browser, math_server: Server) -> None:  # noqa: ANN001
    ctx, page, requests, errors = _open(browser, math_server, "dots/")
    try:
        page.wait_for_selector(".jp-RenderedMarkdown .katex")
        assert page.locator(".jp-RenderedMarkdown .katex").count() >= 2  # $a \cdot b$ and the display
        assert page.locator(".jp-RenderedMarkdown .katex-display").count() == 1
        # code is never typeset: the code cell, its printed output, inline code in Markdown
        assert page.locator(".jp-CodeCell .katex").count() == 0
        assert "$x$ and $y$" in page.locator(".jp-CodeCell .jp-InputArea").first.inner_text()
        assert page.locator("code", has_text="$HOME").count() == 1
        # the shared notebook stylesheet is applied, and everything came from the site itself
        assert page.eval_on_selector(".jp-InputArea", "el => getComputedStyle(el).display") == "flex"
        assert math_server.fetched("/assets/stylesheets/jupyter.")
        assert math_server.fetched("/assets/vendor/katex/dist/katex.min.js")
        assert all(url.startswith(math_server.origin) for url in requests), requests
        assert not errors, errors
    finally:
        ctx.close()


def test_embedded_math_cell_is_typeset(browser, math_server: Server) -> None:  # noqa: ANN001
    ctx, page, requests, errors = _open(browser, math_server, "chapter/")
    try:
        page.wait_for_selector(".nb-embed .jp-RenderedMarkdown .katex")
        assert page.locator(".nb-embed .katex-display").count() == 1
        assert page.eval_on_selector(".nb-embed .jp-InputArea", "el => getComputedStyle(el).display") == "flex"
        assert all(url.startswith(math_server.origin) for url in requests), requests
        assert not errors, errors
    finally:
        ctx.close()
