"""The text-generation section of runtime.json: wllama (llama.cpp in WebAssembly) and the GGUF.

Registered with `@stage.section("generation")`, so its files are staged at content-hashed
URLs and listed in `assets/runtime/runtime.json` like every other runtime file, and the
browser (`generation.js`) downloads them through the same `download.js` (sha256-checked,
Cache Storage, idle timeout; the embedding worker's purge keeps them, being listed). A site
without a `generator:` in mkdocs.yml stages nothing of it and gets an empty section.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from mkdocs.exceptions import PluginError

from ..cache import Cache
from . import fetch, stage

PACKAGE = "@wllama/wllama"
# What the page loads from the package: the ES module and the one WebAssembly build
# (v3 ships a single build; it runs one thread, or several when the page is cross-origin isolated).
LIBRARIES = (
    stage.NpmFile("wllama.js", PACKAGE, "esm/index.min.js"),
    stage.NpmFile("wllama.wasm", PACKAGE, "esm/wasm/wllama.wasm"),
    # A 37 kB tokenizer library, so the page can count a prompt's tokens before the model reads
    # it (wllama reports the count only with the first token). Its tokenizer.json is written from
    # the GGUF's own vocabulary at build time (textgen/tokenizer.py), cached by the GGUF's sha256.
    stage.NpmFile("tokenizers.js", "@huggingface/tokenizers", "dist/tokenizers.min.mjs"),
)
TOKENIZER_CONFIG = {"add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False,
                    "tokenizer_class": "GPT2Tokenizer"}
CACHE_KIND = "generations"  # tokenizer.json here; build-time answers too (textgen/answers.py)


def tokenizer_json(gguf: Path, sha256: str, cache: Cache | None) -> bytes:
    """tokenizer.json (Hugging Face format) for the GGUF's vocabulary, written once per model."""
    name = f"tokenizer-{sha256[:16]}.json"
    if cache is not None:
        hit = cache.read(CACHE_KIND, name, _tokenizer_bytes)
        if hit is not None:
            return hit
    from ..textgen.tokenizer import load_tokenizer

    data = load_tokenizer(gguf).to_str().encode("utf-8")
    if cache is not None:
        cache.write(CACHE_KIND, name, data)
    return data


def _tokenizer_bytes(data: bytes) -> bytes:
    """A cached tokenizer.json is used only when it parses and has a vocabulary."""
    if not json.loads(data)["model"]["vocab"]:
        raise ValueError("empty vocabulary")
    return data


def section(node_modules: Path, generator: Mapping, model_src: Path, tokenizer: bytes) -> tuple[list[stage.Staged], dict]:
    """The files to stage and runtime.json's "generation" section, which names them."""
    model_id = generator["id"]
    model = stage.from_file(f"{model_id}/{generator['gguf']}", f"{stage.MODELS_ROOT}/{model_id}", model_src)
    vocab = stage.generated(f"{model_id}/tokenizer.json", f"{stage.MODELS_ROOT}/{model_id}", tokenizer)
    files = [*stage.npm_files(node_modules, LIBRARIES), model, vocab]
    data = {
        "library": "wllama.js",
        "wasm": "wllama.wasm",
        "tokenizer": {"library": "tokenizers.js", "file": vocab.name, "config": TOKENIZER_CONFIG},
        "model": {"id": model_id, "n_ctx": generator["n_ctx"], "model_file": model.name},
    }
    return files, data


@stage.section("generation")
def stage_generation(ctx: stage.StageContext) -> tuple[list[stage.Staged], dict]:
    """Verify the GGUF (every build), then wllama, the tokenizer and the model."""
    generator = ctx.options["generator"]
    if not generator["id"]:
        return [], {}
    if generator["gguf"] not in generator["files"]:
        raise PluginError(f"runtime.generator.gguf {generator['gguf']!r} is not one of runtime.generator.files")
    directory = fetch.model_dir(ctx.root, ctx.options, "generator")
    hashes = fetch.verify(directory, generator["files"])
    gguf = directory / generator["gguf"]
    return section(ctx.node_modules, generator, gguf, tokenizer_json(gguf, hashes[generator["gguf"]], ctx.cache))
