"""Search by meaning in the header search, in Chromium with the real model.

The small site of tests/test_site_search.py checks the switch itself (name, memory, nothing
fetched before it is on, Material's results when off, blended links when on, the keyboard);
the whole site (`built_site`, built once per session) checks the ranking on the query set
tests/data/site_queries.jsonl. benchmarks/site_search.py reuses the helpers here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, BuildResult

from .conftest import SUBPATH, serve

QUERIES = ROOT / "tests/data/site_queries.jsonl"
SWITCH = ".fs-search-meaning button[role=switch]"
BAR = ".fs-search-meaning"
RESULT_LINKS = "li.md-search-result__item > a.md-search-result__link:first-child"


def queries() -> list[dict]:
    return [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- helpers (benchmarks/site_search.py uses them too) ------------------------------------------


def page_key(href: str, base: str) -> str:
    """A result link as the query set writes pages: relative to the site root, no query or hash."""
    path = urlsplit(href).path
    root = urlsplit(base).path
    return path[len(root):] if path.startswith(root) else path


def result_pages(page, base: str) -> list[str]:  # noqa: ANN001 - a Playwright Page
    return [page_key(a.get_attribute("href"), base) for a in page.locator(RESULT_LINKS).all()]


def _signature(page) -> str:  # noqa: ANN001
    return page.evaluate(
        "() => [document.querySelector('.md-search-result__meta').textContent,"
        " ...[...document.querySelectorAll('li.md-search-result__item a[href]')].map(a => a.href)].join('|')"
    )


def wait_stable(page, settle: float = 0.4, timeout: float = 30) -> None:  # noqa: ANN001
    """Until the result list has not changed for `settle` seconds (Material renders per keystroke)."""
    deadline = time.monotonic() + timeout
    last, since = _signature(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = _signature(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle:
            return
    raise AssertionError("the search results kept changing")


def type_query(page, query: str) -> None:  # noqa: ANN001
    """All but the last letter pasted, the last one typed: Material searches on each key-up, so
    this is one search (and one keystroke to time) per question instead of one per letter."""
    box = page.locator(".md-search__input")
    box.click()
    box.fill(query[:-1])
    box.press(query[-1])


def keyword_search(page, base: str, query: str) -> list[str]:  # noqa: ANN001
    """Material's own results (the switch off): the pages, in order."""
    type_query(page, query)
    page.wait_for_function("document.querySelector('.md-search-result__meta').textContent.includes('matching')")
    wait_stable(page)
    return result_pages(page, base)


def material_ms(page) -> float:  # noqa: ANN001
    """Keystroke to Material's own rendered results, for the last query (search-meaning.js times it)."""
    return float(page.locator(BAR).get_attribute("data-material-ms") or "nan")


def blended_search(page, base: str, query: str) -> tuple[list[str], float]:  # noqa: ANN001
    """The blended results (the switch on, the model loaded) and keystroke-to-results in ms."""
    type_query(page, query)
    page.wait_for_function(
        "q => { const bar = document.querySelector('.fs-search-meaning');"
        " return bar.dataset.state === 'done' && bar.dataset.query === q; }", arg=query, timeout=60_000)
    wait_stable(page)
    return result_pages(page, base), float(page.locator(BAR).get_attribute("data-ms"))


def turn_on(page) -> float:  # noqa: ANN001
    """Turn the switch on and wait for the model; seconds it took."""
    started = time.monotonic()
    page.locator(SWITCH).click()
    page.wait_for_function("['ready', 'done'].includes(document.querySelector('.fs-search-meaning').dataset.state)",
                           timeout=240_000)
    return time.monotonic() - started


def rank_of(pages: list[str], wanted: list[str]) -> int | None:
    return next((i + 1 for i, p in enumerate(pages) if p in wanted), None)


