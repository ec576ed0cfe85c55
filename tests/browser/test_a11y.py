"""Accessibility, checked in a real browser on the real site.

axe-core (npm, pinned in package.json) is injected from node_modules into every page of the
built site, no network: each page is loaded once and checked four times, light and dark
palette (Material's `data-md-color-scheme`) at desktop and phone width. Each Chapter 0 widget
is then driven with the keyboard alone (focus, type, Tab, Enter or Space; never a click) under
`prefers-reduced-motion: reduce`, and checked again in its answered state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SCHEMES = ("default", "slate")  # Material's light and dark palettes
BAD = ("serious", "critical")
CH0 = "content/ch0-fundamentals/"


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as a URL path under the site root."""
    pages = []
    for html in sorted(site.rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        if rel.startswith("assets/"):
            continue
        pages.append(rel.removesuffix("index.html"))
    return pages


@pytest.fixture(scope="module")
def site_server(built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(built_site.site, tmp_path_factory.mktemp("a11y-www"))


@pytest.fixture(scope="module")
def axe_source() -> str:
    assert AXE.is_file(), f"{AXE} is missing: run `make setup` (npm ci installs axe-core)"
    return AXE.read_text(encoding="utf-8")


def set_scheme(page, scheme: str) -> None:  # noqa: ANN001 - a Playwright Page
    """What Material's palette toggle does: the scheme attribute on <body>."""
    page.evaluate(
        """async (s) => {
            document.body.setAttribute("data-md-color-scheme", s);
            // Material fades colours (125-250 ms): check the colours the reader ends up with
            await new Promise((r) => requestAnimationFrame(r));
            await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})));
        }""",
        scheme,
    )


def run_axe(page, axe_source: str, context: str = "document") -> list[dict]:  # noqa: ANN001
    """Serious and critical violations in `context` (a CSS selector, or the whole document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async (context) => {
            const target = context === "document" ? document : document.querySelector(context);
            const r = await axe.run(target, { resultTypes: ["violations"] });
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
            }));
        }""",
        context,
    )
    return [v for v in result if v["impact"] in BAD]


def describe(found: dict[str, list[dict]]) -> str:
    return json.dumps(found, indent=1)[:6000]


def answer_by_keyboard(page, widget, axe_source: str, tag: str, label: str, question: str,  # noqa: ANN001
                       tabs: int) -> None:
    """A question box used with the keyboard alone (<rag-qa>, <ask-site>): type the question and
    press Enter, check the answer is found and announced, then Tab (at most `tabs` times) to the
    first example question, open it with Enter, and check axe is clean in both palettes."""
    widget.get_by_label(label).focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.wait_for_function(f"(q) => document.querySelector('{tag}').dataset.question === q"
                           f" && ['done', 'error'].includes(document.querySelector('{tag}').dataset.state)", arg=question)
    assert widget.get_attribute("data-found") == "true"
    assert widget.locator(".fs-widget__summary").evaluate("(el) => el.closest('[aria-live]') !== null")
    for _ in range(tabs):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('fs-rag__example')"):
            break
    page.keyboard.press("Enter")
    assert widget.get_attribute("data-source") == "build"
    for scheme in SCHEMES:
        set_scheme(page, scheme)
        bad = run_axe(page, axe_source, tag)
        assert bad == [], f"answered, {scheme}: {describe({'widget': bad})}"


def test_every_page_has_no_serious_violations(browser, site_server: Server, built_site, axe_source: str) -> None:  # noqa: ANN001
    pages = site_pages(built_site.site)
    assert len(pages) > 10 and "content/ch0-fundamentals/vectors/" in pages
    found: dict[str, list[dict]] = {}
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe is injected inline
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    try:
        for path in pages:
            page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
            page.goto(site_server.base + path, wait_until="load")
            page.wait_for_timeout(150)  # Mermaid and KaTeX finish drawing after load
            for width, (w, h) in WIDTHS.items():
                page.set_viewport_size({"width": w, "height": h})
                for scheme in SCHEMES:
                    set_scheme(page, scheme)
                    bad = run_axe(page, axe_source)
                    if bad:
                        found[f"/{path} {width} {scheme}"] = bad
    finally:
        ctx.close()
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
