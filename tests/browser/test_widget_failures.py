"""Failure paths the runtime issue names (WASM unsupported, worker crash) and an honest progress bar.

Each failure must show plain words in the widget (role=alert), a "Try again" button,
leave nothing spinning, and recover on retry once the fault is gone.
"""

from __future__ import annotations

import json
import re

import pytest

from browser.conftest import Server

pytestmark = [pytest.mark.browser, pytest.mark.no_service_worker]  # they rewrite responses with page.route

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


def _runtime(site) -> dict:  # noqa: ANN001
    return json.loads((site / "assets/runtime/runtime.json").read_text())


def _worker_files(runtime: dict) -> list[str]:
    """Names of the files the embedding worker downloads: library, WASM, model."""
    emb = runtime["embedding"]
    return [emb["library"], *emb["wasm"].values(), *emb["model"]["files"].values()]


def test_progress_counts_every_file_and_reaches_the_total(page, server: Server, widget_site) -> None:  # noqa: ANN001
    runtime = _runtime(widget_site.site)
    on_disk = [widget_site.site / runtime["files"][name]["url"] for name in _worker_files(runtime)]
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


CACHE = "'fromscratch-runtime:' + new URL('.', location.href).pathname"
LOADED = f"document.querySelector('{WIDGET} output').dataset.value !== undefined"


def test_a_cached_copy_is_used_only_if_it_was_verified(page, server: Server) -> None:  # noqa: ANN001
    """Cache Storage entries without the checksum mark they should carry are refetched."""
    page.goto(server.base)
    page.evaluate(f"""async () => {{
        const rt = await (await fetch('assets/runtime/runtime.json')).json();
        const cache = await caches.open({CACHE});
        const onnx = rt.embedding.model.files[rt.embedding.model.onnx];
        await cache.put(new URL(rt.files[onnx].url, location.href).href, new Response('not a model, never verified'));
        await cache.put(new URL(rt.files[rt.embedding.library].url, location.href).href,
                        new Response('throw new Error("stale")', {{headers: {{'x-fromscratch-sha256': '0'.repeat(64)}}}}));
    }}""")
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(LOADED)
    assert server.fetched("model_quantized.onnx") and server.fetched("transformers.min.js")
    marked = page.evaluate(f"""async () => {{
        const rt = await (await fetch('assets/runtime/runtime.json')).json();
        const onnx = rt.files[rt.embedding.model.files[rt.embedding.model.onnx]];
        const hit = await (await caches.open({CACHE})).match(new URL(onnx.url, location.href).href);
        return [hit.headers.get('x-fromscratch-sha256') === onnx.sha256, (await hit.arrayBuffer()).byteLength];
    }}""")
    assert marked[0] and marked[1] > 20_000_000


def test_a_tampered_cached_code_file_is_fetched_again(page, server: Server) -> None:  # noqa: ANN001
    """A code file rewritten in Cache Storage, even with the right checksum mark, is never run."""
    page.goto(server.base)
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(LOADED)
    page.evaluate(f"""async () => {{
        const rt = await (await fetch('assets/runtime/runtime.json')).json();
        const lib = rt.files[rt.embedding.library];
        await (await caches.open({CACHE})).put(new URL(lib.url, location.href).href,
            new Response('self.__tampered = 1; throw new Error("tampered")',
                         {{headers: {{'x-fromscratch-sha256': lib.sha256, 'content-type': 'text/javascript'}}}}));
    }}""")
    page.reload()
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(LOADED)
    assert page.locator(f"{WIDGET} .fs-widget__error").is_hidden()
    restored = page.evaluate(f"""async () => {{
        const rt = await (await fetch('assets/runtime/runtime.json')).json();
        const lib = rt.files[rt.embedding.library];
        const hit = await (await caches.open({CACHE})).match(new URL(lib.url, location.href).href);
        const digest = await crypto.subtle.digest('SHA-256', await hit.arrayBuffer());
        return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('') === lib.sha256;
    }}""")
    assert restored  # the tampered copy was replaced by the real file