def scores(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks)
    return {"hit@1": sum(r == 1 for r in ranks) / n,
            "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "MRR": sum(1 / r for r in ranks if r) / n}


# -- the small site: the switch ----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    from test_site_search import _build

    result = _build(str(tmp_path_factory.getbasetemp() / "site-search"))
    assert result.ok, result.output
    return result


@pytest.fixture
def small_server(small_site: BuildResult, tmp_path: Path):  # noqa: ANN201
    yield from serve(small_site.site, tmp_path)


def test_switch_is_named_fetches_nothing_until_on_and_remembers(context, small_server) -> None:  # noqa: ANN001
    page = context.new_page()
    page.goto(small_server.base + "keyword/")
    switch = page.get_by_role("switch", name="Search by meaning")
    switch.wait_for(state="attached")
    page.locator(".md-search__input").click()
    expect_text = page.locator(".fs-search-meaning__status")
    page.wait_for_function("/\\d+ MB/.test(document.querySelector('.fs-search-meaning__status').textContent)")
    assert "never leaves this device" in expect_text.text_content()
    keyword = keyword_search(page, small_server.base, "synonyms")
    assert keyword == ["keyword/"]  # Material's own result, untouched
    assert switch.get_attribute("aria-checked") == "false"
    assert small_server.heavy() == [], "nothing of the model before the switch is on"
    turn_on(page)
    assert small_server.heavy(), "the model is downloaded once the switch is on"
    assert switch.get_attribute("aria-checked") == "true"
    again = context.new_page()  # the choice is remembered
    again.goto(small_server.base)
    again.get_by_role("switch", name="Search by meaning").wait_for(state="attached")
    assert again.get_by_role("switch", name="Search by meaning").get_attribute("aria-checked") == "true"
    again.get_by_role("switch", name="Search by meaning").click()
    assert again.get_by_role("switch", name="Search by meaning").get_attribute("aria-checked") == "false"
    third = context.new_page()
    third.goto(small_server.base)
    third.get_by_role("switch", name="Search by meaning").wait_for(state="attached")
    assert third.get_by_role("switch", name="Search by meaning").get_attribute("aria-checked") == "false"


def test_on_blends_meaning_into_material_results_and_enter_opens_the_first(context, small_server) -> None:  # noqa: ANN001
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(small_server.base + "keyword/")
    page.locator(".md-search__input").click()
    # no word of this query is on the page that answers it: keyword search finds nothing
    query = "how do I tell if two arrows point the same way"
    off = keyword_search(page, small_server.base, "synonyms")
    turn_on(page)
    pages, ms = blended_search(page, small_server.base, query)
    assert pages and pages[0] == "", pages  # the cosine section is on the home page
    assert ms > 0
    links = page.locator("li.md-search-result__item a[href]")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert any("#measuring-how-alike-two-vectors-are" in h for h in hrefs), hrefs  # the section itself
    assert all(h.startswith(small_server.base) for h in hrefs), "links resolve under the sub-path"
    assert page.locator(".md-search-result__meta").text_content().strip().endswith(("matching documents", "matching document"))
    # the query's words are highlighted with <mark> as Material does
    assert page.locator("li.md-search-result__item mark").count() > 0
    # keyword hits stay in the blend: "synonyms" is a word of keyword/ only
    both, _ = blended_search(page, small_server.base, "synonyms")
    assert off == ["keyword/"] and "keyword/" in both[:2]
    # keyboard: arrow down reaches the first result, Enter opens it
    pages, _ = blended_search(page, small_server.base, query)
    page.locator(".md-search__input").press("ArrowDown")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    first = page.locator(RESULT_LINKS).first.get_attribute("href")
    assert focused == first
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page_key(page.url, small_server.base) == pages[0]
    assert not errors, errors


def test_switching_off_gives_material_results_back(context, small_server) -> None:  # noqa: ANN001
    page = context.new_page()
    page.goto(small_server.base)
    page.locator(".md-search__input").click()
    before = keyword_search(page, small_server.base, "vectors")
    scores_before = page.evaluate("[...document.querySelectorAll('li.md-search-result__item article')].map(a => a.dataset.mdScore)")
    turn_on(page)
    blended, _ = blended_search(page, small_server.base, "vectors")
    assert set(before) <= set(blended)
    page.locator(SWITCH).click()
    wait_stable(page)
    assert result_pages(page, small_server.base) == before
    assert page.evaluate("[...document.querySelectorAll('li.md-search-result__item article')].map(a => a.dataset.mdScore)") == scores_before
    assert page.locator("li[data-fs-semantic]").count() == 0


# -- the whole site: the ranking on the query set ---------------------------------------------


@pytest.fixture
def site_server(built_site: BuildResult, tmp_path: Path):  # noqa: ANN201
    yield from serve(built_site.site, tmp_path)


def test_blend_finds_the_right_page_far_more_often_than_keywords(context, site_server) -> None:  # noqa: ANN001
    page = context.new_page()
    page.goto(site_server.base)
    page.locator(".md-search__input").click()
    qs = queries()
    keyword = [rank_of(keyword_search(page, site_server.base, q["query"]), q["pages"]) for q in qs]
    turn_on(page)
    blended = [rank_of(blended_search(page, site_server.base, q["query"])[0], q["pages"]) for q in qs]
    k, b = scores(keyword), scores(blended)
    print(f"\nkeyword {k}\nblended {b}")
    # Measured on these 60 questions (benchmarks/RESULTS-site-search.md): keyword hit@1 0.23,
    # hit@5 0.67, MRR 0.42; blended 0.62, 0.90, 0.75. Material's OR-ranking over every word
    # already puts the right page in its first five for two questions in three, so the gain is
    # largest at the top. The margins asked here (9, 12 and 12 questions' worth) are about
    # two thirds of those measured or less: room for ranks moving with the machine or content,
    # none for a blend that falls back to keyword results or ranks at random.
    assert b["hit@5"] >= k["hit@5"] + 0.15, (k, b)
    assert b["hit@1"] >= k["hit@1"] + 0.20, (k, b)
    assert b["MRR"] >= k["MRR"] + 0.20, (k, b)
    assert SUBPATH in site_server.base


def test_search_dialog_with_the_switch_on_passes_axe(browser, small_server, axe_source: str) -> None:  # noqa: ANN001
    from browser.axe_check import run_axe, set_scheme

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe is injected inline
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    page.goto(small_server.base)
    page.locator(".md-search__input").click()
    turn_on(page)
    blended_search(page, small_server.base, "how do I tell if two arrows point the same way")
    for scheme in ("default", "slate"):
        set_scheme(page, scheme)
        found = run_axe(page, axe_source, "[data-md-component=search]")
        assert found == [], f"{scheme}: {json.dumps(found, indent=1)}"
    ctx.close()
