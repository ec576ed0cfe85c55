"""axe-core in the page: the palettes and widths checked, and the helpers every axe test uses.

axe-core (npm, pinned in package.json) comes from node_modules, never the network. A check
either injects it (`run_axe`, in a context that bypasses the site's CSP) or finds it put
there before any page script by an init script (`site_walk`, with the policy enforced).
"""

from __future__ import annotations

import json

from conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
SCHEMES = ("default", "slate")  # Material's light and dark palettes
BAD = ("serious", "critical")

# What Material's palette toggle does (the scheme attribute on <body>), then wait for its colour
# fades (125-250 ms): axe must check the colours the reader ends up with.
_SET_SCHEME = """async (s) => {
    document.body.setAttribute("data-md-color-scheme", s);
    await new Promise((r) => requestAnimationFrame(r));
    await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})));
}"""

_RUN = """async (context) => {
    const target = context === "document" ? document : document.querySelector(context);
    const r = await axe.run(target, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    }));
}"""

# Set the scheme and run axe over the document without waiting for it: the promise is kept on
# window, so another page's check can run in its own renderer meanwhile (see `finish_check`).
_START = f"""(scheme) => {{
    const setScheme = {_SET_SCHEME};
    const run = {_RUN};
    // from a timer, so this call returns at once: Playwright waits for each call in turn
    window.__axeCheck = new Promise((r) => setTimeout(r, 0)).then(() => setScheme(scheme)).then(() => run("document"));
}}"""


def set_scheme(page, scheme: str) -> None:  # noqa: ANN001 - a Playwright Page
    page.evaluate(_SET_SCHEME, scheme)


def run_axe(page, axe_source: str, context: str = "document") -> list[dict]:  # noqa: ANN001
    """Serious and critical violations in `context` (a CSS selector, or the whole document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    return serious(page.evaluate(_RUN, context))


def start_check(page, scheme: str) -> None:  # noqa: ANN001
    """Switch `page` to `scheme` and start axe on the whole document (axe already in the page)."""
    page.evaluate(_START, scheme)


def finish_check(page) -> list[dict]:  # noqa: ANN001
    """The serious and critical violations of the check `start_check` began."""
    return serious(page.evaluate("() => window.__axeCheck"))


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BAD]


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
