"""What the build prepares for `<rag-qa>`: Chapter 1's license passages as a widget corpus,
the pipeline settings in runtime.json, the threshold's record on the gold set, and the
example questions' passages and prompts.

The passages come from the chapter's own `legal_corpus.py` (imported by path, so the notebooks
and the widget cut the licenses identically) and go through the site's corpus machinery
(runtime/corpus.py): vectors made with the very ONNX file the browser runs, cached by content,
staged at content-hashed URLs and listed in runtime.json's "corpora" beside the pipeline
settings, so a page never mixes passages, vectors and settings of two builds. The gold
questions are embedded the same way (cached, not staged) to measure the threshold and
hit@5, which the widget's section of the page states.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from mkdocs.exceptions import PluginError

from ..cache import Cache
from ..runtime import corpus, fetch, stage
from ..runtime.classifier import ClassifierError, load_module
from . import pipeline

log = logging.getLogger("mkdocs.plugins.fromscratch.rag")

GOLD_CORPUS = "rag-gold-questions"  # embedded for the measurements only, never staged


@dataclass
class Example:
    id: str
    question: str
    best: float  # best cosine similarity: compared with the threshold
    found: bool
    ranked: list[pipeline.Ranked]
    prompt: pipeline.Prompt | None  # None when the widget declines


@dataclass
class GoldRecord:
    """The gold set through the pipeline: how the threshold splits it, and hit@k per ranking."""

    answerable: int
    unanswerable: int
    declined_answerable: int  # best cosine below the threshold although the licenses answer it
    declined_unanswerable: int
    hits: dict[str, int]  # ranking -> answerable questions with an answering passage in the top k


@dataclass
class RagBuild:
    name: str  # the corpus name in runtime.json
    items: list[dict]
    settings: dict
    examples: list[Example]
    gold: GoldRecord
    staged: list[stage.Staged] = field(default_factory=list)
    corpus_entry: dict = field(default_factory=dict)

    @property
    def section(self) -> dict:
        """runtime.json's "rag" section: which corpus, and the settings the browser follows."""
        return {"corpus": self.name, "retrieval": self.settings["retrieval"], "prompt": self.settings["prompt"]}


def _fail(message: str) -> PluginError:
    return PluginError(f"rag: {message}")


