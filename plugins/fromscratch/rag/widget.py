"""The HTML of `{% widget "rag-qa" %}`: the element, with its example questions answered at build time.

Each example is written into the page in full (the passages the hybrid ranking retrieved, the
prompt, SmolLM2's greedy answer and its citation check), so a reader sees them without
downloading any model and without JavaScript; rag-qa.js picks them up from the page to offer
them as buttons. The answers come from the build's answer cache (textgen/answers.py, keyed by
the model file and the exact prompt), so a warm build runs no model. Every text is escaped;
newlines are written as `&#10;` so the block holds no blank line for Markdown to split on.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable

from ..errors import ShortcodeError
from ..shortcodes.context import PageContext
from ..textgen.answers import answer_cache
from . import pipeline
from .stage import Example, RagBuild

log = logging.getLogger("mkdocs.plugins.fromscratch.rag")

NOT_FOUND = "Not found in these documents."


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "&#10;")


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True).replace("\n", "&#10;")


def passage_item(item: dict, score: float, cosine: float, prompt: dict) -> str:
    """One retrieved passage: the test contract's li[data-doc][data-section][data-score]."""
    part = f" (part {item['part']} of {item['parts']})" if item["parts"] > 1 else ""
    return (
        f'<li class="fs-rag__passage" data-doc="{_attr(item["license"])}" data-section="{_attr(item["section"])}" '
        f'data-score="{score:.4f}" data-cosine="{cosine:.4f}" data-id="{_attr(item["id"])}">'
        f'<details><summary><span class="fs-rag__cite">{_text(pipeline.cite_id(item, prompt))}</span>{_text(part)} '
        f'<span class="fs-rag__title">{_text(item["title"])}</span> '
        f'<span class="fs-rag__score">score {score:.3f} · cosine {cosine:.2f}</span></summary>'
        f'<p class="fs-rag__text">{_text(item["text"])}</p></details></li>'
    )


def check_item(cite: str, allowed: set[str]) -> str:
    """One line of the citation check: is the id the answer cites one the prompt held?"""
    ok = cite in allowed
    return (f'<li data-cite="{_attr(cite)}" data-in-prompt="{str(ok).lower()}">[{_text(cite)}] '
            f"{'is a passage in the prompt' if ok else 'was NOT in the prompt: a made-up source'}</li>")


def example_html(example: Example, items: list[dict], settings: dict, answers, model_id: str, *,  # noqa: ANN001
                 item_html: Callable[[dict, pipeline.Ranked], str],
                 check_html: Callable[[str, set[str]], str] = check_item,
                 not_found: str = NOT_FOUND, noun: str = "passage") -> str:
    """One example question as the build answered it: what was retrieved (`item_html` writes
    each hit), the prompt, the model's answer and the citation check (`check_html`). Shared by
    `<rag-qa>` (license passages) and `<ask-site>` (the site's sections, ask/widget.py)."""
    prompt = settings["prompt"]
    threshold = settings["retrieval"]["threshold"]
    hits = "".join(item_html(items[r.index], r) for r in example.ranked)
    head = (
        f'<section class="fs-rag-example" data-example="{_attr(example.id)}" data-question="{_attr(example.question)}" '
        f'data-found="{str(example.found).lower()}" data-best="{example.best:.4f}" data-ranking="hybrid">'
        f'<p class="fs-rag-example__question"><strong>Example question:</strong> {_text(example.question)}</p>'
        f'<ol class="fs-rag__passages" aria-label="{noun.capitalize()}s retrieved for this question">{hits}</ol>'
    )
    if not example.found:
        return head + (
            f'<p class="fs-rag__answer fs-rag__answer--declined">{_text(not_found)}</p>'
            f'<p class="fs-rag__caption">The best {noun}\'s cosine similarity is {example.best:.2f}, below the '
            f"threshold of {threshold:.2f}: nothing retrieved is close enough, so the model is not asked.</p></section>"
        )
    assert example.prompt is not None
    started = time.perf_counter()
    answer = answers.get(example.prompt.text, prompt["max_tokens"])
    log.debug(f"rag: example {example.id} answered in {time.perf_counter() - started:.1f} s")
    full = prompt["answer_start"] + answer.text.rstrip()
    allowed = set(example.prompt.used)
    cited = list(dict.fromkeys(pipeline.citations(full)))
    checks = "".join(check_html(c, allowed) for c in cited) or f'<li data-cite="">The answer cites no {noun}.</li>'
    cut = " (cut off at the token limit)" if answer.tokens >= prompt["max_tokens"] else ""
    return head + (
        f'<details class="fs-rag__prompt-box"><summary>The prompt the model read ({example.prompt.tokens} tokens of a '
        f'{prompt["budget_tokens"]}-token budget)</summary><pre class="fs-rag__prompt">{_text(example.prompt.text)}</pre></details>'
        f'<p class="fs-rag__answer">{_text(full)}</p>'
        f'<ul class="fs-rag__citations" aria-label="Citation check">{checks}</ul>'
        f'<p class="fs-rag__caption">Answer written by {_text(model_id)} when this page was built: greedy, '
        f"{answer.prompt_tokens} prompt tokens, {answer.tokens} tokens written{cut}.</p></section>"
    )


