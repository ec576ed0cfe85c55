"""Example answers written by the language model at build time, cached by content hash.

Pages can show what SmolLM2 answers without asking the reader to download 98 MB: the
`generated` shortcode runs the same GGUF the browser runs (through `model.py`, greedy) and
keeps the answer in the build's cache, `.cache/generations/<key>.json`, where the key hashes the model file's
sha256, the exact prompt text and the settings. A warm build loads no model at all.

    {% generated "What is a vector database?", max_tokens="64" %}
"""

from __future__ import annotations

import hashlib
import html
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..cache import Cache
from ..errors import ShortcodeError
from ..runtime import fetch
from ..shortcodes.context import PageContext
from ..shortcodes.registry import register

CACHE_KIND = "generations"  # in the build's cache (.cache/generations/)
VERSION = 1  # bump when the forward pass changes what it computes
DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
STOP = ("<|endoftext|>", "<|im_end|>")


def chat_prompt(user: str, system: str = DEFAULT_SYSTEM) -> str:
    """SmolLM2's chat format (ChatML), the same text generation.js's chatPrompt() builds."""
    return f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


@dataclass
class Answer:
    text: str
    prompt_tokens: int
    tokens: int
    seconds: float


class Generator:
    """The GGUF's tokenizer and numpy model, loaded on first use (about 15 s)."""

    def __init__(self, gguf: Path) -> None:
        from .model import Model
        from .tokenizer import load_tokenizer

        self.tokenizer = load_tokenizer(gguf)
        self.model = Model(gguf)
        self.stop = {self.tokenizer.token_to_id(t) for t in STOP}

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def complete(self, prompt: str, max_tokens: int) -> Answer:
        from threadpoolctl import threadpool_limits

        ids = self.encode(prompt)
        started = time.perf_counter()
        # one BLAS thread, as the chapter's notebook does: a one-row product is too small to
        # share, and on a busy machine threads waiting for each other made each token many
        # times slower (the build's answer took minutes)
        with threadpool_limits(limits=1, user_api="blas"):
            out = self.model.generate(ids, max_tokens, self.stop)
        return Answer(self.tokenizer.decode(out), len(ids), len(out), time.perf_counter() - started)


class AnswerCache:
    """Answers by key in the build's cache (`generations` kind): reads are validated (a damaged
    entry is discarded and recomputed), writes atomic, and every entry read or written counts
    as used by the build, so eviction keeps it."""

    def __init__(self, cache: Cache, gguf: Path, model_sha256: str) -> None:
        self.cache, self.gguf, self.model_sha256 = cache, gguf, model_sha256

    def key(self, prompt: str, max_tokens: int) -> str:
        spec = {"v": VERSION, "model": self.model_sha256, "prompt": prompt, "max_tokens": max_tokens, "decode": "greedy"}
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()

    def get(self, prompt: str, max_tokens: int) -> Answer:
        name = f"{self.key(prompt, max_tokens)}.json"
        hit = self.cache.read(CACHE_KIND, name, _parse_answer)
        if hit is not None:
            return hit
        answer = generator_for(self.gguf).complete(prompt, max_tokens)
        self.cache.write(CACHE_KIND, name, json.dumps({**answer.__dict__, "prompt": prompt, "max_tokens": max_tokens}))
        return answer


def _parse_answer(data: bytes) -> Answer:
    d = json.loads(data)
    return Answer(str(d["text"]), int(d["prompt_tokens"]), int(d["tokens"]), float(d["seconds"]))


# The loaded model, by GGUF path: loading takes about 15 s, and a `mkdocs serve` rebuild or a
# second page should not pay it again. Not per-build state: it depends on the file alone.
_generators: dict[Path, Generator] = {}


def generator_for(gguf: Path) -> Generator:
    if gguf not in _generators:
        _generators[gguf] = Generator(gguf)
    return _generators[gguf]


def answer_cache(ctx: PageContext | None) -> tuple[AnswerCache, str]:
    """The build's answer cache and the model's id, from the page's build."""
    build = ctx.build if ctx is not None else None
    if build is None:
        raise ShortcodeError("generated: only works inside a site build")
    runtime = build.options.runtime
    generator = runtime["generator"]
    if not generator["id"]:
        raise ShortcodeError("generated: no language model is configured (runtime.generator in mkdocs.yml)")
    gguf = fetch.model_dir(build.root, runtime, "generator") / generator["gguf"]
    return AnswerCache(build.cache, gguf, generator["files"][generator["gguf"]][0]), generator["id"]


def generated(prompt: str, max_tokens: str | int = "64", ctx: PageContext | None = None) -> str:
    """The model's greedy answer to `prompt`, computed at build time."""
    cache, model_id = answer_cache(ctx)
    if not prompt.strip():
        raise ShortcodeError("generated: the prompt is empty")
    try:
        max_tokens = int(str(max_tokens).strip())
    except ValueError:
        max_tokens = 0
    if not 1 <= max_tokens <= 512:
        raise ShortcodeError(f"generated: max_tokens must be a whole number from 1 to 512 (got {max_tokens!r})")
    if not cache.gguf.is_file():
        raise ShortcodeError(f"generated: the language model {cache.gguf} is missing: run `make setup`")
    answer = cache.get(chat_prompt(prompt.strip()), max_tokens)
    cut = " (cut off at the token limit)" if answer.tokens >= max_tokens else ""
    return (
        '<figure class="fs-generated">'
        f'<p class="fs-generated__prompt"><strong>Prompt:</strong> {html.escape(prompt.strip())}</p>'
        f'<p class="fs-generated__answer">{html.escape(answer.text.strip())}</p>'
        f"<figcaption>Answer written by {html.escape(model_id)} (Q4_1) when this page was built: greedy, "
        f"{answer.prompt_tokens} prompt tokens, {answer.tokens} tokens written{cut}.</figcaption>"
        "</figure>"
    )


register("generated", generated, needs_page=True)
