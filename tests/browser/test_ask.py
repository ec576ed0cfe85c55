""""Ask this site" (<ask-site>) in Chromium with the real models, on the small test site
(tests/ask_site.py): the build-time examples without any download, the browser's ranking and
prompt equal to the build's, links that lead to real sections under a sub-path, a declined
question, the keyboard and axe, and one answer streamed by SmolLM2 with citations that link to
the sections used. The site's own query set runs against the whole site in test_ask_site_queries.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from ask_site import ANSWERED, DECLINED

from browser.axe_check import SCHEMES, answer_by_keyboard, run_axe, set_scheme
from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

W = "ask-site"
LABEL = "Your question about what this site teaches"
LONG = 240_000  # ms: loading or running a model on a busy 2-core machine
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def ask_server(ask_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(ask_site.site, tmp_path_factory.mktemp("ask-www"))


@pytest.fixture(scope="module")
def session(browser, ask_server: Server):  # noqa: ANN001, ANN201
    offsite: list[str] = []
    ctx = browser.new_context(service_workers="block")  # as tests/browser/test_rag_qa.py: no isolation reload
    ctx.set_default_timeout(LONG)
    ctx.on("request", lambda r: offsite.append(r.url) if not r.url.startswith((ask_server.origin, "blob:", "data:")) else None)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: None if "coi-serviceworker" in (exc.stack or "") else errors.append(exc.stack))
    page.goto(ask_server.base + "ask/")
    page.locator(f"{W}[data-state]").wait_for()
    yield {"page": page, "offsite": offsite, "errors": errors, "server": ask_server}
    assert not offsite, f"requests left the site: {offsite}"
    ctx.close()


def ask(page, question: str) -> list[dict]:  # noqa: ANN001
    """Type a question and press Ask: the sections shown, best first."""
    widget = page.locator(W)
    widget.get_by_label(LABEL).fill(question)
    widget.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_function(
        "(q) => { const w = document.querySelector('ask-site');"
        " return (w.dataset.question === q && w.dataset.state === 'done') || w.dataset.state === 'error'; }",
        arg=question, timeout=LONG)
    assert widget.get_attribute("data-state") == "done", widget.locator(".fs-widget__error").inner_text()
    return sections(page)


def sections(page) -> list[dict]:  # noqa: ANN001
    return page.locator(f"{W} .fs-rag__results > li").evaluate_all(
        "items => items.map(li => ({doc: li.dataset.doc, section: li.dataset.section,"
        " score: parseFloat(li.dataset.score), href: li.querySelector('a[href]').href}))")


def assert_leads_to_a_section(page, server: Server, href: str) -> None:  # noqa: ANN001
    """The link stays under the site's sub-path and its #anchor is an id of the page it opens."""
    assert href.startswith(server.base), href
    url, _, anchor = href.partition("#")
    html = page.request.get(url).text()
    assert not anchor or f'id="{anchor}"' in html, href


def test_examples_show_without_any_model_and_link_to_sections(session) -> None:  # noqa: ANN001
    page, server = session["page"], session["server"]
    widget = page.locator(W)
    assert widget.get_attribute("data-state") == "idle"
    buttons = widget.locator("button.fs-rag__example")
    assert buttons.count() == 2
    buttons.filter(has_text=ANSWERED).click()
    assert widget.get_attribute("data-state") == "done" and widget.get_attribute("data-found") == "true"
    found = sections(page)
    assert ("vectors/", "cosine-similarity") in [(s["doc"], s["section"]) for s in found[:2]]
    for item in found:
        assert_leads_to_a_section(page, server, item["href"])
    assert widget.locator(".fs-rag__answer").inner_text().startswith("According to source [")
    cites = widget.locator(".fs-rag__citations > li[data-in-prompt='true'] a[href]")
    assert cites.count() >= 1
    for href in cites.evaluate_all("l => l.map(a => a.href)"):
        assert_leads_to_a_section(page, server, href)
    buttons.filter(has_text=DECLINED).click()
    assert widget.get_attribute("data-found") == "false"
    assert widget.locator(".fs-rag__verdict").inner_text() == "Not found on this site."
    assert not [p for p, _ in server.log if any(h in p for h in (GGUF, "wllama", "model_quantized.onnx"))]