def _example(example: Example, rag: RagBuild, answers, model_id: str) -> str:  # noqa: ANN001
    prompt = rag.settings["prompt"]
    return example_html(example, rag.items, rag.settings, answers, model_id,
                        item_html=lambda item, r: passage_item(item, r.score, r.cosine, prompt))


def record_note(rag: RagBuild) -> str:
    """The threshold and ranking measured on the gold set by this build, in one sentence each."""
    g = rag.gold
    threshold = rag.settings["retrieval"]["threshold"]
    k = rag.settings["retrieval"]["top_k"]
    return (
        f'<p class="fs-rag__record" data-threshold="{threshold}" data-declined-unanswerable="{g.declined_unanswerable}" '
        f'data-declined-answerable="{g.declined_answerable}" data-hits-hybrid="{g.hits["hybrid"]}" '
        f'data-hits-keyword="{g.hits["keyword"]}" data-hits-semantic="{g.hits["semantic"]}" data-answerable="{g.answerable}">'
        f"Measured when this page was built, on the chapter's gold questions: the box declines when the best "
        f"cosine similarity is below {threshold:.2f}, which declines {g.declined_unanswerable} of the "
        f"{g.unanswerable} unanswerable questions and wrongly declines {g.declined_answerable} of the "
        f"{g.answerable} answerable ones. An answering passage is among the first {k} for "
        f"{g.hits['hybrid']} of the {g.answerable} answerable questions with the hybrid ranking, "
        f"{g.hits['keyword']} with keywords alone and {g.hits['semantic']} with meaning alone.</p>"
    )


def rag_qa(ctx: PageContext | None) -> str:
    build = getattr(ctx, "build", None)
    rag: RagBuild | None = getattr(build, "rag", None)
    if rag is None:
        raise ShortcodeError(
            "widget: rag-qa needs the license corpus: set runtime.rag.loader in mkdocs.yml to the chapter's "
            "legal_corpus.py (and keep that file in the project)")
    answers, model_id = answer_cache(ctx)
    started = time.perf_counter()
    examples = "".join(_example(e, rag, answers, model_id) for e in rag.examples)
    seconds = time.perf_counter() - started
    if seconds > 1:  # the language model ran (a warm build reads every answer from the cache)
        log.info(f"rag: {len(rag.examples)} example answers for {ctx.display_path} in {seconds:.1f} s")
    return (
        '<div class="fs-widget-host" data-fs-widget="rag-qa">\n'
        f'<rag-qa corpus="{_attr(rag.name)}"><div class="fs-rag__static">'
        '<p class="fs-widget__fallback">The question box runs small AI models in your browser and needs '
        "JavaScript. Here are its example questions, answered when this page was built.</p>"
        f"{examples}</div></rag-qa>\n{record_note(rag)}\n</div>"
    )
