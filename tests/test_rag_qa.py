"""<rag-qa> at build time: the staged license corpus, the shared pipeline settings, the example
answers written into the page, and the Python pipeline's own parts (rag/pipeline.py)."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from fromscratch.rag import pipeline
from fromscratch.runtime import corpus
from rag_site import EXAMPLES  # rag_site, the session's site with the widget: a plugin of conftest.py

PIPELINE = ROOT / "docs/data/rag/pipeline.json"
SETTINGS = json.loads(PIPELINE.read_text(encoding="utf-8"))


def runtime_json(site: Path) -> dict:
    return json.loads((site / "assets/runtime/runtime.json").read_text(encoding="utf-8"))


def examples(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="fs-rag-example" data-example="(\w+)"(.*?)</section>', page, re.S))


# -- the built site -------------------------------------------------------------------------


def test_runtime_json_lists_the_license_corpus_and_the_shared_settings(rag_site) -> None:  # noqa: ANN001
    manifest = runtime_json(rag_site.site)
    entry = manifest["corpora"]["licenses"]
    onnx = manifest["embedding"]["model"]["files"]["onnx/model_quantized.onnx"]
    assert entry["model_sha256"] == manifest["files"][onnx]["sha256"]
    staged = {}
    for key in ("manifest", "vectors"):  # content-hashed URLs whose bytes match the listed digest
        info = manifest["files"][entry[key]]
        data = (rag_site.site / info["url"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"] and info["sha256"][:16] in info["url"]
        staged[key] = data
    passages = json.loads(staged["manifest"])
    assert passages["embed"] == SETTINGS["retrieval"]["passage_text"]
    assert len(staged["vectors"]) == passages["count"] * 384 * 4 and passages["count"] > 250
    first = passages["items"][0]
    assert {"id", "license", "section", "title", "text", "part", "parts"} <= set(first)
    assert {i["license"] for i in passages["items"]} >= {"MIT", "GPL-3.0-only", "GPL-2.0-only", "Apache-2.0", "CC-BY-4.0"}
    vectors = np.frombuffer(staged["vectors"], dtype="<f4").reshape(passages["count"], 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    # the browser follows exactly the settings the notebooks read
    assert manifest["rag"] == {"corpus": "licenses", "retrieval": SETTINGS["retrieval"], "prompt": SETTINGS["prompt"]}


def test_page_shows_examples_answered_at_build_time(rag_site) -> None:  # noqa: ANN001
    page = rag_site.page("")
    assert "<rag-qa" in page and "widgets/index.js" in page and "rag-qa.css" in page
    found = examples(page)
    assert list(found) == EXAMPLES
    for qid, body in found.items():
        items = re.findall(r'<li class="fs-rag__passage" data-doc="([^"]+)" data-section="([^"]+)" data-score="([\d.]+)"', body)
        assert len(items) == 5, qid
        scores = [float(s) for *_, s in items]
        assert scores == sorted(scores, reverse=True), qid
        if qid == "g61":  # a fine in Germany: no license says, and the best passage is far
            assert 'data-found="false"' in body and "Not found in these documents." in body
            assert "fs-rag__prompt" not in body
            continue
        assert 'data-found="true"' in body
        answer = html.unescape(re.search(r'<p class="fs-rag__answer">(.*?)</p>', body, re.S).group(1))
        assert answer.startswith(SETTINGS["prompt"]["answer_start"]) and len(answer) > 40, (qid, answer)
        prompt = html.unescape(re.search(r'<pre class="fs-rag__prompt">(.*?)</pre>', body, re.S).group(1))
        assert prompt.startswith("<|im_start|>system\n" + SETTINGS["prompt"]["system"])
        assert prompt.endswith("<|im_start|>assistant\n" + SETTINGS["prompt"]["answer_start"])
        tokens = int(re.search(r"\((\d+) tokens of a (\d+)-token budget\)", body).group(1))
        assert 0 < tokens <= SETTINGS["prompt"]["budget_tokens"]
        assert "when this page was built: greedy" in body
    assert 'data-doc="MIT" data-section="full text"' in found["g41"]  # may I sell MIT code: MIT answers it


def test_record_line_states_this_builds_measurements(rag_site) -> None:  # noqa: ANN001
    page = rag_site.page("")
    record = re.search(r'<p class="fs-rag__record"([^>]*)>(.*?)</p>', page, re.S)
    attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', record.group(1)))
    gold = [json.loads(line) for line in (ROOT / "docs/data/rag/gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert int(attrs["answerable"]) == sum(bool(q["answers"]) for q in gold)
    assert 0 <= int(attrs["declined-unanswerable"]) <= 5 and int(attrs["declined-answerable"]) < 5
    assert int(attrs["hits-hybrid"]) >= max(int(attrs["hits-keyword"]), int(attrs["hits-semantic"])) - 2
    text = html.unescape(record.group(2))
    assert f"below {SETTINGS['retrieval']['threshold']:.2f}" in text and attrs["hits-hybrid"] in text


def test_a_page_without_the_widget_loads_no_widget_code(rag_site) -> None:  # noqa: ANN001
    page = rag_site.page("plain/")
    assert "rag-qa" not in page and "widgets/index.js" not in page


def test_overview_page_holds_the_widget_and_agrees_with_the_retrieval_page(built_site) -> None:  # noqa: ANN001
    """The whole site: the widget on Chapter 1's overview; its hybrid hit@5 on the gold set is the
    retrieval notebook's own figure (same BM25, embeddings and fusion, from pipeline.json)."""
    overview = built_site.page("content/ch1-rag/overview/")
    assert "<rag-qa" in overview and len(examples(overview)) == 4  # mkdocs.yml: runtime.rag.examples
    answerable = int(re.search(r'data-answerable="(\d+)"', overview).group(1))
    retrieval = html.unescape(re.sub(r"<[^>]+>", "", built_site.page("content/ch1-rag/retrieval/")))
    for mode, row in (("hybrid", "hybrid"), ("keyword", "BM25"), ("semantic", "dense")):
        hits = int(re.search(rf'data-hits-{mode}="(\d+)"', overview).group(1))
        published = float(re.search(rf"\b{row}\s+([\d.]+)\s+[\d.]+\s", retrieval).group(1))  # hit@5, MRR
        assert hits / answerable == pytest.approx(published, abs=0.006), mode