def test_cache_entries_of_older_builds_are_purged(page, server: Server) -> None:  # noqa: ANN001
    """Only files the current runtime.json lists stay in this site's cache; other sites' caches are untouched."""
    page.goto(server.base)
    page.evaluate(f"""async () => {{
        const cache = await caches.open({CACHE});
        await cache.put(new URL('assets/models/all-MiniLM-L6-v2/0000000000000000/model_quantized.onnx', location.href).href,
                        new Response('an older model'));
        await (await caches.open('fromscratch-runtime-v1')).put(
            new URL('assets/runtime/transformers-4.0.0/transformers.min.js', location.href).href, new Response('old'));
        await (await caches.open('fromscratch-runtime:/another-site/')).put(
            new URL('/another-site/assets/x.wasm', location.href).href, new Response('theirs'));
    }}""")
    page.click(f"{WIDGET} button.fs-widget__run")
    page.wait_for_function(LOADED)
    left = page.evaluate(f"""async () => {{
        const rt = await (await fetch('assets/runtime/runtime.json')).json();
        const listed = new Set(Object.values(rt.files).map((f) => new URL(f.url, location.href).href));
        const ours = (await (await caches.open({CACHE})).keys()).map((r) => r.url);
        return {{unlisted: ours.filter((u) => !listed.has(u)), count: ours.length,
                 legacy: await caches.has('fromscratch-runtime-v1'),
                 theirs: (await (await caches.open('fromscratch-runtime:/another-site/')).keys()).length}};
    }}""")
    assert left["unlisted"] == [] and left["count"] >= 7
    assert not left["legacy"]
    assert left["theirs"] == 1


def _patch_runtime(page, change: str) -> None:  # noqa: ANN001
    """Serve runtime.json with `change` (a JS statement on `rt`) applied."""

    def handle(route) -> None:  # noqa: ANN001
        real = route.fetch()
        body = page.evaluate(f"(text) => {{ const rt = JSON.parse(text); {change}; return JSON.stringify(rt); }}",
                             real.text())
        route.fulfill(status=200, body=body, headers={"content-type": "application/json"})

    page.route("**/runtime.json", handle)


def test_a_stalled_download_ends_in_an_error_with_retry(page, server: Server) -> None:  # noqa: ANN001
    """A server that sends headers and then nothing: the bar stops with a readable error, and retry works."""
    _patch_runtime(page, "rt.idle_timeout_ms = 2000")
    server.stall.add(".wasm")  # whichever ONNX Runtime build the site stages
    page.goto(server.base)
    page.click(f"{WIDGET} button.fs-widget__run")
    error = page.locator(f"{WIDGET} .fs-widget__error")
    error.wait_for(state="visible", timeout=30_000)
    assert error.get_attribute("data-kind") == "stalled"
    assert "ort-wasm-simd-threaded" in error.inner_text() and "stopped" in error.inner_text()
    assert page.locator(f"{WIDGET} .fs-widget__progress.is-active").count() == 0
    server.stall.clear()
    server.release.set()
    retry_recovers(page, error)


def test_corpus_from_another_model_is_refused(page, server: Server) -> None:  # noqa: ANN001
    """A corpus whose vectors another model made would rank silently wrong: a clear error instead."""
    _patch_runtime(page, "rt.files[rt.embedding.model.files[rt.embedding.model.onnx]].sha256 = 'f'.repeat(64)")
    page.goto(server.base)
    error = page.locator("semantic-search .fs-widget__error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-kind") == "mismatch"
    assert "different model" in error.inner_text()
    assert page.locator("semantic-search li.fs-result[data-score]").count() == 0


def test_settings_naming_an_unlisted_file_fail_instead_of_hanging(page, server: Server) -> None:  # noqa: ANN001
    """Anything wrong in runtime.json ends in the widget's error and retry, never an endless bar."""
    _patch_runtime(page, "delete rt.files[rt.embedding.wasm.wasm]")
    page.goto(server.base)
    page.click(f"{WIDGET} button.fs-widget__run")
    error = page.locator(f"{WIDGET} .fs-widget__error")
    error.wait_for(state="visible", timeout=30_000)
    assert error.get_attribute("data-kind") == "config"
    assert "ort-wasm-simd-threaded.wasm" in error.inner_text()
    page.unroute("**/runtime.json")
    retry_recovers(page, error)
