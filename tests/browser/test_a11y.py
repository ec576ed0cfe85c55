"""Accessibility, checked in a real browser on the real site.

axe-core (npm, pinned in package.json) runs from node_modules in every page of the built site,
no network: each page is loaded once (the shared walk, `site_walk.py`) and checked four times,
light and dark palette (Material's `data-md-color-scheme`) at desktop and phone width. Each
Chapter 0 widget is then driven with the keyboard alone (focus, type, Tab, Enter or Space;
never a click) under `prefers-reduced-motion: reduce`, and checked again in its answered state.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser.axe_check import SCHEMES, WIDTHS, describe, run_axe, set_scheme
from browser.conftest import Server, serve
from browser.site_walk import Walk

pytestmark = pytest.mark.browser

CH0 = "content/ch0-fundamentals/"


@pytest.fixture(scope="module")
def site_server(built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(built_site.site, tmp_path_factory.mktemp("a11y-www"))


def test_every_page_has_no_serious_violations(site_walk: Walk) -> None:
    pages = [visit.path for visit in site_walk.visits]
    assert len(pages) > 10 and "content/ch0-fundamentals/vectors/" in pages
    checked = {f"{width} {scheme}" for width in WIDTHS for scheme in SCHEMES}
    assert all(set(visit.axe) == checked for visit in site_walk.visits)
    found = {f"/{visit.path} {where}": bad for visit in site_walk.visits for where, bad in visit.axe.items() if bad}
    assert not found, "axe found serious or critical problems:\n" + describe(found)


# -- each Chapter 0 widget, with the keyboard alone ---------------------------------------

FOCUS_VISIBLE = """(el) => {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    return el.matches(":focus-visible") && (outline || s.boxShadow !== "none");
}"""

STILL = """(root) => {
    const moving = root.getAnimations({ subtree: true }).length;
    const timed = [root, ...root.querySelectorAll("*")].filter((el) => {
        const s = getComputedStyle(el);
        const seconds = (v) => Math.max(...v.split(",").map((x) => parseFloat(x) || 0));
        return seconds(s.transitionDuration) > 0 || (s.animationName !== "none" && seconds(s.animationDuration) > 0);
    }).length;
    return { moving, timed };
}"""


def tab_to_button(page, widget) -> None:  # noqa: ANN001
    """Tab until the widget's run button has focus, and check that focus is visible on it."""
    button = widget.locator("button.fs-widget__run")
    for _ in range(4):
        page.keyboard.press("Tab")
        if button.evaluate("(b) => b === document.activeElement"):
            break
    assert button.evaluate("(b) => b === document.activeElement"), "Tab did not reach the widget's button"
    assert button.evaluate(FOCUS_VISIBLE), "the focused button shows no focus ring"


def in_live_region(locator) -> bool:  # noqa: ANN001
    return locator.evaluate("(el) => el.closest('[aria-live]') !== null")


WIDGETS = {
    # page, element, what to type in each box, the key that runs it, what to wait for
    "similarity-playground": ("vectors/", ["The cat sleeps on the sofa.", "A kitten naps on the couch."], "Enter"),
    "semantic-search": ("vector-database/", ["feline pets"], "Space"),
    "embedding-map": ("embeddings/", ["duchess"], "Enter"),
}


@pytest.mark.parametrize("name", list(WIDGETS))
def test_widget_by_keyboard_alone(browser, site_server: Server, axe_source: str, name: str) -> None:  # noqa: ANN001
    path, texts, key = WIDGETS[name]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce",
                              bypass_csp=True)  # axe is injected inline; the CSP itself is tested in test_csp.py
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(site_server.base + CH0 + path)
        widget = page.locator(name).first
        widget.scroll_into_view_if_needed()
        for scheme in SCHEMES:  # idle
            set_scheme(page, scheme)
            bad = run_axe(page, axe_source, name)
            assert bad == [], f"{name} idle, {scheme}: {describe({'widget': bad})}"

        inputs = widget.locator("input[type=text], input:not([type]), textarea")
        inputs.first.focus()  # the reader's first focus; from here on, only keys
        for i, text in enumerate(texts):
            if i:
                page.keyboard.press("Tab")
                assert inputs.nth(i).evaluate("(el) => el === document.activeElement"), "Tab did not reach the next box"
            page.keyboard.press("Control+A")
            page.keyboard.type(text)
        tab_to_button(page, widget)
        page.keyboard.press(key)

        if name == "similarity-playground":
            result = widget.locator("output[data-value]")
        elif name == "semantic-search":
            result = widget.locator("li.fs-result[data-score]").first
        else:
            result = widget.locator("g.fs-map__point--added[data-label=duchess]")
        result.wait_for()
        summary = widget.locator(".fs-widget__summary")
        page.wait_for_function("(el) => !el.textContent.includes('on this device…')", arg=summary.element_handle())
        assert in_live_region(summary), "the result is not announced: it is outside the aria-live region"
        if name != "embedding-map":
            assert in_live_region(result)

        for scheme in SCHEMES:  # answered
            set_scheme(page, scheme)
            bad = run_axe(page, axe_source, name)
            assert bad == [], f"{name} answered, {scheme}: {describe({'widget': bad})}"
        still = widget.evaluate(STILL)
        assert still == {"moving": 0, "timed": 0}, f"animations under prefers-reduced-motion: {still}"
        assert errors == []
    finally:
        ctx.close()
