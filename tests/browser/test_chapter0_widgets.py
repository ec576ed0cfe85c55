"""Each widget on the Chapter 0 pages answers with the real model, on the real site."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from browser.conftest import Server, map_distance, serve

pytestmark = pytest.mark.browser

CH0 = "content/ch0-fundamentals/"


@pytest.fixture(scope="module")
def site_server(built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(built_site.site, tmp_path_factory.mktemp("ch0-www"))


@pytest.fixture
def reader(browser, site_server: Server):  # noqa: ANN001, ANN201
    ctx = browser.new_context()
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, site_server, errors
    ctx.close()


@pytest.mark.parametrize("name", ["overview", "vectors"])
def test_similarity_playground_on_chapter_pages(reader, name: str) -> None:  # noqa: ANN001
    page, server, errors = reader
    page.goto(server.base + CH0 + name + "/")
    widget = page.locator("similarity-playground").first
    widget.locator("input").nth(0).fill("How do I bake bread at home?")
    widget.locator("input").nth(1).fill("A simple recipe for a homemade loaf.")
    widget.locator("button.fs-widget__run").click()
    output = widget.locator("output")
    value = "() => document.querySelector('similarity-playground output').dataset.value"
    page.wait_for_function(f"({value})() !== undefined")
    before = output.get_attribute("data-value")
    related = float(before)
    widget.locator("input").nth(1).fill("The train to Paris leaves at noon.")
    widget.locator("button.fs-widget__run").click()
    page.wait_for_function(f"({value})() !== '{before}'")
    unrelated = float(output.get_attribute("data-value"))
    assert related > unrelated + 0.2
    assert re.fullmatch(r"-?\d\.\d\d", output.inner_text())
    assert errors == []


def test_semantic_search_on_the_vector_database_page(reader) -> None:  # noqa: ANN001
    page, server, errors = reader
    page.goto(server.base + CH0 + "vector-database/")
    widget = page.locator("semantic-search").first
    widget.locator("input").fill("feline pets")
    widget.locator("button.fs-widget__run").click()
    semantic = widget.get_by_role("list", name=re.compile("Semantic"))
    semantic.locator("li.fs-result[data-score]").first.wait_for()
    assert semantic.locator("li").first.get_attribute("data-topic") == "cats"
    assert errors == []


def test_embedding_map_on_the_embeddings_page(reader) -> None:  # noqa: ANN001
    page, server, errors = reader
    page.goto(server.base + CH0 + "embeddings/")
    widget = page.locator("embedding-map").first
    widget.scroll_into_view_if_needed()
    widget.locator("input").fill("princess")
    widget.locator("button.fs-widget__run").click()
    added = widget.locator("g.fs-map__point--added[data-label=princess]")
    added.wait_for()
    assert map_distance(widget, "princess", "queen") < map_distance(widget, "princess", "banana")
    assert errors == []


def test_every_chapter_page_has_its_widget_or_embed_rendered(reader) -> None:  # noqa: ANN001
    page, server, _ = reader
    for name in ["overview", "vectors", "embeddings", "vector-database"]:
        page.goto(server.base + CH0 + name + "/")
        count = page.locator("similarity-playground, semantic-search, embedding-map").count()
        assert count >= 1, name
        # the custom element upgraded: it drew its labelled box and button
        first = page.locator("similarity-playground, semantic-search, embedding-map").first
        assert first.locator("button.fs-widget__run").count() == 1
        assert first.locator("label").count() >= 1
