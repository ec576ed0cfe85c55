"""Every page of the real site, and each Chapter 0 widget answering with the real model, works
under the site's Content-Security-Policy with no violation reported."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import make_project, run_mkdocs_build

from browser.conftest import Server, map_distance, serve
from browser.site_walk import LISTEN_CSP as LISTEN
from browser.site_walk import Walk, settle

pytestmark = pytest.mark.browser

CH0 = "content/ch0-fundamentals/"


@pytest.fixture(scope="module")
def site_server(built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(built_site.site, tmp_path_factory.mktemp("csp-www"))


STYLED = """# Styled

<p id="by-attribute" style="color: rgb(200, 0, 0)">red by attribute</p>

<style>#by-element { color: rgb(0, 0, 200); }</style>
<p id="by-element">blue by element</p>

<script>document.documentElement.dataset.inlineRan = "yes";</script>
"""

DIAGRAM = """# Diagram

```mermaid
graph LR
  query --> vector --> answer
```
"""


@pytest.fixture(scope="module")
def authored_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A page with an author's own inline style and script, and one with a diagram."""
    tmp = tmp_path_factory.mktemp("csp-authored")
    project = make_project(tmp, {"index.md": STYLED, "diagram.md": DIAGRAM})
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    yield from serve(result.site, tmp)


@pytest.fixture
def reader(browser):  # noqa: ANN001, ANN201
    ctx = browser.new_context()
    ctx.set_default_timeout(60_000)
    ctx.add_init_script(LISTEN)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    yield page, problems
    ctx.close()


def violations(page) -> list[str]:  # noqa: ANN001
    return page.evaluate("window.__csp")


def test_every_page_loads_with_no_violation(site_walk: Walk) -> None:
    """Every page, loaded by the shared walk with the policy enforced: axe run in it in both
    palettes at both widths, and a model widget answering where the page has one."""
    assert len(site_walk.visits) > 10
    assert {visit.path: visit.csp for visit in site_walk.visits if visit.csp} == {}
    problems = {visit.path: visit.problems for visit in site_walk.visits if visit.problems}
    assert problems == {}


def test_the_policy_is_enforced(site_server: Server, reader) -> None:  # noqa: ANN001
    """The meta tag is read: a script that no hash allows is blocked and reported."""
    page, problems = reader
    page.goto(site_server.base)
    ran = page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__ran = true';
        document.head.append(s);
        return window.__ran === true;
    }""")
    assert ran is False
    page.wait_for_timeout(200)  # the violation event is queued as a task
    assert any(v.startswith("script-src") for v in violations(page))


def test_an_authors_inline_style_and_script_work_by_hash(authored_server: Server, reader) -> None:  # noqa: ANN001
    page, problems = reader
    page.goto(authored_server.base)
    settle(page)
    color = "(id) => getComputedStyle(document.getElementById(id)).color"
    assert page.evaluate(color, "by-attribute") == "rgb(200, 0, 0)"
    assert page.evaluate(color, "by-element") == "rgb(0, 0, 200)"
    assert page.evaluate("document.documentElement.dataset.inlineRan") == "yes"
    assert violations(page) == [] and problems == []


def test_a_mermaid_diagram_draws_under_the_policy(authored_server: Server, reader) -> None:  # noqa: ANN001
    page, problems = reader
    page.goto(authored_server.base + "diagram/")
    settle(page)
    drawn = page.locator("div.mermaid")
    assert drawn.count() == 1 and drawn.bounding_box()["height"] > 20
    assert violations(page) == [] and problems == []


def test_search_works_under_the_policy(site_server: Server, reader) -> None:  # noqa: ANN001
    page, problems = reader
    page.goto(site_server.base)
    page.locator("input[data-md-component=search-query]").fill("cosine")
    page.locator(".md-search-result__item").first.wait_for()
    assert violations(page) == [] and problems == []


def test_similarity_playground(site_server: Server, reader) -> None:  # noqa: ANN001
    page, problems = reader
    page.goto(site_server.base + CH0 + "overview/")
    widget = page.locator("similarity-playground").first
    widget.locator("input").nth(0).fill("How do I bake bread at home?")
    widget.locator("input").nth(1).fill("A simple recipe for a homemade loaf.")
    widget.locator("button.fs-widget__run").click()
    widget.locator("output[data-value]").wait_for(state="attached")
    assert float(widget.locator("output").get_attribute("data-value")) > 0.2
    assert violations(page) == [] and problems == []


def test_semantic_search(site_server: Server, reader) -> None:  # noqa: ANN001
    page, problems = reader
    page.goto(site_server.base + CH0 + "vector-database/")
    widget = page.locator("semantic-search").first
    widget.locator("input").fill("feline pets")
    widget.locator("button.fs-widget__run").click()
    semantic = widget.get_by_role("list", name=re.compile("Semantic"))
    semantic.locator("li.fs-result[data-score]").first.wait_for()
    assert semantic.locator("li").first.get_attribute("data-topic") == "cats"
    assert violations(page) == [] and problems == []


def test_embedding_map(site_server: Server, reader) -> None:  # noqa: ANN001
    page, problems = reader
    page.goto(site_server.base + CH0 + "embeddings/")
    settle(page)
    widget = page.locator("embedding-map").first
    widget.scroll_into_view_if_needed()
    widget.locator("input").fill("princess")
    widget.locator("button.fs-widget__run").click()
    widget.locator("g.fs-map__point--added[data-label=princess]").wait_for()
    assert map_distance(widget, "princess", "queen") < map_distance(widget, "princess", "banana")
    assert violations(page) == [] and problems == []
