""""Ask this site" (docs/ask.md): Chapter 1's RAG pipeline over the site's own sections.

The page holds `{% widget "ask-site" %}`; the browser's `<ask-site>` (ask-site.js) is
`<rag-qa>` with another corpus and settings: the `site-sections` corpus the search step
builds (plugins/fromscratch/search), the settings of `settings.py`. Here the build answers
the page's example questions (its front matter's `ask_examples`) in `on_env`, when every
section of the site exists (widget.py says why then).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from ..build import Build
from ..errors import SourceError
from ..rag import pipeline
from ..rag.stage import Example, token_counter
from ..runtime import corpus as corpora
from ..runtime import fetch
from ..textgen.answers import answer_cache, chat_prompt
from . import corpus, settings, widget

log = logging.getLogger("mkdocs.plugins.fromscratch.ask")

QUESTIONS = "ask-questions"  # the example questions' vectors, cached like a corpus, never staged


def on_env(files: Files, build: Build, embed: Callable[[list[str]], np.ndarray]) -> None:
    """Fill in the examples and download sizes of every page that holds `<ask-site>`."""
    pages = [f.page for f in files.documentation_pages()
             if f.page is not None and f.page.content and widget.EXAMPLES in f.page.content]
    if not pages:
        return
    started = time.perf_counter()
    options = build.options.runtime
    merged = settings.load(build.root, options["rag"])
    if merged is None:
        raise PluginError(f"ask: the page asks this site, but {options['rag']['pipeline']} (Chapter 1's "
                          "pipeline settings, which it follows) is not in this project")
    runtime, items, vectors = corpus.load(files, merged["corpus"])
    retriever = pipeline.Retriever(items, vectors, merged)
    sizes = widget.download_sizes(runtime, merged["corpus"])
    count = token_counter(options, build.root, build.cache)
    for page in pages:
        questions = _questions(page)
        examples = _examples(questions, retriever, merged, count, build, embed)
        answers, model_id = answer_cache(page.fromscratch)
        html = widget.examples_html(examples, items, merged, answers, model_id, page.url)
        page.content = (page.content.replace(widget.EXAMPLES, html)
                        .replace(widget.SIZES, widget.sizes_html(sizes, len(items))))
    log.info(f"ask: {sum(len(_questions(p)) for p in pages)} example questions over {len(items)} sections "
             f"in {time.perf_counter() - started:.1f} s")


def _questions(page: Page) -> list[str]:
    value = page.meta.get("ask_examples", [])
    if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
        source = page.file.content_string
        line = next((n for n, text in enumerate(source.splitlines(), start=1) if text.startswith("ask_examples:")), None)
        raise SourceError(f"docs/{page.file.src_uri}", line,
                          "ask_examples must be a list of questions (one `- question` line each)")
    return [q.strip() for q in value]


def _embed_questions(questions: list[str], build: Build, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """The questions' vectors through the corpus machinery: cached by content, like every corpus."""
    model = build.options.runtime["model"]
    hashes = fetch.verify(fetch.model_dir(build.root, build.options.runtime), model["files"])
    raw = json.dumps({"items": [{"text": q} for q in questions]}).encode()
    cache_dir = build.cache.root / "corpora" if build.cache.enabled else None
    try:
        built = corpora.build(Path(build.root) / f"{QUESTIONS}.json", hashes, model["dims"], cache_dir, embed,
                              model["onnx"], raw=raw)
    except corpora.CorpusError as exc:
        raise PluginError(f"ask: {exc}") from None
    for entry in built.entries:
        build.cache.use(entry)
    return corpora.read_vectors(json.loads(built.manifest), built.vectors)


def _examples(questions: list[str], retriever: pipeline.Retriever, merged: dict, count: Callable[[str], int],
              build: Build, embed: Callable[[list[str]], np.ndarray]) -> list[Example]:
    """Each question ranked (hybrid, as the browser does) and, unless declined, put in the prompt."""
    if not questions:
        return []
    out = []
    for n, (question, vector) in enumerate(zip(questions, _embed_questions(questions, build, embed), strict=True), 1):
        ranked, best = retriever.top(question, vector, "hybrid")
        found = best >= merged["retrieval"]["threshold"]
        prompt = None
        if found:
            chosen = settings.sources([retriever.items[r.index] for r in ranked], merged["prompt"])
            prompt = pipeline.build_prompt(question, chosen, merged["prompt"], chat_prompt, count)
        out.append(Example(f"ask-{n}", question, best, found, ranked, prompt))
    return out