# -- one source of truth ---------------------------------------------------------------------


def test_generation_notebook_reads_the_shared_pipeline_file() -> None:
    nb = json.loads((ROOT / "docs/content/ch1-rag/generation-notebook.ipynb").read_text(encoding="utf-8"))
    assert "../../data/rag/pipeline.json" in nb["metadata"]["fromscratch"]["inputs"]
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'Path("../../data/rag/pipeline.json")' in code
    for literal in (SETTINGS["prompt"]["system"], 'ANSWER_START = "', "BUDGET = 400", "THRESHOLD = 0.4"):
        assert literal not in code, f"the notebook repeats {literal!r} instead of reading pipeline.json"


# -- the pipeline's parts ----------------------------------------------------------------------


def item(spdx: str, section: str, text: str, part: int = 1, parts: int = 1, title: str = "T") -> dict:
    return {"license": spdx, "section": section, "text": text, "part": part, "parts": parts, "title": title, "name": spdx}


def test_prompt_joins_parts_of_a_section_and_keeps_to_the_budget() -> None:
    prompt = SETTINGS["prompt"]
    ranked = [item("GPL-3.0-only", "8", "second part", 2, 2), item("MIT", "full text", "mit words"),
              item("GPL-3.0-only", "8", "first part", 1, 2), item("ISC", "full text", "isc " * 50)]
    words = lambda text: len(text.split())  # noqa: E731 - a stand-in token count
    chat = lambda user, system: f"<s>{system}</s><u>{user}</u>"  # noqa: E731
    whole = pipeline.build_prompt("Q?", ranked, {**prompt, "budget_tokens": 10_000}, chat, words)
    assert whole.used == ["GPL-3.0-only §8", "MIT full text", "ISC full text"] and not whole.dropped
    assert "[GPL-3.0-only §8] T\nfirst part\n\nsecond part" in whole.text  # parts in the license's order
    assert whole.text.endswith(prompt["answer_start"])
    small = pipeline.build_prompt("Q?", ranked, {**prompt, "budget_tokens": whole.tokens - 10}, chat, words)
    assert small.used == ["GPL-3.0-only §8", "MIT full text"] and small.dropped == ["ISC full text"]
    assert small.tokens <= whole.tokens - 10


