"""Chapter 2's data and its loader (docs/content/ch2-text-classification/datasets.py): the
counts the pages quote, valid labels, no duplicates, and splits that keep train and test apart."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOADER = ROOT / "docs" / "content" / "ch2-text-classification" / "datasets.py"


def load_loader():
    """The chapter's loader module, imported from its file (it lives with the notebooks)."""
    spec = importlib.util.spec_from_file_location("ch2_datasets", LOADER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def datasets():
    return load_loader()


@pytest.fixture(scope="module")
def emails(datasets):
    return datasets.load_emails()


def test_sms_are_enough_varied_and_about_forty_percent_spam(datasets):
    sms = datasets.load_sms()
    assert len(sms) >= 320
    assert {m["label"] for m in sms} == {"spam", "ham"}
    assert 0.35 <= sum(m["label"] == "spam" for m in sms) / len(sms) <= 0.45
    assert len({m["id"] for m in sms}) == len(sms)
    assert len({m["text"].strip().lower() for m in sms}) == len(sms)
    kinds = Counter((m["label"], m["kind"]) for m in sms)
    # hard ham and spam that avoids the obvious words are both there, in some number
    for kind in ("otp", "delivery", "bank-alert", "friend-link", "friend-deal"):
        assert kinds[("ham", kind)] >= 5, kind
    for kind in ("parcel-scam", "phishing", "crypto", "romance", "job-offer", "wrong-number"):
        assert kinds[("spam", kind)] >= 5, kind


def test_moderation_comments_have_valid_labels_and_half_are_fine(datasets):
    comments = datasets.load_moderation()
    assert len(comments) >= 320
    assert len({c["id"] for c in comments}) == len(comments)
    assert len({c["text"].strip().lower() for c in comments}) == len(comments)
    for c in comments:
        assert set(c["labels"]) <= set(datasets.MODERATION_LABELS), c
        assert len(set(c["labels"])) == len(c["labels"]), c
    fine = sum(not c["labels"] for c in comments) / len(comments)
    assert 0.4 <= fine <= 0.6
    assert sum(len(c["labels"]) > 1 for c in comments) >= 20  # several labels at once
    counts = Counter(label for c in comments for label in c["labels"])
    assert all(counts[label] >= 20 for label in datasets.MODERATION_LABELS), counts


def test_loaders_return_copies(datasets):
    first = datasets.load_moderation()
    first[0]["labels"].append("threat")
    assert datasets.load_moderation()[0]["labels"] == [
        label for label in first[0]["labels"][:-1]]


def test_emails_are_the_whole_spam_assassin_corpus_parsed(emails):
    assert len(emails) == 6046
    assert Counter(e["group"] for e in emails) == {"easy_ham": 3900, "hard_ham": 250, "spam": 1896}
    assert len({e["id"] for e in emails}) == len(emails)
    for e in emails:
        assert e["label"] == ("spam" if e["group"] == "spam" else "ham")
        assert e["date"] is None or e["date"].tzinfo is not None
        assert e["text"].startswith(e["subject"].strip()) or not e["subject"].strip()
        assert len(e["text"]) <= len(e["subject"]) + 1 + 1000
    assert sum(e["date"] is not None for e in emails) > 0.99 * len(emails)
    assert sum(bool(e["body"]) for e in emails) > 0.99 * len(emails)
    # HTML-only spam comes out as text, not markup
    bodies = " ".join(e["body"] for e in emails if e["group"] == "spam")
    assert bodies.lower().count("<td") < 20 and bodies.lower().count("</p>") < 20


def test_time_split_puts_the_latest_dated_emails_in_test(datasets, emails):
    train, test = datasets.time_split(emails, test_fraction=0.2)
    assert len(train) + len(test) == len(emails)
    assert len(test) == round(0.2 * len(emails))
    assert {e["id"] for e in train}.isdisjoint(e["id"] for e in test)
    assert all(e["date"] is not None for e in test)
    latest_train = max(e["date"] for e in train if e["date"] is not None)
    assert latest_train <= min(e["date"] for e in test)


def test_stratified_split_is_disjoint_reproducible_and_keeps_the_class_shares(datasets):
    sms = datasets.load_sms()
    train, test = datasets.stratified_split(sms, test_fraction=0.25, seed=3)
    assert {m["id"] for m in train}.isdisjoint(m["id"] for m in test)
    assert len(train) + len(test) == len(sms)
    share = sum(m["label"] == "spam" for m in sms) / len(sms)
    assert abs(sum(m["label"] == "spam" for m in test) / len(test) - share) < 0.02
    assert [m["id"] for m in datasets.stratified_split(sms, 0.25, seed=3)[1]] == [m["id"] for m in test]
    assert [m["id"] for m in datasets.stratified_split(sms, 0.25, seed=4)[1]] != [m["id"] for m in test]
    comments = datasets.load_moderation()
    train, test = datasets.stratified_split(comments)
    assert {c["id"] for c in train}.isdisjoint(c["id"] for c in test)
    assert len(train) + len(test) == len(comments)


def test_datasheet_counts_match_the_files(datasets):
    sheet = (ROOT / "docs" / "data" / "classification" / "DATASHEET.txt").read_text(encoding="utf-8")
    sms = datasets.load_sms()
    comments = datasets.load_moderation()
    assert f"sms.jsonl -- {len(sms)} " in sheet
    assert f"moderation.jsonl -- {len(comments)} " in sheet
    for label in ("ham", "spam"):
        assert re.search(rf"^  {label}\s+{sum(m['label'] == label for m in sms)}\b", sheet, re.M)
    for (label, kind), n in Counter((m["label"], m["kind"]) for m in sms).items():
        assert f"{kind} {n}" in sheet, (label, kind, n)
    assert re.search(rf"fine \(no label\)\s+{sum(not c['labels'] for c in comments)}\b", sheet)
    for label in datasets.MODERATION_LABELS:
        assert f"{label} {sum(label in c['labels'] for c in comments)}" in sheet
