"""Example answers written by the language model at build time, cached by content hash.

Pages can show what SmolLM2 answers without asking the reader to download 98 MB: the
`generated` shortcode runs the same GGUF the browser runs (through `model.py`, greedy) and
keeps the answer in `.cache/generations/<key>.json`, where the key hashes the model file's
sha256, the exact prompt text and the settings. A warm build loads no model at all.

    {% generated "What is a vector database?", max_tokens="64" %}
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ShortcodeError
from ..runtime import fetch
from ..shortcodes.registry import register

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
        ids = self.encode(prompt)
        started = time.perf_counter()
        out = self.model.generate(ids, max_tokens, self.stop)
        return Answer(self.tokenizer.decode(out), len(ids), len(out), time.perf_counter() - started)


class AnswerCache:
    """Answers on disk by key; a damaged entry is discarded and recomputed, writes are atomic."""

    def __init__(self, folder: Path, gguf: Path, model_sha256: str) -> None:
        self.folder, self.gguf, self.model_sha256 = folder, gguf, model_sha256
        self._generator: Generator | None = None

    def key(self, prompt: str, max_tokens: int) -> str:
        spec = {"v": VERSION, "model": self.model_sha256, "prompt": prompt, "max_tokens": max_tokens, "decode": "greedy"}
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()

    def get(self, prompt: str, max_tokens: int) -> Answer:
        path = self.folder / f"{self.key(prompt, max_tokens)}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Answer(str(data["text"]), int(data["prompt_tokens"]), int(data["tokens"]), float(data["seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing or damaged: compute it again
        if self._generator is None:
            self._generator = Generator(self.gguf)
        answer = self._generator.complete(prompt, max_tokens)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({**answer.__dict__, "prompt": prompt, "max_tokens": max_tokens}), encoding="utf-8")
        tmp.replace(path)
        return answer


_cache: AnswerCache | None = None
_model_id = ""


def configure(root: Path, runtime: Mapping) -> None:
    """Called by the runtime hooks in on_config: where the GGUF and the answer cache live."""
    global _cache, _model_id
    generator = runtime["generator"]
    if not generator["id"]:
        _cache = None
        return
    directory = fetch.model_dir(root, runtime, "generator")
    sha = generator["files"][generator["gguf"]][0]
    folder = root / runtime["cache_dir"] / "generations"
    if _cache is None or (_cache.folder, _cache.gguf, _cache.model_sha256) != (folder, directory / generator["gguf"], sha):
        _cache = AnswerCache(folder, directory / generator["gguf"], sha)
    _model_id = generator["id"]


def generated(prompt: str, max_tokens: str | int = "64") -> str:
    """The model's greedy answer to `prompt`, computed at build time."""
    if _cache is None:
        raise ShortcodeError("generated: no language model is configured (runtime.generator in mkdocs.yml)")
    if not prompt.strip():
        raise ShortcodeError("generated: the prompt is empty")
    try:
        max_tokens = int(str(max_tokens).strip())
    except ValueError:
        max_tokens = 0
    if not 1 <= max_tokens <= 512:
        raise ShortcodeError(f"generated: max_tokens must be a whole number from 1 to 512 (got {max_tokens!r})")
    if not _cache.gguf.is_file():
        raise ShortcodeError(f"generated: the language model {_cache.gguf} is missing: run `make setup`")
    answer = _cache.get(chat_prompt(prompt.strip()), max_tokens)
    cut = " (cut off at the token limit)" if answer.tokens >= max_tokens else ""
    return (
        '<figure class="fs-generated">'
        f'<p class="fs-generated__prompt"><strong>Prompt:</strong> {html.escape(prompt.strip())}</p>'
        f'<p class="fs-generated__answer">{html.escape(answer.text.strip())}</p>'
        f"<figcaption>Answer written by {html.escape(_model_id)} (Q4_1) when this page was built: greedy, "
        f"{answer.prompt_tokens} prompt tokens, {answer.tokens} tokens written{cut}.</figcaption>"
        "</figure>"
    )


register("generated", generated)
