"""Chapter 1's RAG pipeline in Python, for the answers the site shows without any download.

The browser's `<rag-qa>` (rag-qa.js, with bm25.js) ranks and prompts live; the build runs the
same steps here for the example questions, so the page can show their passages, prompt and
answer at once. Both read their settings (BM25's k1 and b, the fusion constant, the threshold,
the prompt template and its token budget) from one file, `docs/data/rag/pipeline.json`, which
the chapter's generation notebook reads too. The retrieval notebook writes BM25 and fusion out
in full for the lesson; this module is the one implementation everything else uses (the
chapter's `rag.py`, which the evaluation and case-study notebooks import, takes `tokenize`,
`BM25`, `rrf`, `order` and `citations` from here), checked against the notebook's published
figures by tests/test_rag_qa.py.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOKEN = re.compile(r"[a-z0-9]+")  # the retrieval notebook's BM25 tokenizer (bm25.js: asciiWords)
CITATION = re.compile(r"\[([^\[\]]+)\]")
MODES = ("keyword", "semantic", "hybrid")

PROMPT_KEYS = ("system", "user", "passage", "passage_separator", "part_separator", "answer_start",
               "cite_id", "cite_id_unnumbered", "unnumbered_sections", "budget_tokens", "max_tokens")
RETRIEVAL_KEYS = ("bm25_k1", "bm25_b", "rrf_k", "rrf_depth", "top_k", "threshold", "passage_text")


class PipelineError(ValueError):
    """pipeline.json is missing a setting or is not JSON; the message names the file."""


def load_settings(path: Path) -> dict:
    """pipeline.json, checked for every setting the three readers need."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PipelineError(f"{path}: not readable JSON: {exc}") from None
    for part, keys in (("retrieval", RETRIEVAL_KEYS), ("prompt", PROMPT_KEYS)):
        section = data.get(part) if isinstance(data, dict) else None
        missing = [k for k in keys if not isinstance(section, dict) or k not in section]
        if missing:
            raise PipelineError(f"{path}: \"{part}\" needs {', '.join(missing)}")
    return data


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


class BM25:
    """The retrieval notebook's BM25 (same tokens, idf and length normalisation)."""

    def __init__(self, documents: Sequence[str], k1: float, b: float) -> None:
        self.docs = [Counter(tokenize(d)) for d in documents]
        self.lengths = np.array([sum(c.values()) for c in self.docs], dtype=float)
        self.avgdl = self.lengths.mean()
        self.k1, self.b = k1, b
        n = Counter(t for c in self.docs for t in c)
        total = len(self.docs)
        self.idf = {t: math.log(1 + (total - k + 0.5) / (k + 0.5)) for t, k in n.items()}

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.docs))
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avgdl)
        for term in set(tokenize(query)):
            f = np.array([c.get(term, 0) for c in self.docs], dtype=float)
            out += self.idf.get(term, 0.0) * f * (self.k1 + 1) / (f + norm)
        return out


def order(scores: np.ndarray) -> np.ndarray:
    """Best first; ties keep corpus order (a stable sort, as JavaScript's)."""
    return np.argsort(-scores, kind="stable")


def rrf(score_lists: Sequence[np.ndarray], k: float, depth: int) -> np.ndarray:
    fused = np.zeros(len(score_lists[0]))
    for scores in score_lists:
        for rank, i in enumerate(order(scores)[:depth], start=1):
            fused[i] += 1 / (k + rank)
    return fused


@dataclass
class Ranked:
    index: int  # into the corpus items
    score: float  # the ranking's own score (BM25, cosine or fused)
    cosine: float


class Retriever:
    """Keyword, semantic or hybrid ranking over the corpus items and their unit vectors."""

    def __init__(self, items: Sequence[Mapping], vectors: np.ndarray, settings: Mapping) -> None:
        self.items, self.vectors, self.settings = items, vectors, settings["retrieval"]
        texts = [self.settings["passage_text"].format_map(item) for item in items]
        self.bm25 = BM25(texts, self.settings["bm25_k1"], self.settings["bm25_b"])

    def scores(self, query: str, query_vector: np.ndarray, mode: str = "hybrid") -> tuple[np.ndarray, np.ndarray]:
        """(the mode's scores, the cosine similarities) for every item."""
        cosine = self.vectors @ query_vector
        if mode == "semantic":
            return cosine, cosine
        keyword = self.bm25.scores(query)
        if mode == "keyword":
            return keyword, cosine
        if mode != "hybrid":
            raise ValueError(f"unknown ranking {mode!r}; use one of {', '.join(MODES)}")
        return rrf([keyword, cosine], self.settings["rrf_k"], self.settings["rrf_depth"]), cosine

    def top(self, query: str, query_vector: np.ndarray, mode: str = "hybrid") -> tuple[list[Ranked], float]:
        """The top_k items and the best cosine similarity (what the threshold is compared with)."""
        scores, cosine = self.scores(query, query_vector, mode)
        best = order(scores)[: self.settings["top_k"]]
        return [Ranked(int(i), float(scores[i]), float(cosine[i])) for i in best], float(cosine.max())


def cite_id(item: Mapping, prompt: Mapping) -> str:
    template = prompt["cite_id_unnumbered"] if item.get("section") in prompt["unnumbered_sections"] else prompt["cite_id"]
    return template.format_map(item)


@dataclass
class Prompt:
    text: str  # the whole prompt in the model's chat format, the answer already begun
    used: list[str]  # cite ids of the sections in it, best first
    dropped: list[str]  # sections retrieved but left out for the token budget
    tokens: int


def build_prompt(question: str, ranked: Sequence[Mapping], prompt: Mapping,
                 chat: Callable[[str, str], str], count: Callable[[str], int]) -> Prompt:
    """The generation notebook's prompt: sections in rank order (parts of one section joined in
    the license's order under one id) while the whole prompt fits the token budget.

    `chat(user, system)` wraps it in the model's chat format; `count` counts the model's tokens.
    The passage template may name any field of a section's first item ("Ask this site" shows
    the page title too); an item without "part" is a section of one part.
    """
    sections: dict[str, list[Mapping]] = {}
    for item in ranked:
        sections.setdefault(cite_id(item, prompt), []).append(item)
    grouped = [(cid, sorted(parts, key=lambda p: p.get("part", 1))) for cid, parts in sections.items()]

    def render(chosen: list) -> str:
        context = prompt["passage_separator"].join(
            prompt["passage"].format_map({**parts[0], "id": cid,
                                          "text": prompt["part_separator"].join(p["text"] for p in parts)})
            for cid, parts in chosen)
        user = prompt["user"].format(context=context, question=question)
        return chat(user, prompt["system"]) + prompt["answer_start"]

    chosen: list = []
    for entry in grouped:
        if count(render([*chosen, entry])) > prompt["budget_tokens"]:
            break
        chosen.append(entry)
    text = render(chosen)
    return Prompt(text, [cid for cid, _ in chosen], [cid for cid, _ in grouped[len(chosen):]], count(text))


def citations(answer: str) -> list[str]:
    """Every id in square brackets (several may share brackets, split by ; or ,)."""
    return [c.strip() for group in CITATION.findall(answer) for c in re.split(r"[;,]", group) if c.strip()]
