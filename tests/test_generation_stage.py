"""Staging the language model and wllama: verified on every build, listed with size and sha256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import ROOT
from fromscratch.runtime import fetch, generation


def _runtime(gguf: bytes | None, sha: str) -> dict:
    return {"cache_dir": ".cache", "generator": {"id": "tiny", "gguf": "tiny.gguf", "files": {"tiny.gguf": [sha]},
                                                 "n_ctx": 512, "hub_repo": "", "pypi": {}}}


def test_a_missing_or_damaged_gguf_stops_the_build(tmp_path: Path) -> None:
    runtime = _runtime(None, hashlib.sha256(b"GGUF weights").hexdigest())
    with pytest.raises(fetch.ModelError, match="missing: run `make setup`"):
        generation.stage_generation(None, None, tmp_path, runtime, ROOT / "node_modules")
    folder = fetch.model_dir(tmp_path, runtime, "generator")
    folder.mkdir(parents=True)
    (folder / "tiny.gguf").write_bytes(b"GGUF weights, damaged")
    with pytest.raises(fetch.ModelError, match="has sha256"):
        generation.stage_generation(None, None, tmp_path, runtime, ROOT / "node_modules")


def test_no_generator_configured_stages_nothing(tmp_path: Path) -> None:
    runtime = _runtime(None, "x")
    runtime["generator"]["id"] = ""
    generation.stage_generation(None, None, tmp_path, runtime, ROOT / "node_modules")  # no error, nothing read


def test_manifest_lists_library_wasm_and_model_with_checksums(tmp_path: Path) -> None:
    library = generation.wllama_files(ROOT / "node_modules")
    assert sorted(Path(d).name for d in library) == ["tokenizers.js", "wllama.js", "wllama.wasm"]
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF weights")
    data = generation.manifest(library, {"id": "tiny", "n_ctx": 512}, "assets/models/tiny/tiny.gguf", model)
    json.dumps(data)  # the browser reads it as JSON
    assert data["model"] == {"id": "tiny", "n_ctx": 512, "path": "assets/models/tiny/tiny.gguf",
                             "sha256": hashlib.sha256(b"GGUF weights").hexdigest(), "bytes": 12}
    for key in ("library", "wasm", "tokenizers"):
        src = library[data[key]["path"]]
        assert data[key]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
        assert data[key]["bytes"] == src.stat().st_size
