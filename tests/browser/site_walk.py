"""One walk over every page of the built site, for the tests that check every page.

Three checks need every page loaded in a real browser: axe (light and dark palette, desktop
and phone width), the Content-Security-Policy (no violation reported, no script error) and the
origin (no request leaves the site, also while a widget loads the model and answers). The walk
loads each page once for all three, with the policy enforced, and records what each check
needs; each test asserts on its own part (`test_a11y`, `test_csp`, `test_widgets`).

Two pages are walked side by side, each in its own browser context and so its own renderer
process: while one runs axe, the other does too, and the two cores both work. Playwright's
sync API waits for one call at a time, so a check is started in both pages (its promise kept
on `window`) before either is awaited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sitecheck import DEPLOYED_AT

from browser.axe_check import SCHEMES, WIDTHS, finish_check, start_check
from browser.conftest import Server

LANES = 2

# Before any page script: record every violation the policy reports.
LISTEN_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""
OFFSITE = re.compile(r"^(?!http://127\.0\.0\.1[:/]|data:|blob:)")
RUNNABLE = "semantic-search, similarity-playground, embedding-map"  # Chapter 0's model widgets


@dataclass
class Visit:
    path: str  # under the site root, "" for the home page
    axe: dict[str, list[dict]] = field(default_factory=dict)  # "desktop default": serious findings
    csp: list[str] = field(default_factory=list)  # violations the policy reported
    problems: list[str] = field(default_factory=list)  # uncaught errors, console errors
    ran: str = ""  # the widget run on this page, if any
    run_error: str = ""  # what that widget showed as its error, if it failed


@dataclass
class Walk:
    visits: list[Visit]
    offsite: list[str]  # requests to another origin, refused


def settle(page) -> None:  # noqa: ANN001
    """Wait until the page has drawn what its scripts draw (math, diagrams)."""
    page.wait_for_load_state("load")
    if page.locator(".arithmatex").count():
        page.locator(".arithmatex .katex").first.wait_for(state="attached")
    # Material replaces each <pre class="mermaid"> by a <div> holding the drawing (in a closed shadow root)
    if page.locator("pre.mermaid").count():
        page.locator("pre.mermaid").first.wait_for(state="detached")


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as a URL path under the site root."""
    pages = []
    for html in sorted(site.rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        if not rel.startswith("assets/"):
            pages.append(rel.removesuffix("index.html"))
    return pages


class Lane:
    """One browser context and page of the walk, with its listeners."""

    def __init__(self, browser, axe_source: str, offsite: list[str]) -> None:  # noqa: ANN001
        w, h = WIDTHS["desktop"]
        # reduced motion: Material's palette fade is not waited out twice a page (the colours
        # checked are the ones it ends on either way), and two pages' checks then overlap
        self.ctx = browser.new_context(viewport={"width": w, "height": h}, reduced_motion="reduce")
        self.ctx.set_default_timeout(60_000)
        self.ctx.add_init_script(LISTEN_CSP)
        self.ctx.add_init_script(axe_source)  # from DevTools: the page's policy does not apply

        def refuse(route) -> None:  # noqa: ANN001
            offsite.append(route.request.url)
            route.abort()

        self.ctx.route(OFFSITE, refuse)
        self.page = self.ctx.new_page()
        self.visit = Visit("")
        self.page.on("pageerror", lambda exc: self.visit.problems.append(f"page error: {exc}"))
        self.page.on("console", lambda msg: self.visit.problems.append(f"console: {msg.text}")
                     if msg.type == "error" else None)

    def take_worker(self, base: str) -> None:
        """Open the home page and wait until the site's service worker is active, as it is for a
        reader who arrived there first. A page that runs the language model reloads itself once
        when the worker first takes control of it (isolation.js); with the worker already in
        charge, every page of the walk loads isolated and none reloads under a check."""
        self.page.goto(base, wait_until="load")
        self.page.evaluate("async () => { await navigator.serviceWorker.ready; }")

    def open(self, server: Server, visit: Visit) -> None:
        self.visit = visit
        self.page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
        # GitHub Pages answers any missing URL with 404.html, whose links are absolute (site_url):
        # it is loaded from the path the site is deployed at, where they resolve
        base = server.origin + DEPLOYED_AT if visit.path == "404.html" else server.base
        self.page.goto(base + visit.path, wait_until="commit")

    def start_widget(self) -> None:
        """Run the page's first model widget, if it has one (it loads the model from the site)."""
        if not self.page.locator(RUNNABLE).count():
            return
        widget = self.page.locator(RUNNABLE).first
        self.page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
        self.visit.ran = widget.evaluate("(el) => el.localName")
        widget.locator("button.fs-widget__run").click()

    def finish_widget(self) -> None:
        if self.visit.ran:
            widget = self.page.locator(RUNNABLE).first
            self.page.wait_for_function("(el) => !el.hasAttribute('aria-busy')", arg=widget.element_handle())
            error = widget.locator(".fs-widget__error")
            self.visit.run_error = error.inner_text() if error.is_visible() else ""
        self.visit.csp = self.page.evaluate("window.__csp")


def walk_site(browser, server: Server, site: Path, axe_source: str) -> Walk:  # noqa: ANN001
    offsite: list[str] = []
    lanes = [Lane(browser, axe_source, offsite) for _ in range(LANES)]
    visits = [Visit(path) for path in site_pages(site)]
    (server.root / DEPLOYED_AT.strip("/")).symlink_to(site, target_is_directory=True)
    try:
        for lane in lanes:
            lane.take_worker(server.base)
        for first in range(0, len(visits), LANES):
            group = list(zip(lanes, visits[first:first + LANES], strict=False))
            for lane, visit in group:
                lane.open(server, visit)
            for lane, _ in group:
                settle(lane.page)
            for width, (w, h) in WIDTHS.items():
                for scheme in SCHEMES:
                    for lane, _ in group:
                        lane.page.set_viewport_size({"width": w, "height": h})
                        start_check(lane.page, scheme)
                    for lane, visit in group:
                        visit.axe[f"{width} {scheme}"] = finish_check(lane.page)
            for lane, _ in group:
                lane.start_widget()
            for lane, _ in group:
                lane.finish_widget()
    finally:
        for lane in lanes:
            lane.ctx.close()
    return Walk(visits, offsite)
