"""<text-generator> with the real SmolLM2 GGUF and wllama in Chromium.

One site build and one browser context per module: the model is downloaded and loaded once
for the streaming and Stop tests, then a second page in the same context (same Cache
Storage) checks that a second visit downloads no model bytes, even after the runtime's purge
of files runtime.json does not list. Every page records Content-Security-Policy violations:
the model must load and run under the site's policy with none. The failure tests each use a
fresh context and fail before (or instead of) running the model, so they stay quick.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, make_project, run_mkdocs_build

from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

GEN = "text-generator"
PAGE = '# Generate\n\n{% widget "text-generator" %}\n'
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
HEAVY = (GGUF, "wllama.wasm", "wllama.js")
LONG = 180_000  # ms: loading or running the model on a busy 2-core machine


@pytest.fixture(scope="module")
def gen_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct" / GGUF).is_file():
        pytest.skip("the language model is not fetched: run `make setup`")
    tmp = tmp_path_factory.mktemp("generation")
    project = make_project(tmp, {"index.md": PAGE, "plain.md": "# Plain\n\nNo widgets here.\n"})
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    return result.site


@pytest.fixture(scope="module")
def gen_server(gen_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(gen_site, tmp_path_factory.mktemp("gen-www"))


@pytest.fixture(scope="module")
def gen_browser(browser):  # noqa: ANN001, ANN201
    """The session's one Chromium: a second sync_playwright() in the same thread fails once
    another browser test has started the first."""
    return browser


# Before any page script: record every violation the page's policy reports.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def new_context(gen_browser, offsite: list[str], origin: str, workers: str = "block"):  # noqa: ANN001, ANN201
    """workers: "allow" lets the site's service worker in (cross-origin isolation, as readers
    get it); the failure tests block it, so that no reload races with what they do."""
    ctx = gen_browser.new_context(service_workers=workers)
    ctx.add_init_script(LISTEN)
    ctx.set_default_timeout(180_000)
    ctx.on("request", lambda r: offsite.append(r.url) if not r.url.startswith((origin, "blob:", "data:")) else None)
    return ctx


@pytest.fixture(scope="module")
def shared(gen_browser, gen_server: Server):  # noqa: ANN001, ANN201
    """A context whose first page has loaded the model (one download for the module)."""
    offsite: list[str] = []
    ctx = new_context(gen_browser, offsite, gen_server.origin, workers="allow")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    loads: list[str] = []
    # DOMContentLoaded, not load: the worker can take control, and the page reload, before the
    # first page's load event (a slow file) - never before its deferred scripts have run
    page.on("domcontentloaded", lambda p: loads.append(p.url))
    page.goto(gen_server.base)
    # The plain server sends no COOP/COEP (like GitHub Pages): the site's service worker adds
    # them, and this page, which runs the language model, reloads itself once to be isolated.
    page.wait_for_function("self.crossOriginIsolated === true", timeout=30_000)
    # the reloaded page's own event can come well after its scripts run on a busy machine
    deadline = time.monotonic() + 30
    while len(loads) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.wait_for_timeout(1_000)  # then no further reload
    assert len(loads) == 2, f"expected one reload to become isolated, saw {len(loads)} loads"
    gen = page.locator(f"{GEN}[data-state]")  # once the element is defined
    assert gen.get_attribute("data-state") == "idle"
    assert not [p for p, _ in gen_server.log if any(h in p for h in HEAVY)], "fetched before the reader asked"
    load = gen.get_by_role("button", name="Load the language model (98 MB)")
    load.click()
    page.wait_for_function(f"['ready', 'error'].includes(document.querySelector('{GEN}').dataset.state)", timeout=LONG)
    assert gen.get_attribute("data-state") == "ready", gen.locator(".fs-widget__error").inner_text()
    yield {"ctx": ctx, "page": page, "offsite": offsite, "errors": errors}
    ctx.close()


def generate(page, prompt: str, max_tokens: int) -> None:  # noqa: ANN001
    gen = page.locator(GEN)
    gen.get_by_label("Your prompt").fill(prompt)
    gen.get_by_label("Max tokens").fill(str(max_tokens))
    gen.get_by_role("button", name="Generate").click()


def test_streams_an_answer_and_shows_its_speed(shared, gen_server: Server) -> None:  # noqa: ANN001
    page = shared["page"]
    gen = page.locator(GEN)
    assert int(gen.get_attribute("data-network-bytes")) >= 98_362_432  # the first visit downloaded the model
    # isolated by the service worker, so the model runs one thread per core (up to 4)
    cores = page.evaluate("navigator.hardwareConcurrency")
    assert gen.get_attribute("data-isolated") == "true"
    assert int(gen.get_attribute("data-threads")) == max(1, min(4, cores))
    generate(page, "Name a colour.", 6)
    page.wait_for_function(f"document.querySelector('{GEN}').dataset.state === 'running'")
    # before the first token, the phase line says how many tokens the model is reading
    page.wait_for_function(f"/Reading \\d+ tokens/.test(document.querySelector('{GEN} .fs-gen__phase').textContent)", timeout=LONG)
    page.wait_for_function(f"['done', 'error'].includes(document.querySelector('{GEN}').dataset.state)", timeout=LONG)
    assert gen.get_attribute("data-state") == "done", gen.locator(".fs-widget__error").inner_text()
    answer = gen.locator(".fs-gen__answer").inner_text()
    assert answer.strip(), "the model wrote nothing"
    assert 1 <= int(gen.get_attribute("data-tokens")) <= 6
    # llama.cpp in the page and the Python tokenizer rebuilt from the same GGUF count alike
    from fromscratch.textgen.answers import chat_prompt
    from fromscratch.textgen.tokenizer import load_tokenizer

    python_count = len(load_tokenizer(ROOT / ".cache/models/SmolLM2-135M-Instruct" / GGUF).encode(
        chat_prompt("Name a colour."), add_special_tokens=False).ids)
    assert int(gen.get_attribute("data-prompt-tokens")) == python_count
    # and the page counted the same number before the model started reading ("Reading N tokens…")
    assert int(gen.get_attribute("data-reading-tokens")) == python_count
    assert "first token after" in gen.locator(".fs-gen__figures").inner_text()
    # the template shown is the text the model read, special tokens visible
    template = gen.locator(".fs-gen__template").text_content()
    assert template.startswith("<|im_start|>system\n") and "Name a colour.<|im_end|>" in template
    assert not shared["offsite"], f"requests left the site: {shared['offsite']}"
    assert not shared["errors"], shared["errors"]
    # the page carries the site's policy, and loading and running the model broke none of it
    assert page.locator('meta[http-equiv="Content-Security-Policy"]').count() == 1
    assert page.evaluate("window.__csp") == []


def test_stop_aborts_within_a_second(shared) -> None:  # noqa: ANN001
    page = shared["page"]
    gen = page.locator(GEN)
    generate(page, "Write a long story about a lighthouse keeper.", 400)
    page.wait_for_function(f"document.querySelector('{GEN} .fs-gen__answer').textContent.length > 0", timeout=LONG)
    stop = gen.get_by_role("button", name="Stop")
    started = time.monotonic()
    stop.click()
    page.wait_for_function(f"['done', 'error'].includes(document.querySelector('{GEN}').dataset.state)", timeout=5_000)
    waited = time.monotonic() - started
    assert gen.get_attribute("data-state") == "done"
    assert gen.get_attribute("data-stopped") == "true"
    assert int(gen.get_attribute("data-tokens")) < 400
    assert waited < 1.0, f"Stop took {waited:.2f} s"
    # and the model is still usable afterwards
    assert gen.get_by_role("button", name="Generate").is_enabled()


def test_second_visit_downloads_no_model_bytes(shared, gen_server: Server) -> None:  # noqa: ANN001
    before = len(gen_server.log)
    page = shared["ctx"].new_page()
    page.goto(gen_server.base + "plain/")
    # what the embedding worker does on every load: drop cached files runtime.json does not list
    page.evaluate("""async (base) => {
        const d = await import(base + 'assets/javascripts/widgets/download.js');
        await d.purge(base, await d.fetchManifest(base));
    }""", gen_server.base)
    page.goto(gen_server.base)
    gen = page.locator(GEN)
    gen.get_by_role("button", name="Load the language model (98 MB)").click()
    page.wait_for_function(f"['ready', 'error'].includes(document.querySelector('{GEN}').dataset.state)", timeout=LONG)
    assert gen.get_attribute("data-state") == "ready"
    assert gen.get_attribute("data-network-bytes") == "0"
    again = [p for p, s in gen_server.log[before:] if s == 200 and (GGUF in p or p.endswith("wllama.wasm"))]
    assert again == [], f"downloaded again: {again}"
    assert page.evaluate("window.__csp") == []
    page.close()


def test_pages_without_the_widget_load_none_of_it(gen_browser, gen_server: Server) -> None:  # noqa: ANN001
    offsite: list[str] = []
    ctx = new_context(gen_browser, offsite, gen_server.origin, workers="allow")
    page = ctx.new_page()
    urls: list[str] = []
    loads: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("load", lambda p: loads.append(p.url))
    page.goto(gen_server.base + "plain/")
    page.wait_for_load_state("networkidle")
    # the service worker is registered from here too, but a page without a generating widget
    # never reloads for it: it takes control in place, and the next page is isolated
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_timeout(500)
    assert len(loads) == 1, loads
    assert page.evaluate("self.crossOriginIsolated") is False
    page.goto(gen_server.base + "plain/")
    assert page.evaluate("self.crossOriginIsolated") is True
    ctx.close()
    assert not [u for u in urls if any(h in u for h in (*HEAVY, "generation", "text-generator"))]
    assert not offsite


# --- failures: each shows plain words, a retry, and the state "error" -----------------------


def failed(page, kind: str, words: str):  # noqa: ANN001, ANN201
    gen = page.locator(GEN)
    page.wait_for_function(f"document.querySelector('{GEN}').dataset.state === 'error'")
    error = gen.locator(".fs-widget__error")
    assert error.is_visible() and error.get_attribute("role") == "alert"
    assert error.get_attribute("data-kind") == kind
    assert words in error.inner_text()
    assert gen.locator(".fs-widget__progress.is-active").count() == 0
    return error


@pytest.fixture
def fresh(gen_browser, gen_server: Server):  # noqa: ANN001, ANN201
    offsite: list[str] = []
    ctx = new_context(gen_browser, offsite, gen_server.origin)
    ctx.set_default_timeout(60_000)
    page = ctx.new_page()
    yield page
    ctx.close()
    assert not offsite
    gen_server.missing.clear()


def press_load(page, server: Server) -> int:  # noqa: ANN001
    """Open the page and press the load button; returns where this visit starts in the server log."""
    start = len(server.log)
    page.goto(server.base)
    page.locator(GEN).get_by_role("button", name="Load the language model (98 MB)").click()
    return start


def downloaded(server: Server, start: int, needle: str) -> list[str]:
    return [p for p, s in server.log[start:] if needle in p and s == 200]


def test_missing_model_file(fresh, gen_server: Server) -> None:  # noqa: ANN001
    gen_server.missing.add(GGUF)
    press_load(fresh, gen_server)
    error = failed(fresh, "missing", f"The language-model file {GGUF} could not be downloaded (HTTP 404)")
    gen_server.missing.clear()
    assert error.get_by_role("button", name="Try again").is_visible()


def test_damaged_model_file_is_refused_and_not_cached(fresh, gen_server: Server) -> None:  # noqa: ANN001
    with (ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct" / GGUF).open("rb") as fh:
        head = fh.read(1 << 20)  # a download cut short after its first MiB

    def truncated(route) -> None:  # noqa: ANN001
        route.fulfill(status=200, body=head, headers={"content-type": "application/octet-stream"})

    fresh.route(f"**/{GGUF}", truncated)
    press_load(fresh, gen_server)
    failed(fresh, "corrupt", f"The language-model file {GGUF} is damaged")
    cached = fresh.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const r of await (await caches.open(name)).keys()) urls.push(r.url);
        }
        return urls.filter((u) => u.endsWith('.gguf'));
    }""")
    assert cached == []


def test_webassembly_unsupported(fresh, gen_server: Server) -> None:  # noqa: ANN001
    fresh.add_init_script("Object.defineProperty(window, 'WebAssembly', {value: undefined}); // test: no WASM")
    start = press_load(fresh, gen_server)
    failed(fresh, "wasm", "cannot run WebAssembly")
    assert not downloaded(gen_server, start, GGUF)


def test_low_memory_device_is_told_and_may_try_anyway(fresh, gen_server: Server) -> None:  # noqa: ANN001
    fresh.add_init_script("Object.defineProperty(navigator, 'deviceMemory', {value: 0.5}); // test: a small phone")
    start = press_load(fresh, gen_server)
    error = failed(fresh, "memory", "reports about 0.5 GB of memory")
    assert error.get_by_role("button", name="Try anyway").is_visible()
    assert not downloaded(gen_server, start, GGUF)  # nothing downloaded until the reader chooses to try


def test_worker_crash(fresh, gen_server: Server) -> None:  # noqa: ANN001
    fresh.add_init_script(
        "window.Worker = class { constructor() { throw new Error('test: the background worker could not start'); } };"
    )
    press_load(fresh, gen_server)
    failed(fresh, "crash", "The language model stopped unexpectedly")
