"""The build-time classifier head: trained on the chapter's data, staged, and honest about its test set."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from fromscratch.errors import ShortcodeError
from fromscratch.runtime import classifier, widgets
from fromscratch.runtime.embed import Embedder

MODEL_DIR = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2"
needs_model = pytest.mark.skipif(not MODEL_DIR.is_dir(), reason="run `make setup` to fetch the model")
CH2 = "content/ch2-text-classification/"


def _head_path(built_site) -> str:  # noqa: ANN001
    runtime = json.loads((built_site.site / "assets/runtime/runtime.json").read_bytes())
    return runtime["classifiers"]["spam"]["path"]


def _head(built_site) -> dict:  # noqa: ANN001
    return json.loads((built_site.site / _head_path(built_site)).read_bytes())


def test_head_is_staged_and_listed_with_its_checksum(built_site) -> None:  # noqa: ANN001
    runtime = json.loads((built_site.site / "assets/runtime/runtime.json").read_bytes())
    entry = runtime["classifiers"]["spam"]
    blob = (built_site.site / entry["path"]).read_bytes()
    # a content-hashed URL: a new head never reuses an old head's address
    assert re.fullmatch(r"assets/classifiers/spam/[0-9a-f]{16}/spam\.json", entry["path"])
    assert entry["path"].split("/")[-2] == hashlib.sha256(blob).hexdigest()[:16]
    assert entry["sha256"] == hashlib.sha256(blob).hexdigest() and entry["bytes"] == len(blob)
    head = json.loads(blob)
    assert len(head["weights"]) == head["dims"] == 384
    assert set(head["test"]["sources"]) == {"sms", "email"}  # both kinds of message are tested


def test_head_beats_the_majority_class_on_its_test_set(built_site) -> None:  # noqa: ANN001
    head = _head(built_site)
    scores = np.array(head["test"]["scores"])
    labels = np.array(head["test"]["labels"])
    assert len(scores) == len(labels) == head["test"]["count"] > 50
    accuracy = float(((scores >= head["threshold"]) == labels).mean())
    majority = max(labels.mean(), 1 - labels.mean())
    assert accuracy > majority + 0.1
    # the metrics it ships are the ones its scores give
    shipped = head["test"]["metrics"]
    assert shipped["accuracy"] == pytest.approx(accuracy)
    assert shipped["tp"] + shipped["fp"] + shipped["fn"] + shipped["tn"] == len(labels)
    assert head["train"]["loss"][-1] < head["train"]["loss"][0]


@needs_model
def test_head_generalises_to_phrasings_it_never_saw(built_site) -> None:  # noqa: ANN001
    """Short messages written for this test only, in words not taken from the training set."""
    head = _head(built_site)
    rows = [json.loads(line) for line in (ROOT / "tests/fixtures/spam_phrasings.jsonl").read_text().splitlines()]
    vectors = Embedder(MODEL_DIR).embed([r["text"] for r in rows])
    scores = 1 / (1 + np.exp(-(vectors @ np.array(head["weights"]) + head["bias"])))
    right = [(s >= head["threshold"]) == (r["label"] == "spam") for s, r in zip(scores, rows, strict=True)]
    assert sum(right) / len(rows) >= 0.8, [r["text"] for r, ok in zip(rows, right, strict=True) if not ok]


def test_evaluation_pages_hold_their_widgets_and_notebook_outputs(built_site) -> None:  # noqa: ANN001
    page = built_site.page(CH2 + "evaluation/")
    assert '<spam-filter classifier="spam">' in page and '<threshold-explorer classifier="spam">' in page
    for output in ("precision", "average precision", "expected calibration error", "by formula at 2% spam"):
        assert output in page
    assert "<train-classifier>" in built_site.page(CH2 + "train-in-browser/")


LOADER = '''
def load_a():
    return [{"id": str(i), "text": t, "label": l} for i, (t, l) in enumerate(ROWS)]

ROWS = [("win a free prize now", "spam"), ("claim your cash reward", "spam"), ("cheap pills online", "spam"),
        ("you won a lottery", "spam"), ("free vouchers today", "spam"),
        ("lunch at noon?", "ham"), ("see you at the station", "ham"), ("the meeting moved to three", "ham"),
        ("can you call mum", "ham"), ("dinner is ready", "ham")]
'''


def _spec(tmp_path: Path, loader: str) -> classifier.Spec:
    (tmp_path / "data.py").write_text(loader, encoding="utf-8")
    options = {"loader": "data.py", "sources": [{"load": "load_a", "name": "a"}], "inputs": [],
               "positive": "spam", "max_chars": 100, "steps": 50, "learning_rate": 0.5, "l2": 0.1,
               "test_fraction": 0.2, "seed": 0}
    return classifier.Spec.from_options("tiny", options, tmp_path)


@needs_model
def test_head_is_cached_by_content_and_rebuilt_when_data_changes(tmp_path: Path) -> None:
    embedder = Embedder(MODEL_DIR)
    calls = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return embedder.embed(texts)

    spec = _spec(tmp_path, LOADER)
    first = classifier.build(spec, tmp_path, tmp_path / "cache", "sha", 384, embed)
    embedded = len(calls)
    assert embedded and json.loads(first)["test"]["count"] == 2  # a fifth held out
    assert classifier.build(spec, tmp_path, tmp_path / "cache", "sha", 384, embed) == first
    assert len(calls) == embedded  # warm: nothing embedded
    spec = _spec(tmp_path, LOADER.replace("dinner is ready", "dinner is on the table"))
    classifier.build(spec, tmp_path, tmp_path / "cache", "sha", 384, embed)
    assert len(calls) > embedded
    assert len(list((tmp_path / "cache").glob("tiny-*.json"))) == 1  # the old entry is gone


def test_a_broken_loader_is_one_line_naming_the_file(tmp_path: Path) -> None:
    spec = _spec(tmp_path, LOADER.replace("def load_a", "def load_b"))
    with pytest.raises(classifier.ClassifierError, match=r"data\.py: has no function load_a\(\)"):
        classifier.train(spec, "sha", 384, lambda texts: np.zeros((len(texts), 384)))
    spec = _spec(tmp_path, LOADER.replace('"label": l', '"label": "ham"'))
    with pytest.raises(classifier.ClassifierError, match="needs two labels"):
        classifier.train(spec, "sha", 384, lambda texts: np.zeros((len(texts), 384)))


def test_classifier_widget_shortcode_names_a_built_head() -> None:
    from types import SimpleNamespace

    from fromscratch.shortcodes.context import PageContext

    ctx = PageContext("index.md", ROOT / "docs")
    ctx.build = SimpleNamespace(classifiers=["spam"], corpora_dir="data/corpora")  # what this build staged
    assert '<spam-filter classifier="spam">' in widgets.widget("spam-filter", ctx=ctx)
    assert '<threshold-explorer classifier="spam">' in widgets.widget("threshold-explorer", ctx=ctx)
    with pytest.raises(ShortcodeError, match="unknown classifier 'ham'.*built classifiers: spam"):
        widgets.widget("spam-filter", classifier="ham", ctx=ctx)
    with pytest.raises(ShortcodeError, match="takes no corpus"):
        widgets.widget("threshold-explorer", corpus="pets", ctx=ctx)
    with pytest.raises(ShortcodeError, match="takes no classifier"):
        widgets.widget("train-classifier", classifier="spam", ctx=ctx)
    ctx.build = SimpleNamespace(classifiers=[], corpora_dir="data/corpora")  # another build, no heads
    with pytest.raises(ShortcodeError, match="built classifiers: none"):
        widgets.widget("spam-filter", ctx=ctx)


def test_evaluation_notebook_reads_the_head_the_site_ships(built_site) -> None:  # noqa: ANN001
    """The page's confusion matrix is the shipped head's, not a stale or separate model's."""
    m = _head(built_site)["test"]["metrics"]
    text = re.sub(r"<[^>]+>", "", built_site.page(CH2 + "evaluation/"))
    assert re.search(rf"really spam\s+{m['tp']}\s+{m['fn']}\b", text)
    assert re.search(rf"really ham\s+{m['fp']}\s+{m['tn']}\b", text)
    assert f"precision {m['precision']:.3f}   recall {m['recall']:.3f}   F1 {m['f1']:.3f}" in text
