"""<rag-qa> in Chromium with the real models: MiniLM for retrieval, SmolLM2 for the one answer.

One small site (tests/rag_site.py) and one browser context for the module: the embedding model
and the passages load once, the language model once (the last test). Gold questions come from
Chapter 1's gold set; the held-out questions (tests/data/rag_heldout.jsonl) were written
separately, in other words, to check that ranking generalises beyond the gold set's wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from conftest import ROOT

from browser.axe_check import SCHEMES, answer_by_keyboard, run_axe, set_scheme
from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

W = "rag-qa"
LONG = 240_000  # ms: loading or running a model on a busy 2-core machine
MODE_LABEL = {"hybrid": "Both, fused (hybrid)", "semantic": "Meaning (MiniLM)", "keyword": "Keywords (BM25)"}
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

# Gold questions of several licenses, named and unnamed, that the hybrid ranking answers when
# this site is built (rag/stage.py measures every gold question; see the page's record line).
GOLD_IDS = ["g01", "g22", "g35", "g40", "g51", "g55"]
# Measured in Chromium for the held-out set (hybrid): 6 of 10 in the top 5 (benchmarks/rag_qa.py);
# the bound leaves room for one more miss (the browser and Python embed with different runtimes).
HELDOUT_MIN_HITS = 5


def gold() -> dict[str, dict]:
    lines = (ROOT / "docs/data/rag/gold.jsonl").read_text(encoding="utf-8").splitlines()
    return {q["id"]: q for q in map(json.loads, lines)}


def heldout() -> list[dict]:
    lines = (ROOT / "tests/data/rag_heldout.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def rag_server(rag_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(rag_site.site, tmp_path_factory.mktemp("rag-www"))


@pytest.fixture(scope="module")
def session(browser, rag_server: Server):  # noqa: ANN001, ANN201
    offsite: list[str] = []
    # The site's service worker (cross-origin isolation, two model threads; tested with
    # <text-generator>) is kept out: its one-time reload would race with what the tests type.
    ctx = browser.new_context(service_workers="block")
    ctx.set_default_timeout(LONG)
    ctx.on("request", lambda r: offsite.append(r.url) if not r.url.startswith((rag_server.origin, "blob:", "data:")) else None)
    page = ctx.new_page()
    errors: list[str] = []
    # coi-serviceworker finds no navigator.serviceWorker in a context that blocks workers: not ours
    page.on("pageerror", lambda exc: None if "coi-serviceworker" in (exc.stack or "") else errors.append(exc.stack))
    page.goto(rag_server.base)
    page.locator(f"{W}[data-state]").wait_for()
    yield {"page": page, "offsite": offsite, "errors": errors, "server": rag_server}
    assert not offsite, f"requests left the site: {offsite}"
    ctx.close()


def ask(page, question: str, mode: str = "hybrid") -> list[dict]:  # noqa: ANN001
    """Type a question, pick the ranking, press Ask: the passages shown, best first."""
    widget = page.locator(W)
    widget.get_by_label("Your question about a software license").fill(question)
    widget.get_by_label(MODE_LABEL[mode]).check()
    widget.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_function(
        "([q, m]) => { const w = document.querySelector('rag-qa');"
        " return (w.dataset.question === q && w.dataset.ranking === m && w.dataset.state === 'done')"
        " || w.dataset.state === 'error'; }",
        arg=[question, mode], timeout=LONG)
    assert widget.get_attribute("data-state") == "done", widget.locator(".fs-widget__error").inner_text()
    return widget.locator(".fs-rag__results > li").evaluate_all(
        "items => items.map(li => ({doc: li.dataset.doc, section: li.dataset.section,"
        " score: parseFloat(li.dataset.score), id: li.dataset.id}))")


def hit(passages: list[dict], question: dict) -> bool:
    return any((p["doc"], p["section"]) == (a["license"], a["section"]) for p in passages for a in question["answers"])


def test_starts_idle_and_shows_build_time_examples_without_any_model(session) -> None:  # noqa: ANN001
    page, server = session["page"], session["server"]
    widget = page.locator(W)
    assert widget.get_attribute("data-state") == "idle"
    buttons = widget.locator("button.fs-rag__example")
    assert buttons.count() == 2  # tests/rag_site.py keeps two of the site's examples
    buttons.filter(has_text=gold()["g41"]["question"]).click()
    assert widget.get_attribute("data-state") == "done"
    assert widget.get_attribute("data-found") == "true"
    assert widget.get_by_label("Your question about a software license").input_value() == gold()["g41"]["question"]
    docs = widget.locator(".fs-rag__results > li[data-doc][data-section][data-score]")
    assert docs.count() == 5 and docs.first.get_attribute("data-doc") == "MIT"
    answer = widget.locator(".fs-rag__answer").inner_text()
    assert answer.startswith("According to [") and len(answer) > 30
    assert "when this page was built" in widget.locator(".fs-rag__caption").inner_text()
    assert "<|im_start|>" in widget.locator(".fs-rag__prompt").text_content()
    declined = gold()["g61"]["question"]
    buttons.filter(has_text=declined).click()
    assert widget.get_attribute("data-found") == "false"
    assert "Not found in these documents" in widget.locator(".fs-rag__verdict").inner_text()
    # nothing of either model was fetched for the examples
    assert not [p for p, _ in server.log if any(h in p for h in (GGUF, "wllama", "model_quantized.onnx"))]


def test_browser_ranking_and_prompt_equal_the_build_time_ones(session) -> None:  # noqa: ANN001
    """The page's JavaScript and the build's Python read one pipeline.json: same passages, same prompt."""
    page = session["page"]
    widget = page.locator(W)
    question = gold()["g41"]["question"]
    static = page.evaluate(
        "(q) => { const w = document.querySelector('rag-qa');"
        " w.querySelector(`button.fs-rag__example[data-example='g41']`).click();"
        " return {ids: [...w.querySelectorAll('.fs-rag__results > li')].map(li => li.dataset.id),"
        " prompt: w.querySelector('.fs-rag__prompt').textContent}; }", question)
    live = ask(page, question, "hybrid")
    assert [p["id"] for p in live] == static["ids"]
    assert widget.locator(".fs-rag__prompt").text_content() == static["prompt"]


def test_retrieves_the_gold_license_for_gold_questions(session) -> None:  # noqa: ANN001
    questions = gold()
    for qid in GOLD_IDS:
        passages = ask(session["page"], questions[qid]["question"], "hybrid")
        licenses = {a["license"] for a in questions[qid]["answers"]}
        assert licenses & {p["doc"] for p in passages}, (qid, passages)
        assert session["page"].locator(W).get_attribute("data-found") == "true", qid


def test_declines_an_unanswerable_question(session) -> None:  # noqa: ANN001
    page = session["page"]
    widget = page.locator(W)
    passages = ask(page, gold()["g61"]["question"], "hybrid")
    assert widget.get_attribute("data-found") == "false"
    assert "Not found in these documents" in widget.locator(".fs-rag__verdict").inner_text()
    assert float(widget.get_attribute("data-best")) < 0.40
    assert passages, "the closest passages are still listed"
    assert widget.locator(".fs-rag__answer").is_hidden()


def test_each_ranking_orders_its_own_scores(session) -> None:  # noqa: ANN001
    question = "What must modified files carry under the GPL version 2?"
    by_mode = {mode: ask(session["page"], question, mode) for mode in MODE_LABEL}
    for mode, passages in by_mode.items():
        scores = [p["score"] for p in passages]
        assert len(passages) == 5 and scores == sorted(scores, reverse=True), mode
    assert by_mode["keyword"][0]["score"] > 1  # BM25 sums idf-weighted terms
    assert by_mode["semantic"][0]["score"] <= 1  # cosine similarity
    assert by_mode["hybrid"][0]["score"] <= 2 / 61  # reciprocal rank fusion of two rankings, k = 60


def test_generalises_to_held_out_phrasings(session) -> None:  # noqa: ANN001
    questions = heldout()
    hits = [q["id"] for q in questions if hit(ask(session["page"], q["question"], "hybrid"), q)]
    assert len(questions) == 10
    assert len(hits) >= HELDOUT_MIN_HITS, f"hybrid hit@5 on held-out questions: {hits}"


def test_keyboard_alone_and_no_serious_axe_findings(browser, rag_server: Server, axe_source: str) -> None:  # noqa: ANN001
    """Type, Enter, Tab to an example, Enter: every step by keyboard; axe idle and answered, light and dark."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce", service_workers="block",
                              bypass_csp=True)  # axe is injected inline; the CSP is tested in test_csp.py
    ctx.set_default_timeout(LONG)
    try:
        page = ctx.new_page()
        page.goto(rag_server.base)
        widget = page.locator(f"{W}[data-state]")
        widget.wait_for()
        for scheme in SCHEMES:
            set_scheme(page, scheme)
            assert run_axe(page, axe_source, W) == [], f"idle, {scheme}"
        answer_by_keyboard(page, widget, axe_source, W, "Your question about a software license", gold()["g40"]["question"], tabs=12)
    finally:
        ctx.close()