def test_citations_and_ids() -> None:
    assert pipeline.citations("According to [GPL-3.0-only §8; MIT full text], and [x]") == [
        "GPL-3.0-only §8", "MIT full text", "x"]
    assert pipeline.cite_id(item("CC0-1.0", "Statement of Purpose", "t"), SETTINGS["prompt"]) == "CC0-1.0 §Statement of Purpose"
    assert pipeline.cite_id(item("GPL-2.0-only", "Preamble", "t"), SETTINGS["prompt"]) == "GPL-2.0-only Preamble"


def test_hybrid_fusion_rewards_agreement_and_ties_keep_corpus_order() -> None:
    keyword = np.array([0.0, 5.0, 0.0, 1.0])
    cosine = np.array([0.1, 0.2, 0.1, 0.9])
    fused = pipeline.rrf([keyword, cosine], k=60, depth=100)
    assert list(pipeline.order(fused)[:2]) in ([3, 1], [1, 3]) and fused[3] == pytest.approx(1 / 62 + 1 / 61)
    assert list(pipeline.order(np.zeros(4))) == [0, 1, 2, 3]


def test_corpus_embeds_the_template_and_its_key_follows_it(tmp_path: Path) -> None:
    seen: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return np.ones((len(texts), 2), np.float32) / np.sqrt(2)

    data = {"embed": "{name}. {text}", "items": [{"text": "body", "name": "MIT"}]}
    raw = json.dumps(data).encode()
    built = corpus.build(tmp_path / "made.json", {"m": "0" * 64}, 2, tmp_path / "c", embed, "m", raw=raw)
    assert seen == ["MIT. body"] and json.loads(built.manifest)["embed"] == "{name}. {text}"
    again = corpus.build(tmp_path / "made.json", {"m": "0" * 64}, 2, tmp_path / "c", embed, "m", raw=raw)
    assert seen == ["MIT. body"] and again.vectors == built.vectors  # cached
    other = json.dumps({**data, "embed": "{text}"}).encode()
    corpus.build(tmp_path / "made.json", {"m": "0" * 64}, 2, tmp_path / "c", embed, "m", raw=other)
    assert seen == ["MIT. body", "body"]  # a new template is new vectors
    with pytest.raises(corpus.CorpusError, match="made.json: item 0"):
        corpus.build(tmp_path / "made.json", {"m": "0" * 64}, 2, None, embed, "m",
                     raw=json.dumps({"embed": "{nope}", "items": [{"text": "x"}]}).encode())


def test_the_chapters_pipeline_module_builds_the_widgets_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/content/ch1-rag/rag.py (the evaluation and case-study notebooks' pipeline) reads the
    same pipeline.json and writes, for the same ranked sections, the prompt the build and the
    widget write: the chapter's measurements are of the pipeline the reader runs."""
    chapter = ROOT / "docs" / "content" / "ch1-rag"
    monkeypatch.syspath_prepend(str(chapter))
    import rag  # the chapter's module (imports legal_corpus beside it)

    settings = pipeline.load_settings(ROOT / "docs" / "data" / "rag" / "pipeline.json")
    assert rag.THRESHOLD == settings["retrieval"]["threshold"] and rag.BUDGET == settings["prompt"]["budget_tokens"]
    passages = rag.load_passages()
    words = lambda text: len(text.split())  # noqa: E731 - any counter serves, as long as both use it
    for start in (0, 57, 140, 230):  # windows holding several parts of one section and unnumbered ones
        chosen = passages[start:start + 6]
        ours = rag.build_prompt("May I sell copies?", [(p, 0.5) for p in chosen], words)
        items = [{"license": p.license, "section": p.section, "title": p.title, "text": p.text, "part": p.part}
                 for p in chosen]
        theirs = pipeline.build_prompt("May I sell copies?", items, settings["prompt"],
                                       lambda user, system: rag.chatml(system, user), words)
        assert ours.text == theirs.text and ours.used == theirs.used
