"""Stage the text-generation runtime: wllama (llama.cpp in WebAssembly) and the GGUF model.

Kept apart from the embedding runtime (`stage.py`) so a site without a `generator:` in
mkdocs.yml stages nothing of it, and so the two can change independently. The browser
reads `assets/runtime/generation.json`, which lists every file it downloads with its size
and sha256, exactly as `runtime.json` does for the embedding model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from .. import assets
from . import fetch, stage

PACKAGE = "@wllama/wllama"
# What the page loads from the package: the ES module and the one WebAssembly build
# (v3 ships a single build; it runs one thread, or several when the page is cross-origin isolated).
LIBRARY = "esm/index.min.js"
WASM = "esm/wasm/wllama.wasm"
MANIFEST = f"{stage.RUNTIME_ROOT}/generation.json"
# A 37 kB tokenizer library, so the page can count a prompt's tokens before the model reads it
# (wllama reports the count only with the first token). Its tokenizer.json is written from the
# GGUF's own vocabulary at build time (textgen/tokenizer.py), cached by the GGUF's sha256.
TOKENIZERS = ("@huggingface/tokenizers", "dist/tokenizers.min.mjs")
TOKENIZER_CONFIG = {"add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False,
                    "tokenizer_class": "GPT2Tokenizer"}


def wllama_files(node_modules: Path) -> dict[str, Path]:
    """Site path -> source file, under a folder named for the pinned version."""
    root = assets.package_dir(node_modules, PACKAGE)
    version = json.loads((root / "package.json").read_text(encoding="utf-8"))["version"]
    folder = f"{stage.RUNTIME_ROOT}/wllama-{version}"
    staged = {f"{folder}/wllama.js": root / LIBRARY, f"{folder}/wllama.wasm": root / WASM}
    tok_root = assets.package_dir(node_modules, TOKENIZERS[0])
    tok_version = json.loads((tok_root / "package.json").read_text(encoding="utf-8"))["version"]
    staged[f"{stage.RUNTIME_ROOT}/tokenizers-{tok_version}/tokenizers.js"] = tok_root / TOKENIZERS[1]
    for dest, src in staged.items():
        if not src.is_file():
            raise PluginError(f"{src} is missing (needed for {dest}): run `npm ci --ignore-scripts`")
    return staged


def _entry(path: str, src: Path) -> dict:
    return {"path": path, "sha256": fetch.sha256_file(src), "bytes": src.stat().st_size}


def tokenizer_json(gguf: Path, sha256: str, cache: Path) -> Path:
    """tokenizer.json (Hugging Face format) for the GGUF's vocabulary, written once per model."""
    path = cache / f"tokenizer-{sha256[:16]}.json"
    if not path.is_file():
        from ..textgen.tokenizer import load_tokenizer

        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(load_tokenizer(gguf).to_str(), encoding="utf-8")
        tmp.replace(path)
    return path


def manifest(library: Mapping[str, Path], generator: Mapping, model_path: str, model_src: Path,
             tokenizer: tuple[str, Path] | None = None) -> dict:
    """What generation.js reads on first use; paths are relative to the site root."""
    js, wasm, tok = (next(d for d in library if d.endswith(name)) for name in ("/wllama.js", "/wllama.wasm", "/tokenizers.js"))
    data = {
        "library": _entry(js, library[js]),
        "wasm": _entry(wasm, library[wasm]),
        "tokenizers": _entry(tok, library[tok]),
        "model": {"id": generator["id"], "n_ctx": generator["n_ctx"], **_entry(model_path, model_src)},
    }
    if tokenizer:
        data["tokenizer"] = {**_entry(*tokenizer), "config": TOKENIZER_CONFIG}
    return data


def stage_generation(files: Files, config: MkDocsConfig, root: Path, runtime: Mapping, node_modules: Path) -> None:
    """Verify the GGUF (every build) and add it, wllama and generation.json to the site."""
    generator = runtime["generator"]
    if not generator["id"]:
        return
    if generator["gguf"] not in generator["files"]:
        raise PluginError(f"runtime.generator.gguf {generator['gguf']!r} is not one of runtime.generator.files")
    directory = fetch.model_dir(root, runtime, "generator")
    fetch.verify(directory, generator["files"])
    library = wllama_files(node_modules)
    model_path = f"{stage.MODELS_ROOT}/{generator['id']}/{generator['gguf']}"
    sha = fetch.sha256_file(directory / generator["gguf"])
    tokenizer = (f"{stage.MODELS_ROOT}/{generator['id']}/tokenizer.json",
                 tokenizer_json(directory / generator["gguf"], sha, root / runtime["cache_dir"] / "generations"))
    assets.add_staged(files, config, {**library, model_path: directory / generator["gguf"], tokenizer[0]: tokenizer[1]})
    data = manifest(library, generator, model_path, directory / generator["gguf"], tokenizer)
    stage.add_generated(files, config, MANIFEST, json.dumps(data, indent=1))