def passages_corpus(loader: Path, settings: Mapping) -> bytes:
    """The corpus file for the license passages, made from the chapter's loader."""
    try:
        module = load_module(loader)
        items = [dict(p) for p in module.as_dicts(module.passages())]
    except ClassifierError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # the loader's own error (node_modules missing, ...): one line
        raise _fail(f"{loader}: {type(exc).__name__}: {exc}") from None
    data = {"title": "Software licenses (SPDX texts)", "embed": settings["retrieval"]["passage_text"], "items": items}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def read_gold(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise _fail(f"{path}: not readable: {exc}") from None
    gold = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
            gold.append({"id": str(q["id"]), "question": str(q["question"]), "answers": list(q["answers"])})
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise _fail(f"{path}:{n}: needs JSON with id, question and answers ({exc})") from None
    return gold


def relevant(item: Mapping, question: Mapping) -> bool:
    return any(a["license"] == item["license"] and a["section"] == item["section"] for a in question["answers"])


def measure(retriever: pipeline.Retriever, gold: list[dict], vectors: np.ndarray, threshold: float) -> GoldRecord:
    answerable = [(q, v) for q, v in zip(gold, vectors, strict=True) if q["answers"]]
    refused = [(q, v) for q, v in zip(gold, vectors, strict=True) if not q["answers"]]
    best = lambda v: float((retriever.vectors @ v).max())  # noqa: E731
    hits = {}
    for mode in pipeline.MODES:
        hits[mode] = sum(any(relevant(retriever.items[r.index], q) for r in retriever.top(q["question"], v, mode)[0])
                         for q, v in answerable)
    return GoldRecord(len(answerable), len(refused), sum(best(v) < threshold for _, v in answerable),
                      sum(best(v) < threshold for _, v in refused), hits)


def stage_rag(options: Mapping, root: Path, cache: Cache, model_files: Mapping[str, str], dims: int,
              onnx: str, embed: Callable[[list[str]], np.ndarray]) -> RagBuild | None:
    """Everything `<rag-qa>` needs from the build; None when the project has no loader (a test
    site without Chapter 1)."""
    rag = options["rag"]
    if not rag["loader"]:
        return None
    loader = root / rag["loader"]
    if not loader.is_file():
        log.debug(f"rag: {loader} not in this project, <rag-qa> not staged")
        return None
    started = time.perf_counter()
    try:
        settings = pipeline.load_settings(root / rag["pipeline"])
    except pipeline.PipelineError as exc:
        raise _fail(str(exc)) from None
    settings.pop("about", None)
    cache_dir = cache.root / "corpora" if cache.enabled else None
    name = rag["corpus"]

    def build(label: str, raw: bytes) -> corpus.Built:
        try:
            built = corpus.build(root / f"{label}.json", model_files, dims, cache_dir, embed, onnx, raw=raw)
        except corpus.CorpusError as exc:
            raise _fail(str(exc)) from None
        for entry in built.entries:
            cache.use(entry)
        return built

    passages = build(name, passages_corpus(loader, settings))
    manifest = json.loads(passages.manifest)
    items = manifest["items"]
    vectors = corpus.read_vectors(manifest, passages.vectors)
    gold = read_gold(root / rag["gold"])
    questions = build(GOLD_CORPUS, json.dumps({"items": [{"text": q["question"]} for q in gold]}).encode())
    gold_vectors = corpus.read_vectors(json.loads(questions.manifest), questions.vectors)

    retriever = pipeline.Retriever(items, vectors, settings)
    threshold = float(settings["retrieval"]["threshold"])
    record = measure(retriever, gold, gold_vectors, threshold)
    examples = _examples(rag["examples"], gold, gold_vectors, retriever, settings, options, root, cache)

    folder = f"{stage.CORPORA_ROOT}/{name}"
    staged = [stage.generated(f"corpus/{name}.json", folder, passages.manifest),
              stage.generated(f"corpus/{name}.f32", folder, passages.vectors)]
    entry = {"manifest": f"corpus/{name}.json", "vectors": f"corpus/{name}.f32",
             "model_sha256": model_files.get(onnx, "")}
    log.info(f"rag: {len(items)} passages, {len(gold)} gold questions, {len(examples)} examples "
             f"ready in {time.perf_counter() - started:.1f} s")
    return RagBuild(name, items, settings, examples, record, staged, entry)


def _examples(ids: list[str], gold: list[dict], vectors: np.ndarray, retriever: pipeline.Retriever,
              settings: Mapping, options: Mapping, root: Path, cache: Cache) -> list[Example]:
    """Each example question ranked (hybrid) and, unless declined, put in the prompt."""
    by_id = {q["id"]: (q, v) for q, v in zip(gold, vectors, strict=True)}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise _fail(f"examples {', '.join(unknown)} are not ids of {options['rag']['gold']}")
    if not ids:
        return []
    count = token_counter(options, root, cache)
    from ..textgen.answers import chat_prompt

    out = []
    for example_id in ids:
        q, v = by_id[example_id]
        ranked, best = retriever.top(q["question"], v, "hybrid")
        found = best >= settings["retrieval"]["threshold"]
        prompt = (pipeline.build_prompt(q["question"], [retriever.items[r.index] for r in ranked], settings["prompt"],
                                        chat_prompt, count) if found else None)
        out.append(Example(example_id, q["question"], best, found, ranked, prompt))
    return out


def token_counter(options: Mapping, root: Path, cache: Cache) -> Callable[[str], int]:
    """Counts the language model's tokens (its tokenizer.json, cached by the GGUF's hash)."""
    from tokenizers import Tokenizer

    from ..runtime.generation import tokenizer_json

    generator = options["generator"]
    if not generator["id"]:
        raise _fail("the prompt's token budget needs the language model: configure runtime.generator in mkdocs.yml")
    gguf = fetch.model_dir(root, options, "generator") / generator["gguf"]
    if not gguf.is_file():
        raise _fail(f"the language model {gguf} is missing: run `make setup`")
    tokenizer = Tokenizer.from_str(tokenizer_json(gguf, generator["files"][generator["gguf"]][0],
                                                  cache if cache.enabled else None).decode("utf-8"))
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
