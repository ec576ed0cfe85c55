"""Browser fixtures: a built site with widgets, served on 127.0.0.1, and headless Chromium.

The server records every request it answers and can be told to answer 404 for some
paths, so tests can see what the browser fetched and break a model file on purpose.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT, BuildResult, make_project, run_mkdocs_build

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SUBPATH = "/learning/"  # served under a sub-path, as on GitHub Pages

WIDGET_PAGE = """# Widgets

{% widget "similarity-playground" %}

{% widget "semantic-search", corpus="pets" %}

{{ widget("embedding-map", corpus="words") }}
"""

HEAVY = ("transformers.min.js", ".wasm", "ort-wasm", "model_quantized.onnx", "tokenizer.json", "/assets/models/")


@dataclass
class Server:
    origin: str
    base: str  # origin + SUBPATH
    log: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    missing: set[str] = field(default_factory=set)  # path suffixes answered with 404
    stall: set[str] = field(default_factory=set)  # path suffixes: headers and 1 kB sent, then silence
    release: threading.Event = field(default_factory=threading.Event)  # ends every stalled answer
    root: Path | None = None  # the folder served; its SUBPATH link can be re-pointed to another site

    def fetched(self, needle: str, status: int | None = 200) -> list[str]:
        return [p for p, s in self.log if needle in p and (status is None or s == status)]

    def heavy(self) -> list[str]:
        return [p for p, s in self.log if s == 200 and any(h in p for h in HEAVY)]


def _handler(root: Path, server: Server):  # noqa: ANN202
    class Handler(http.server.SimpleHTTPRequestHandler):
        def send_head(self):  # noqa: ANN202
            path = self.path.split("?")[0]
            if any(path.endswith(m) for m in server.missing):
                self.send_error(404)
                return None
            if any(path.endswith(m) for m in server.stall):
                self._stall(path)
                return None
            return super().send_head()

        def _stall(self, path: str) -> None:
            """A connection that stops sending: full headers, a first kilobyte, then nothing."""
            size = Path(self.translate_path(path)).stat().st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(b"\0" * 1024)
            self.wfile.flush()
            server.release.wait(120)
            self.close_connection = True

        def log_request(self, code="-", size="-") -> None:  # noqa: ANN001
            server.log.append((self.path.split("?")[0], int(code) if str(code).isdigit() else 0))

        def log_message(self, *args: object) -> None:
            pass

    return functools.partial(Handler, directory=str(root))


def serve(site: Path, tmp: Path) -> Iterator[Server]:
    root = tmp / "www"
    root.mkdir()
    (root / SUBPATH.strip("/")).symlink_to(site, target_is_directory=True)
    server = Server("", "", root=root)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, server))
    server.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    server.base = server.origin + SUBPATH
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def widget_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    tmp = tmp_path_factory.mktemp("widgets")
    project = make_project(tmp, {"index.md": WIDGET_PAGE, "plain.md": "# Plain\n\nNo widgets here.\n"})
    shutil.copytree(ROOT / "docs" / "data", project / "docs" / "data")
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    return result


@pytest.fixture
def server(widget_site: BuildResult, tmp_path: Path) -> Iterator[Server]:
    yield from serve(widget_site.site, tmp_path)


def _wait_for_function_without_eval(self, expression: str, *, arg: object = None,  # noqa: ANN001
                                    timeout: float | None = None, polling: object = None) -> object:
    """Page.wait_for_function that works under the site's Content-Security-Policy.

    Playwright re-runs the predicate with eval() inside the page, which the policy blocks (no
    'unsafe-eval'; see plugins/fromscratch/csp.py). page.evaluate goes through DevTools, which
    the page's policy does not govern, so this polls with it from here instead.
    """
    from playwright.sync_api import Error
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + (60_000 if timeout is None else timeout) / 1000
    interval = polling / 1000 if isinstance(polling, int | float) else 0.1
    while True:
        try:
            value = self.evaluate(expression, arg)
        except Error as exc:  # the page navigated while we asked: ask again
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise PlaywrightTimeout(f"wait_for_function: still false after {timeout or 60_000} ms: {expression}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    playwright = pytest.importorskip("playwright.sync_api")
    playwright.Page.wait_for_function = _wait_for_function_without_eval
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed: run `make chromium` (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser, request: pytest.FixtureRequest):  # noqa: ANN001, ANN201
    """Pages run with the site's service worker (coi-serviceworker), as readers' do, except in
    tests marked `no_service_worker`: Playwright's page.route() does not see the requests a
    service worker makes, so tests that rewrite responses block it."""
    blocked = request.node.get_closest_marker("no_service_worker") is not None
    ctx = browser.new_context(service_workers="block" if blocked else "allow")
    ctx.set_default_timeout(60_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, server: Server):  # noqa: ANN001, ANN201
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    return pg


def map_distance(map_widget, a: str, b: str) -> float:  # noqa: ANN001 - a Playwright Locator
    """Distance on the <embedding-map> between the points labelled a and b (the last of each)."""

    def xy(label: str) -> tuple[float, float]:
        g = map_widget.locator(f"g[data-label='{label}']").last
        return float(g.get_attribute("data-x")), float(g.get_attribute("data-y"))

    (x1, y1), (x2, y2) = xy(a), xy(b)
    return ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5


@pytest.fixture(scope="session")
def axe_source() -> str:
    from browser.axe_check import AXE

    assert AXE.is_file(), f"{AXE} is missing: run `make setup` (npm ci installs axe-core)"
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def site_walk(browser, built_site, axe_source: str, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """Every page of the whole site visited once, for axe, the CSP and the origin (see site_walk.py)."""
    from browser.site_walk import walk_site

    serving = serve(built_site.site, tmp_path_factory.mktemp("walk-www"))
    try:
        return walk_site(browser, next(serving), built_site.site, axe_source)
    finally:
        serving.close()  # stops the server
