"""The modules beside Chapter 1's notebooks: MiniLM's length-sorted batches give every text the
vector it gets alone, in the caller's order, and rag.py ranks with the site build's own BM25
and fusion (one implementation), so the chapter measures what the <rag-qa> widget runs."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "docs" / "content" / "ch1-rag"
MODEL = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def chapter():
    """The chapter's modules, imported as the notebooks import them (from their folder)."""
    if not MODEL.is_dir():
        pytest.skip("MiniLM is not fetched: run `make setup`")
    sys.path.insert(0, str(CHAPTER))
    try:
        import legal_corpus
        import minilm
        import rag
    finally:
        sys.path.pop(0)
    return legal_corpus, minilm, rag


@pytest.fixture(scope="module")
def model(chapter):
    return chapter[1].MiniLM(MODEL)


def test_sorted_batches_keep_each_texts_own_vector_and_order(chapter, model):
    passages = chapter[0].passages()
    # long and short texts interleaved, more than one batch, a duplicate, a one-word text
    texts = [p.text for p in passages[::9]] + ["GPL", passages[0].text]
    assert len({len(t) for t in texts}) > 20
    together = model.embed(texts, batch_size=8)
    alone = np.stack([model.embed([t])[0] for t in texts])
    assert together.shape == (len(texts), 384) and together.dtype == np.float32
    assert np.abs(together - alone).max() < 1e-5
    assert np.array_equal(together[-1], together[0])
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
    assert model.embed([]).shape == (0, 384)
    # both cores, as the chunking notebook asks: the same vectors
    assert np.abs(chapter[1].MiniLM(MODEL, threads=2).embed(texts, batch_size=8) - together).max() < 1e-6
    # counting tokens leaves truncation where it was: a long text is still cut at 256
    long_text = " ".join(p.text for p in passages[:5])
    assert model.count_tokens(long_text) > 256
    assert len(model.tokenizer.encode(long_text).ids) == 256


def test_rag_ranks_like_the_site_build(chapter, model):
    from fromscratch.rag import pipeline

    _, _, rag = chapter
    passages = rag.load_passages()[:60]
    settings = pipeline.load_settings(ROOT / "docs" / "data" / "rag" / "pipeline.json")
    ours = rag.Retriever(passages, model)
    items = [vars(p) for p in passages]
    theirs = pipeline.Retriever(items, ours.vectors, settings)
    questions = ["Can I sell copies of the software?", "What happens if I violate the license?",
                 "Do I have to publish my changes?", "warranty disclaimer"]
    for question in questions:
        q = model.embed([question])[0]
        for method, mode in [("bm25", "keyword"), ("dense", "semantic"), ("hybrid", "hybrid")]:
            scores, _ = theirs.scores(question, q, mode)
            assert ours.ranking(question, method) == [int(i) for i in pipeline.order(scores)], (question, method)
