"""The widgets against the built site, in headless Chromium, with the real model."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from fromscratch.runtime.embed import Embedder

from browser.conftest import map_distance
from browser.site_walk import Walk

pytestmark = pytest.mark.browser

MODEL_DIR = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2"


def use(page, selector: str) -> None:  # noqa: ANN001
    page.click(f"{selector} button.fs-widget__run")


def semantic_results(page):  # noqa: ANN001, ANN201
    page.wait_for_selector("semantic-search [data-ranking=semantic] li.fs-result[data-score]")
    return page.get_by_role("list", name=re.compile("Semantic"))


def test_semantic_search_finds_cats_without_shared_words(page, server) -> None:  # noqa: ANN001
    page.goto(server.base)
    page.fill("semantic-search input", "feline pets")
    use(page, "semantic-search")
    semantic = semantic_results(page)
    first = semantic.locator("li").first
    assert first.get_attribute("data-topic") == "cats"
    assert float(first.get_attribute("data-score")) > 0.3
    keyword = page.get_by_role("list", name=re.compile("Keyword"))
    assert keyword.locator("li.fs-result[data-score]").count() == 0  # nothing useful
    # words shared with the query are highlighted
    page.fill("semantic-search input", "my cat")
    use(page, "semantic-search")
    page.wait_for_selector("semantic-search [data-ranking=keyword] li mark")
    assert page.locator("semantic-search [data-ranking=keyword] li").first.locator("mark").first.inner_text().lower() == "cat"
    assert page.errors == []


def test_widgets_work_in_an_isolated_page(browser, server) -> None:  # noqa: ANN001
    """The service worker that makes pages cross-origin isolated for the language model sits in
    front of every request of the site: the embedding model must still load through it, from
    this origin only, and rank as before."""
    ctx = browser.new_context(service_workers="allow")
    ctx.set_default_timeout(60_000)
    offsite: list[str] = []
    ctx.on("request", lambda r: offsite.append(r.url) if not r.url.startswith((server.origin, "blob:", "data:")) else None)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.base + "plain/")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    page.goto(server.base)
    assert page.evaluate("self.crossOriginIsolated") is True
    page.fill("semantic-search input", "feline pets")
    use(page, "semantic-search")
    first = semantic_results(page).locator("li").first
    assert first.get_attribute("data-topic") == "cats"
    ctx.close()
    assert errors == [] and offsite == []


def test_similarity_playground(page, server) -> None:  # noqa: ANN001
    page.goto(server.base)
    page.fill("similarity-playground input >> nth=0", "A cat is sleeping on the sofa.")
    page.fill("similarity-playground input >> nth=1", "A kitten naps on the couch.")
    use(page, "similarity-playground")
    value = page.locator("similarity-playground output.fs-similarity__value")
    page.wait_for_function("document.querySelector('similarity-playground output').dataset.value !== undefined")
    close = float(value.get_attribute("data-value"))
    assert re.fullmatch(r"-?\d\.\d\d", value.inner_text())
    page.fill("similarity-playground input >> nth=1", "Interest rates rose again this quarter.")
    use(page, "similarity-playground")
    page.wait_for_function(f"document.querySelector('similarity-playground output').dataset.value !== '{close}'")
    far = float(value.get_attribute("data-value"))
    assert close > 0.6 > 0.2 > far
    assert page.locator("similarity-playground canvas.fs-strip").count() == 2


def test_embedding_map_places_queen_near_king(page, server) -> None:  # noqa: ANN001
    page.goto(server.base)
    page.wait_for_selector("embedding-map g[data-label=king]")

    def dist(a: str, b: str) -> float:
        return map_distance(page.locator("embedding-map"), a, b)

    assert dist("king", "queen") * 3 < dist("king", "banana")
    page.fill("embedding-map input", "emperor")
    use(page, "embedding-map")
    page.wait_for_selector("embedding-map g.fs-map__point--added[data-label=emperor]")
    assert dist("emperor", "king") < dist("emperor", "banana")
    assert "king" in page.locator("embedding-map .fs-widget__summary").inner_text()


def test_browser_and_python_embeddings_agree(page, server) -> None:  # noqa: ANN001
    sentences = ["feline pets", "A cat is sleeping on the sofa.", "Share prices fell sharply today.",
                 "Embeddings turn text into vectors of numbers."]
    page.goto(server.base)
    vectors = page.evaluate(
        """async (texts) => {
            const rt = await import(new URL('assets/javascripts/widgets/runtime.js', location.href));
            return (await rt.embed(texts)).map((v) => Array.from(v));
        }""",
        sentences,
    )
    native = Embedder(MODEL_DIR).embed(sentences)
    for browser_vec, py_vec in zip(vectors, native, strict=True):
        b = [float(x) for x in browser_vec]
        cos = sum(x * y for x, y in zip(b, py_vec, strict=True)) / (
            sum(x * x for x in b) ** 0.5 * float((py_vec @ py_vec) ** 0.5)
        )
        assert cos >= 0.999


def test_nothing_heavy_before_first_use_and_none_on_plain_pages(page, server) -> None:  # noqa: ANN001
    page.goto(server.base + "plain/")
    page.wait_for_load_state("networkidle")
    assert not server.fetched("/widgets/")
    page.goto(server.base)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert server.heavy() == []
    page.focus("semantic-search input")  # first use: focus starts loading
    page.wait_for_function("document.querySelector('semantic-search .fs-widget__progress.is-active') !== null")
    page.wait_for_function("document.querySelector('semantic-search .fs-widget__progress.is-active') === null")
    assert server.fetched("model_quantized.onnx")


def test_second_visit_fetches_no_model_bytes(context, server) -> None:  # noqa: ANN001
    page = context.new_page()
    page.goto(server.base)
    use(page, "semantic-search")
    semantic_results(page)
    assert server.fetched("model_quantized.onnx") and server.fetched(".wasm")
    before = len(server.log)
    page.goto(server.base + "plain/")
    page.goto(server.base)
    use(page, "semantic-search")
    semantic_results(page)
    later = [p for p, s in server.log[before:] if s == 200]
    assert not [p for p in later if "/assets/models/" in p or p.endswith(".wasm")], later


def test_missing_model_file_shows_error_and_retry(page, server) -> None:  # noqa: ANN001
    server.missing.add("/model_quantized.onnx")
    page.goto(server.base)
    use(page, "similarity-playground")
    error = page.locator("similarity-playground .fs-widget__error")
    error.wait_for(state="visible")
    assert error.get_attribute("role") == "alert"
    assert error.get_attribute("data-kind") == "missing"
    assert "model_quantized.onnx" in error.inner_text()
    server.missing.clear()
    error.get_by_role("button", name="Try again").click()
    page.wait_for_function("document.querySelector('similarity-playground output').dataset.value !== undefined")
    assert error.is_hidden()


@pytest.mark.no_service_worker
def test_corrupt_model_file_is_rejected(page, server) -> None:  # noqa: ANN001
    page.route("**/model_quantized.onnx", lambda route: route.fulfill(status=200, body=b"not a model" * 100))
    page.goto(server.base)
    use(page, "similarity-playground")
    error = page.locator("similarity-playground .fs-widget__error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-kind") == "corrupt"


def test_missing_corpus_shows_error(page, server) -> None:  # noqa: ANN001
    server.missing.add("/pets.json")
    page.goto(server.base)
    error = page.locator("semantic-search .fs-widget__error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-kind") == "corpus"
    assert error.get_by_role("button", name="Try again").is_visible()


def test_typed_html_is_text_and_never_runs(page, server) -> None:  # noqa: ANN001
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    page.goto(server.base)
    page.fill("semantic-search input", payload)
    use(page, "semantic-search")
    semantic_results(page)
    page.wait_for_function("document.querySelector('semantic-search .fs-widget__summary').textContent.includes('Results')")
    assert payload in page.locator("semantic-search .fs-widget__summary").inner_text()
    page.fill("embedding-map input", payload)
    use(page, "embedding-map")
    page.wait_for_selector("embedding-map g.fs-map__point--added")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("semantic-search img, embedding-map img, semantic-search script").count() == 0


def _focus_is_visible(page) -> bool:  # noqa: ANN001
    """The focused element matches :focus-visible and draws a real outline."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
    }""")


def _tab_to(page, selector: str, limit: int = 120) -> int:  # noqa: ANN001
    """Press Tab until `selector` has focus, checking every stop on the way shows its focus."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} was not reached with {limit} Tab presses")


