"""Chapter 2's widgets answer with the real model and the real classifier head, on the real site."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

CH2 = "content/ch2-text-classification/"
FINISHED = "el => ['done', 'error'].includes(el.dataset.state)"


@pytest.fixture(scope="module")
def site_server(built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(built_site.site, tmp_path_factory.mktemp("ch2-www"))


@pytest.fixture
def reader(browser, site_server: Server):  # noqa: ANN001, ANN201
    ctx = browser.new_context()
    ctx.set_default_timeout(120_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, site_server, errors
    ctx.close()


def _run(page, widget, button) -> None:  # noqa: ANN001
    """Click and wait for the widget to start and then finish (data-state)."""
    handle = widget.element_handle()
    page.evaluate("el => { el.dataset.state = 'clicked'; }", handle)
    button.click()
    page.wait_for_function(FINISHED, arg=handle)
    assert widget.get_attribute("data-state") == "done", widget.inner_text()


def test_spam_filter_calls_spam_spam_and_a_login_code_ham(reader) -> None:  # noqa: ANN001
    page, server, errors = reader
    page.goto(server.base + CH2 + "evaluation/")
    widget = page.locator("spam-filter")
    assert widget.get_attribute("data-state") == "idle"
    verdicts = {}
    for kind, text in [
        ("spam", "WINNER!! You have been chosen to receive a 1000 cash prize. Text CLAIM to 80088 now to collect"),
        ("ham", "Your verification code is 482913. Do not share it with anyone."),
    ]:
        widget.get_by_label("A message").fill(text)
        _run(page, widget, widget.locator("button.fs-widget__run"))
        verdict = widget.locator("[data-verdict]")
        score = float(verdict.get_attribute("data-score"))
        assert 0 <= score <= 1
        assert verdict.get_attribute("data-verdict") == ("spam" if score >= 0.5 else "ham")  # consistent
        verdicts[kind] = verdict.get_attribute("data-verdict")
        # occlusion: one influence per word, and each says which way it pushed
        words = widget.locator(".fs-influence__word")
        assert words.count() == len(text.split())
        assert all(w.get_attribute("data-push") is not None for w in words.all())
    assert verdicts == {"spam": "spam", "ham": "ham"}
    assert server.fetched("assets/classifiers/spam/")  # the head, at its content-hashed URL
    assert errors == []


def test_threshold_explorer_counts_match_the_shipped_scores(reader) -> None:  # noqa: ANN001
    page, server, errors = reader
    seen = len(server.log)  # the server serves the whole module: look only at this test's requests
    page.goto(server.base + CH2 + "evaluation/")
    widget = page.locator("threshold-explorer")
    widget.scroll_into_view_if_needed()
    page.wait_for_function("el => el.dataset.state === 'done'", arg=widget.element_handle())
    runtime = json.loads(page.evaluate("url => fetch(url).then(r => r.text())", server.base + "assets/runtime/runtime.json"))
    head = json.loads(page.evaluate("url => fetch(url).then(r => r.text())", server.base + runtime["classifiers"]["spam"]["path"]))
    scores, labels = head["test"]["scores"], head["test"]["labels"]
    slider = widget.locator("input[type=range]")
    for threshold in ("0.2", "0.5", "0.85"):
        slider.fill(threshold)
        counts = {k: int(widget.locator(f"td[data-cell={k}]").get_attribute("data-count")) for k in ("tp", "fp", "fn", "tn")}
        assert sum(counts.values()) == len(scores)
        t = float(threshold)
        tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= t and y)
        fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= t and not y)
        fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < t and y)
        assert (counts["tp"], counts["fp"], counts["fn"]) == (tp, fp, fn)
        output = widget.locator(".fs-widget__output")
        assert float(output.get_attribute("data-precision")) == pytest.approx(tp / (tp + fp) if tp + fp else 0, abs=1e-4)
        assert float(output.get_attribute("data-recall")) == pytest.approx(tp / (tp + fn), abs=1e-4)
    # at a 1% spam share, precision falls and recall stays
    before = float(widget.locator(".fs-widget__output").get_attribute("data-precision"))
    widget.get_by_label("Spam share").select_option(label="1 in 100")
    after = float(widget.locator(".fs-widget__output").get_attribute("data-precision"))
    assert after < before
    assert not [p for p, _ in server.log[seen:] if "model_quantized.onnx" in p]  # no model needed here
    assert errors == []


def test_trainer_loss_falls_and_it_beats_the_majority_on_held_out_examples(reader) -> None:  # noqa: ANN001
    page, server, errors = reader
    page.goto(server.base + CH2 + "train-in-browser/")
    widget = page.locator("train-classifier")
    for preset in ("Spam or not", "Cooking or sport"):
        widget.get_by_label("Example set").select_option(preset)
        _run(page, widget, widget.get_by_role("button", name="Train", exact=True))
        summary = widget.locator(".fs-train__summary")
        first, last = float(summary.get_attribute("data-first-loss")), float(summary.get_attribute("data-last-loss"))
        assert last < first / 2
        assert int(summary.get_attribute("data-heldout-correct")) > int(summary.get_attribute("data-majority"))
        assert int(widget.locator("svg.fs-loss").get_attribute("data-losses")) == 151
    # the small neural network trains too, and the trained model classifies new text
    widget.get_by_label("Model", exact=True).select_option("mlp")
    _run(page, widget, widget.get_by_role("button", name="Train", exact=True))
    summary = widget.locator(".fs-train__summary")
    assert float(summary.get_attribute("data-last-loss")) < float(summary.get_attribute("data-first-loss"))
    widget.get_by_label("Test it on a new sentence").fill("The defender was sent off after a rough tackle")
    _run(page, widget, widget.get_by_role("button", name="Classify"))
    assert widget.locator(".fs-train__result").get_attribute("data-label") == "sport"
    assert errors == []
