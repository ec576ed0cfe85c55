"""Failure paths the runtime issue names (WASM unsupported, worker crash) and an honest progress bar.

Each failure must show plain words in the widget (role=alert), a "Try again" button,
leave nothing spinning, and recover on retry once the fault is gone.
"""

from __future__ import annotations

import json
import re

import pytest

from browser.conftest import Server

pytestmark = pytest.mark.browser

WIDGET = "similarity-playground"
NO_SIMD = "WebAssembly.validate = () => false; // test: a browser without WebAssembly SIMD\n"
CRASH = 'throw new Error("test: the worker crashed while starting");\n'


def break_worker(page, prefix: str) -> None:  # noqa: ANN001
    """Serve the real worker.js with `prefix` run first; workers do not see init scripts."""

    def handle(route) -> None:  # noqa: ANN001
        real = route.fetch()
        route.fulfill(status=200, body=prefix + real.text(),
                      headers={"content-type": "text/javascript", "cache-control": "no-store"})

    page.route("**/widgets/worker.js", handle)


def assert_failed_cleanly(page, kind: str, words: str):  # noqa: ANN001, ANN201
    error = page.locator(f"{WIDGET} .fs-widget__error")
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert error.get_attribute("data-kind") == kind
    assert words in error.inner_text()
    assert error.get_by_role("button", name="Try again").is_visible()
    # nothing left spinning: the bar is hidden, the widget is not busy, its button works again
    assert page.locator(f"{WIDGET} .fs-widget__progress.is-active").count() == 0
    assert page.locator(f"{WIDGET} .fs-widget__progress").evaluate("e => getComputedStyle(e).visibility") == "hidden"
    assert page.locator(f"{WIDGET}[aria-busy]").count() == 0
    assert page.locator(f"{WIDGET} button.fs-widget__run").is_enabled()
    return error


def retry_recovers(page, error) -> None:  # noqa: ANN001
    error.get_by_role("button", name="Try again").click()
    page.wait_for_function(f"document.querySelector('{WIDGET} output').dataset.value !== undefined")
    assert error.is_hidden()


def test_wasm_unsupported_shows_error_and_retry_recovers(page, server: Server) -> None:  # noqa: ANN001
    break_worker(page, NO_SIMD)
    page.goto(server.base)
    page.click(f"{WIDGET} button.fs-widget__run")
    error = assert_failed_cleanly(page, "wasm", "cannot run WebAssembly")
    assert not server.fetched("model_quantized.onnx")  # it gave up before downloading anything
    page.unroute("**/widgets/worker.js")
    retry_recovers(page, error)


def test_worker_crash_shows_error_and_retry_recovers(page, server: Server) -> None:  # noqa: ANN001
    break_worker(page, CRASH)
    page.goto(server.base)
    page.click(f"{WIDGET} button.fs-widget__run")
    error = assert_failed_cleanly(page, "crash", "stopped unexpectedly")
    page.unroute("**/widgets/worker.js")
    retry_recovers(page, error)


def test_worker_crash_during_a_query_fails_the_query(page, server: Server) -> None:  # noqa: ANN001
    """A worker that dies after loading must not leave the widget waiting for an answer forever."""
    crash_on_embed = (
        'self.addEventListener("message", (e) => { if (e.data.type === "embed" && e.data.texts.includes("crash")) '
        'setTimeout(() => { throw new Error("test: crash while embedding"); }); });\n'
    )
    break_worker(page, crash_on_embed)
    page.goto(server.base)
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(f"document.querySelector('{WIDGET} output').dataset.value !== undefined")
    page.fill(f"{WIDGET} input >> nth=1", "crash")
    page.click(f"{WIDGET} button.fs-widget__run")
    error = assert_failed_cleanly(page, "crash", "stopped unexpectedly")
    page.unroute("**/widgets/worker.js")
    page.fill(f"{WIDGET} input >> nth=1", "A kitten naps on the couch.")
    page.evaluate(f"document.querySelector('{WIDGET} output').removeAttribute('data-value')")
    retry_recovers(page, error)


def test_progress_counts_every_file_and_reaches_the_total(page, server: Server, widget_site) -> None:  # noqa: ANN001
    runtime = json.loads((widget_site.site / "assets/runtime/runtime.json").read_text())
    model = f"assets/models/{runtime['model']['id']}/"
    on_disk = [widget_site.site / p for p in runtime["runtime_files"]]
    on_disk += [widget_site.site / model / rel for rel in runtime["model"]["files"]]
    total = sum(p.stat().st_size for p in on_disk)
    assert any(p.name == "transformers.min.js" for p in on_disk)
    page.goto(server.base)
    page.evaluate(f"""() => {{
        window.__bar = [];
        const w = document.querySelector('{WIDGET}');
        const bar = w.querySelector('progress'), text = w.querySelector('.fs-widget__bar-text');
        new MutationObserver(() => window.__bar.push([bar.value, bar.max, text.textContent]))
            .observe(w.querySelector('.fs-widget__progress'), {{subtree: true, attributes: true, childList: true, characterData: true}});
    }}""")
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(f"document.querySelector('{WIDGET} output').dataset.value !== undefined")
    seen = page.evaluate("window.__bar")
    assert seen, "the progress bar never moved"
    assert all(m == total for _, m, _ in seen[1:]), {m for _, m, _ in seen}
    value, maximum, text = seen[-1]
    assert value == maximum == total  # the bar reached its end: nothing was left uncounted
    mb = f"{total / 1e6:.1f} MB"
    assert text == f"Loading the model: {mb} of {mb}"
    assert any(re.fullmatch(rf"Loading the model: \d+(\.\d)? (MB|kB|B) of {re.escape(mb)}", t) and t != text
               for _, _, t in seen), "no intermediate 'x of total' text"
    assert page.locator(f"{WIDGET} .fs-widget__progress.is-active").count() == 0  # hidden once ready
    assert server.fetched("transformers.min.js")


def test_a_cached_copy_is_used_only_if_it_was_verified(page, server: Server) -> None:  # noqa: ANN001
    """Cache Storage entries the worker did not verify itself (no checksum mark, or another one) are refetched."""
    page.goto(server.base)
    page.evaluate("""async () => {
        const cache = await caches.open('fromscratch-runtime-v1');
        const url = new URL('assets/models/all-MiniLM-L6-v2/onnx/model_quantized.onnx', location.href).href;
        await cache.put(url, new Response('not a model, never verified'));
        const lib = (await (await fetch('assets/runtime/runtime.json')).json()).library;
        await cache.put(new URL(lib, location.href).href,
                        new Response('throw new Error("stale")', {headers: {'x-fromscratch-sha256': '0'.repeat(64)}}));
    }""")
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(f"document.querySelector('{WIDGET} output').dataset.value !== undefined")
    assert server.fetched("model_quantized.onnx") and server.fetched("transformers.min.js")
    marked = page.evaluate("""async () => {
        const cache = await caches.open('fromscratch-runtime-v1');
        const hit = await cache.match(new URL('assets/models/all-MiniLM-L6-v2/onnx/model_quantized.onnx', location.href).href);
        return [hit.headers.get('x-fromscratch-sha256'), (await hit.arrayBuffer()).byteLength];
    }""")
    assert marked[1] > 20_000_000 and len(marked[0]) == 64
