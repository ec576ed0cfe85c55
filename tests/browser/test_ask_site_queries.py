""""Ask this site" on the whole built site (the suite's `built_site`) in Chromium: questions of
the site's query set (tests/data/site_queries.jsonl, written apart from the pages) find a page
that answers them among the first five sections, and off-topic questions
(tests/data/site_unanswerable.jsonl) are declined. No language model is loaded here."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import ROOT

from browser.conftest import Server, serve
from browser.test_ask import LONG, W, ask

pytestmark = pytest.mark.browser

# A few of the query set, chosen before measuring, across the chapters and the Local AI guide.
QUERY_IDS = ["s01", "s02", "s03"]
OFF_TOPIC = ["u01", "u03", "u07"]


def read(name: str) -> dict[str, dict]:
    lines = (ROOT / "tests/data" / name).read_text(encoding="utf-8").splitlines()
    return {q["id"]: q for q in map(json.loads, filter(str.strip, lines))}


@pytest.fixture(scope="module")
def page(browser, built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # noqa: ANN001
    server: Iterator[Server] = serve(built_site.site, tmp_path_factory.mktemp("ask-whole-www"))
    base = next(server)
    ctx = browser.new_context(service_workers="block")
    ctx.set_default_timeout(LONG)
    p = ctx.new_page()
    p.goto(base.base + "ask/")
    p.locator(f"{W}[data-state]").wait_for()
    yield p
    ctx.close()
    server.close()


def test_questions_of_the_query_set_find_their_page_in_the_top_five(page) -> None:  # noqa: ANN001
    queries = read("site_queries.jsonl")
    missed = []
    for qid in QUERY_IDS:
        q = queries[qid]
        found = ask(page, q["query"])
        if not {s["doc"] for s in found[:5]} & set(q["pages"]):
            missed.append((qid, [s["doc"] for s in found]))
        assert page.locator(W).get_attribute("data-found") == "true", qid
    assert not missed, missed


def test_off_topic_questions_are_declined(page) -> None:  # noqa: ANN001
    questions = read("site_unanswerable.jsonl")
    for qid in OFF_TOPIC:
        ask(page, questions[qid]["question"])
        assert page.locator(W).get_attribute("data-found") == "false", qid
        assert page.locator(f"{W} .fs-rag__verdict").inner_text() == "Not found on this site."