def test_keyboard_only(page, server) -> None:  # noqa: ANN001
    """From the page's first focus to an announced result with Tab, typing and keys; no pointer at all."""
    page.goto(server.base)
    page.evaluate("""() => {
        window.__pointer = 0;
        for (const t of ['pointerdown', 'mousedown', 'click'])
            document.addEventListener(t, (e) => { if (e.isTrusted && e.detail !== 0) window.__pointer += 1; }, true);
    }""")
    # the search box is reached from the top of the page by Tab alone, and shows that it has focus
    _tab_to(page, "semantic-search input")
    assert _focus_is_visible(page)
    assert page.evaluate("document.activeElement.labels[0].textContent") == "Search the documents"
    page.keyboard.press("Control+A")
    page.keyboard.type("feline pets")
    page.keyboard.press("Enter")  # submits the form: first use loads the model, then searches
    live = page.locator("semantic-search [aria-live]")
    assert live.count() == 1
    page.wait_for_function(
        "document.querySelector('semantic-search [aria-live]').textContent.includes('Results for “feline pets”')")
    assert live.locator("[data-ranking=semantic] li.fs-result").first.get_attribute("data-topic") == "cats"
    # the Search button is the next stop, visibly focused, and Space runs it again
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('semantic-search button.fs-widget__run')")
    assert _focus_is_visible(page)
    page.evaluate("document.querySelector('semantic-search .fs-widget__summary').textContent = ''")
    page.keyboard.press("Space")
    page.wait_for_function(
        "document.querySelector('semantic-search [aria-live]').textContent.includes('Results for “feline pets”')")
    # the playground: Tab backwards onto its second box, type a sentence, Enter announces the score
    page.keyboard.press("Shift+Tab")
    presses = 0
    while not page.evaluate("document.activeElement.matches('similarity-playground input')") and presses < 40:
        page.keyboard.press("Shift+Tab")
        presses += 1
    assert _focus_is_visible(page)
    page.keyboard.press("Control+A")
    page.keyboard.type("Interest rates rose again this quarter.")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('similarity-playground [aria-live] output').dataset.value !== undefined")
    announced = page.locator("similarity-playground [aria-live]").inner_text()
    assert re.search(r"-?\d\.\d\d", announced)
    assert page.evaluate("window.__pointer") == 0
    assert page.errors == []


def test_no_request_leaves_the_origin(site_walk: Walk) -> None:
    """Every page of the whole site (the shared walk), and on each page with a model widget the
    widget run until it answers: nothing is requested from another host."""
    assert site_walk.offsite == []
    ran = {visit.path: visit.ran for visit in site_walk.visits if visit.ran}
    assert len(ran) >= 3, ran
    assert {visit.path: visit.run_error for visit in site_walk.visits if visit.run_error} == {}


def test_embedding_map_labels_stay_inside_the_map(page, server) -> None:  # noqa: ANN001
    page.goto(server.base)
    page.wait_for_selector("embedding-map g[data-label=king]")
    page.fill("embedding-map input", "a rather long sentence about royal families")
    use(page, "embedding-map")
    page.wait_for_selector("embedding-map g.fs-map__point--added")
    outside = page.evaluate(
        """() => {
            const svg = document.querySelector('embedding-map svg');
            const width = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')]
              .map((t) => ({ label: t.textContent, box: t.getBBox() }))
              .filter(({ box }) => box.x < 0 || box.x + box.width > width)
              .map(({ label }) => label);
        }"""
    )
    assert outside == []