def test_streams_an_answer_with_citations_from_the_real_model(session) -> None:  # noqa: ANN001
    page = session["page"]
    widget = page.locator(W)
    ask(page, gold()["g41"]["question"], "hybrid")  # retrieved; the model is not loaded yet
    prompt = widget.locator(".fs-rag__prompt").text_content()
    widget.get_by_role("button", name="Load the language model (98 MB)").click()
    # the pending prompt is answered as soon as the model is ready: catch the answer mid-stream
    page.wait_for_function(
        "() => { const w = document.querySelector('rag-qa'); const a = w.querySelector('.fs-rag__answer');"
        " return (w.dataset.state === 'running' && a.textContent.length > 'According to ['.length)"
        " || ['done', 'error'].includes(w.dataset.state) && w.dataset.tokens; }", timeout=LONG)
    partial = widget.locator(".fs-rag__answer").text_content()
    page.wait_for_function("() => ['done', 'error'].includes(document.querySelector('rag-qa').dataset.state)", timeout=LONG)
    assert widget.get_attribute("data-state") == "done", widget.locator(".fs-widget__error").inner_text()
    answer = widget.locator(".fs-rag__answer").text_content()
    assert answer.startswith("According to [") and answer.startswith(partial) and len(answer) > len("According to [")
    assert int(widget.get_attribute("data-tokens")) >= 1
    cites = widget.locator(".fs-rag__citations > li[data-cite]").evaluate_all(
        "l => l.map(li => [li.dataset.cite, li.dataset.inPrompt])")
    assert cites and cites[0][0], f"no citation in {answer!r}"
    used = set(re.findall(r"^\[([^\]]+)\] ", prompt, re.MULTILINE))  # each passage starts a line with its id
    assert used
    for cite, in_prompt in cites:  # the check is right: an id is marked in the prompt exactly when it is
        assert (in_prompt == "true") == (cite in used), (cite, in_prompt, used)
    assert not session["errors"], session["errors"]
