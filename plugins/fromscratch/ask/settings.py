"""The "Ask this site" settings: Chapter 1's pipeline with the few values a whole site needs.

BM25's k1 and b, the fusion constant and depth, top k and the prompt's shape are read from
Chapter 1's `pipeline.json` (runtime.rag.pipeline), so the page retrieves and prompts exactly
as `<rag-qa>` does; `settings.json` beside this module overrides what differs for the site's
sections: the threshold (measured on the site's own query set), what BM25 reads, numbered
sources, each section cut to its first words, the token budget. The browser reads the merged
settings from runtime.json's "ask" section, the build from `load()`: one source for both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from mkdocs.exceptions import PluginError

from ..rag import pipeline
from ..runtime import stage

OVERRIDES = Path(__file__).with_name("settings.json")


def load(root: Path, rag_options: Mapping) -> dict | None:
    """The merged settings; None when the project has no Chapter 1 pipeline file (a test site)."""
    base = root / rag_options["pipeline"]
    if not base.is_file():
        return None
    try:
        settings = pipeline.load_settings(base)
        extra = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    except (pipeline.PipelineError, json.JSONDecodeError) as exc:
        raise PluginError(f"ask: {exc}") from None
    merged = {"corpus": extra["corpus"],
              "retrieval": {**settings["retrieval"], **extra["retrieval"]},
              "prompt": {**settings["prompt"], **extra["prompt"]}}
    return merged


def sources(items: list[Mapping], prompt: Mapping) -> list[dict]:
    """Ranked sections as the prompt's numbered sources: `rank` (1 = best) for the cite id,
    the text cut to `passage_words` words so several sections fit the token budget."""
    words = int(prompt.get("passage_words", 0))
    out = []
    for rank, item in enumerate(items, start=1):
        text = item["text"]
        if words and len(text.split()) > words:
            text = " ".join(text.split()[:words]) + " …"
        out.append({**item, "rank": rank, "text": text})
    return out


@stage.section("ask")
def stage_ask(ctx: stage.StageContext) -> tuple[list[stage.Staged], dict]:
    """runtime.json's "ask" section: which corpus, and the settings the browser follows."""
    settings = load(ctx.root, ctx.options["rag"])
    return [], settings or {}