def test_browser_ranking_and_prompt_equal_the_build_time_ones(session) -> None:  # noqa: ANN001
    """The browser (ask-site.js, rag-qa.js) and the build (ask/, rag/pipeline.py) read one set of
    settings from runtime.json: the same sections in the same order, the same prompt."""
    page = session["page"]
    static = page.evaluate(
        "() => { const w = document.querySelector('ask-site');"
        " w.querySelector(`button.fs-rag__example[data-example='ask-1']`).click();"
        " return {docs: [...w.querySelectorAll('.fs-rag__results > li')].map(li => li.dataset.location),"
        " prompt: w.querySelector('.fs-rag__prompt').textContent}; }")
    ask(page, ANSWERED)
    live = page.locator(f"{W} .fs-rag__results > li").evaluate_all("l => l.map(li => li.dataset.location)")
    assert live == static["docs"]
    assert page.locator(f"{W} .fs-rag__prompt").text_content() == static["prompt"]


def test_a_question_the_pages_answer_finds_its_page(session) -> None:  # noqa: ANN001
    """New phrasings, not the pages' words: the page that answers is in the top five."""
    page = session["page"]
    for question, doc in [("Why can't my search find documents that say automobile when I type car?", "search/"),
                          ("How does a junk-mail filter get trained?", "spam/")]:
        found = ask(page, question)
        assert doc in [s["doc"] for s in found[:5]], (question, found)
        assert page.locator(W).get_attribute("data-found") == "true"


def test_declines_an_off_topic_question(session) -> None:  # noqa: ANN001
    page = session["page"]
    widget = page.locator(W)
    found = ask(page, "Which football club has won the most titles in Spain?")
    assert widget.get_attribute("data-found") == "false"
    assert widget.locator(".fs-rag__verdict").inner_text() == "Not found on this site."
    assert found, "the closest sections are still listed"
    assert widget.locator(".fs-rag__answer").is_hidden()


def test_keyboard_alone_and_no_serious_axe_findings(browser, ask_server: Server, axe_source: str) -> None:  # noqa: ANN001
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce", service_workers="block",
                              bypass_csp=True)  # axe is injected inline; the CSP is tested in test_csp.py
    ctx.set_default_timeout(LONG)
    try:
        page = ctx.new_page()
        page.goto(ask_server.base + "ask/")
        widget = page.locator(f"{W}[data-state]")
        widget.wait_for()
        for scheme in SCHEMES:
            set_scheme(page, scheme)
            assert run_axe(page, axe_source, W) == [], f"idle, {scheme}"
        answer_by_keyboard(page, widget, axe_source, W, LABEL, "How do I measure the angle between two arrows?", tabs=8)
    finally:
        ctx.close()


def test_streams_an_answer_whose_citations_link_to_the_sections_used(session) -> None:  # noqa: ANN001
    page, server = session["page"], session["server"]
    widget = page.locator(W)
    ask(page, ANSWERED)  # retrieved; the model is not loaded yet
    prompt = widget.locator(".fs-rag__prompt").text_content()
    widget.get_by_role("button", name=re.compile(r"^Load the language model \(\d+ MB\)$")).click()
    page.wait_for_function(
        "() => { const w = document.querySelector('ask-site'); const a = w.querySelector('.fs-rag__answer');"
        " return (w.dataset.state === 'running' && a.textContent.length > 'According to source ['.length)"
        " || ['done', 'error'].includes(w.dataset.state) && w.dataset.tokens; }", timeout=LONG)
    partial = widget.locator(".fs-rag__answer").text_content()
    page.wait_for_function("() => ['done', 'error'].includes(document.querySelector('ask-site').dataset.state)", timeout=LONG)
    assert widget.get_attribute("data-state") == "done", widget.locator(".fs-widget__error").inner_text()
    answer = widget.locator(".fs-rag__answer").text_content()
    assert answer.startswith("According to source [") and answer.startswith(partial) and len(answer) >= len(partial)
    used = set(re.findall(r"^Source \[(\d+)\] ", prompt, re.MULTILINE))  # each source starts a line with its number
    cites = widget.locator(".fs-rag__citations > li[data-cite]").evaluate_all(
        "l => l.map(li => ({cite: li.dataset.cite, inPrompt: li.dataset.inPrompt,"
        " href: li.querySelector('a[href]') && li.querySelector('a[href]').href}))")
    assert cites and cites[0]["cite"], f"no citation in {answer!r}"
    listed = sections(page)
    for c in cites:  # a number in the prompt links to the section listed under that number
        assert (c["inPrompt"] == "true") == (c["cite"] in used), (c, used)
        if c["inPrompt"] == "true":
            assert c["href"] == listed[int(c["cite"]) - 1]["href"]
            assert_leads_to_a_section(page, server, c["href"])
    assert not session["errors"], session["errors"]
