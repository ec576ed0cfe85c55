"""Chapter 1's whole pipeline in one place, for the evaluation and case-study notebooks.

The retrieval and generation notebooks build each step in front of the reader: BM25, dense
retrieval, reciprocal rank fusion, the prompt with its token budget, citations. The later
notebooks measure and break that same pipeline, so they import it from here instead of
pasting it a third time. Its settings (BM25's k1 and b, RRF's k, the refusal threshold, the
prompt's wording and its token budget) are read from `docs/data/rag/pipeline.json`, the file
the generation notebook, the site build and the <rag-qa> widget also read. The tokenizer, BM25,
the fusion and the citation parser are the site build's own (`fromscratch.rag.pipeline`, installed
in the notebooks' kernel), so the chapter measures the very ranking the widget's examples show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fromscratch.rag import pipeline
from fromscratch.rag.pipeline import citations, order, rrf, tokenize
from legal_corpus import Passage
from legal_corpus import passages as load_passages

GOLD = Path(__file__).resolve().parent / "../../data/rag/gold.jsonl"
SETTINGS = json.loads((Path(__file__).resolve().parent / "../../data/rag/pipeline.json").read_text(encoding="utf-8"))
RETRIEVAL, PROMPT = SETTINGS["retrieval"], SETTINGS["prompt"]
THRESHOLD = RETRIEVAL["threshold"]  # best dense score below which we refuse (measured on the retrieval page)
SYSTEM = PROMPT["system"]
ANSWER_START = PROMPT["answer_start"]
BUDGET = PROMPT["budget_tokens"]


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def passage_text(p: Passage) -> str:
    """What gets indexed: the license name and section title are part of what a passage is about."""
    return RETRIEVAL["passage_text"].format(name=p.name, title=p.title, text=p.text)


def cite_id(p: Passage) -> str:
    """The id a passage is cited by: every part of a section shares it."""
    unnumbered = p.section in PROMPT["unnumbered_sections"]
    return PROMPT["cite_id_unnumbered" if unnumbered else "cite_id"].format(license=p.license, section=p.section)


class BM25(pipeline.BM25):
    """The site build's BM25 (the retrieval notebook writes it out in full), with pipeline.json's
    k1 and b as defaults."""

    def __init__(self, documents: list[str], k1: float = RETRIEVAL["bm25_k1"], b: float = RETRIEVAL["bm25_b"]) -> None:
        super().__init__(documents, k1, b)


class Retriever:
    """BM25, dense (MiniLM) and hybrid rankings over a list of passages."""

    def __init__(self, passages: list[Passage], model) -> None:  # noqa: ANN001 - minilm.MiniLM
        self.passages, self.model = passages, model
        self.bm25 = BM25([passage_text(p) for p in passages])
        self.vectors = model.embed([passage_text(p) for p in passages])

    def dense(self, query: str) -> np.ndarray:
        return self.vectors @ self.model.embed([query])[0]

    def scores(self, query: str, method: str = "hybrid") -> np.ndarray:
        if method == "bm25":
            return self.bm25.scores(query)
        if method == "dense":
            return self.dense(query)
        return rrf([self.bm25.scores(query), self.dense(query)], RETRIEVAL["rrf_k"], RETRIEVAL["rrf_depth"])

    def ranking(self, query: str, method: str = "hybrid") -> list[int]:
        """Best first; ties keep corpus order, as in the build and the <rag-qa> widget."""
        return [int(i) for i in order(self.scores(query, method))]

    def sections(self, query: str, method: str = "hybrid", k: int = 10) -> list[tuple[str, str]]:
        """The first `k` distinct (license, section) pairs of a ranking: the unit the gold set names."""
        out: list[tuple[str, str]] = []
        for i in self.ranking(query, method):
            key = (self.passages[i].license, self.passages[i].section)
            if key not in out:
                out.append(key)
            if len(out) == k:
                break
        return out

    def top(self, query: str, method: str = "hybrid", k: int = 5) -> list[tuple[Passage, float]]:
        """The top `k` passages with their dense cosine (the score the refusal threshold reads)."""
        cos = self.dense(query)
        return [(self.passages[i], float(cos[i])) for i in self.ranking(query, method)[:k]]


def gold_sections(q: dict) -> set[tuple[str, str]]:
    return {(a["license"], a["section"]) for a in q["answers"]}


# -- the prompt -------------------------------------------------------------------------------

def chatml(system: str, user: str, answer_start: str = "") -> str:
    return (f"<|im_start|>system\n{system}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n"
            f"<|im_start|>assistant\n{answer_start}")


def by_section(retrieved: list[tuple[Passage, float]]) -> list[tuple[str, list[Passage]]]:
    sections: dict[str, list[Passage]] = {}
    for p, _ in retrieved:
        sections.setdefault(cite_id(p), []).append(p)
    return [(cid, sorted(parts, key=lambda p: p.part)) for cid, parts in sections.items()]


@dataclass
class Prompt:
    text: str
    used: list[str]  # cited ids of the sections in the prompt, best first
    passages: dict[str, str]  # id -> the text the model read under it


def build_prompt(question: str, retrieved: list[tuple[Passage, float]], count_tokens,  # noqa: ANN001
                 budget: int = BUDGET) -> Prompt:
    """As many top-ranked sections as fit in `budget` tokens (the generation page's rule)."""
    def render(chosen: list[tuple[str, list[Passage]]]) -> str:
        context = PROMPT["passage_separator"].join(
            PROMPT["passage"].format(id=cid, title=parts[0].title, text=PROMPT["part_separator"].join(p.text for p in parts))
            for cid, parts in chosen)
        return chatml(SYSTEM, PROMPT["user"].format(context=context, question=question), ANSWER_START)

    chosen: list[tuple[str, list[Passage]]] = []
    for item in by_section(retrieved):
        if count_tokens(render([*chosen, item])) > budget:
            break
        chosen.append(item)
    return Prompt(render(chosen), [cid for cid, _ in chosen],
                  {cid: "\n\n".join(p.text for p in parts) for cid, parts in chosen})


__all__ = ["ANSWER_START", "BM25", "BUDGET", "Prompt", "Retriever", "THRESHOLD", "build_prompt", "by_section",
           "chatml", "citations", "cite_id", "gold_sections", "load_gold", "load_passages", "passage_text",
           "rrf", "tokenize"]
