"""Staging the language model and wllama: the "generation" section of runtime.json, verified on
every build, each file at a content-hashed URL with its size and sha256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import ROOT
from fromscratch.cache import Cache
from fromscratch.runtime import fetch, generation, stage


def _ctx(root: Path, sha: str, cache: Cache | None = None) -> stage.StageContext:
    options = {"cache_dir": ".cache", "generator": {"id": "tiny", "gguf": "tiny.gguf", "files": {"tiny.gguf": [sha]},
                                                    "n_ctx": 512, "hub_repo": "", "pypi": {}}}
    return stage.StageContext(root, ROOT / "node_modules", options, root / "docs", cache)


def test_the_section_is_registered() -> None:
    assert stage.SECTIONS["generation"] is generation.stage_generation


def test_a_missing_or_damaged_gguf_stops_the_build(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, hashlib.sha256(b"GGUF weights").hexdigest())
    with pytest.raises(fetch.ModelError, match="missing: run `make setup`"):
        generation.stage_generation(ctx)
    folder = fetch.model_dir(tmp_path, ctx.options, "generator")
    folder.mkdir(parents=True)
    (folder / "tiny.gguf").write_bytes(b"GGUF weights, damaged")
    with pytest.raises(fetch.ModelError, match="has sha256"):
        generation.stage_generation(ctx)


def test_no_generator_configured_stages_nothing(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, "x")
    ctx.options["generator"]["id"] = ""
    assert generation.stage_generation(ctx) == ([], {})  # no error, nothing read


def test_section_names_hashed_files_with_checksums(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF weights")
    vocab = json.dumps({"model": {"vocab": {"a": 0}}}).encode()
    files, section = generation.section(ROOT / "node_modules", {"id": "tiny", "gguf": "tiny.gguf", "n_ctx": 512},
                                        model, vocab)
    manifest = stage.runtime_manifest(files, generation=section)
    json.dumps(manifest)  # the browser reads it as JSON
    stage.require(manifest, *stage.referenced(section))  # every name the section uses is staged
    assert sorted(stage.referenced(section)) == sorted(manifest["files"]) == sorted(
        ["wllama.js", "wllama.wasm", "tokenizers.js", "tiny/tiny.gguf", "tiny/tokenizer.json"])
    gguf = manifest["files"][section["model"]["model_file"]]
    digest = hashlib.sha256(b"GGUF weights").hexdigest()
    assert gguf == {"url": f"assets/models/tiny/{digest[:16]}/tiny.gguf", "sha256": digest, "bytes": 12, "code": False}
    assert section["model"]["n_ctx"] == 512
    by_name = {f.name: f for f in files}
    for name in ("wllama.js", "wllama.wasm", "tokenizers.js"):
        src = by_name[name].src
        entry = manifest["files"][name]
        assert entry["code"] is True  # re-hashed whenever read back from Cache Storage
        assert entry["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
        assert entry["url"].split("/")[-2] == entry["sha256"][:16]
        assert entry["bytes"] == src.stat().st_size


def test_tokenizer_json_goes_through_the_build_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path, enabled=True, project=str(tmp_path / "mkdocs.yml"))
    good = json.dumps({"model": {"vocab": {"a": 0}}}).encode()
    name = f"{generation.CACHE_KIND}/tokenizer-{'ab' * 8}.json"
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_bytes(good)
    assert generation.tokenizer_json(tmp_path / "none.gguf", "ab" * 32, cache) == good  # no GGUF read
    assert name in cache.used
    (tmp_path / name).write_bytes(b"{cut sho")  # damaged: discarded, rebuilt from the GGUF

    class Fake:
        def to_str(self) -> str:
            return json.dumps({"model": {"vocab": {"b": 1}}})

    import fromscratch.textgen.tokenizer as tokenizer

    monkeypatch.setattr(tokenizer, "load_tokenizer", lambda _p: Fake())
    rebuilt = generation.tokenizer_json(tmp_path / "none.gguf", "ab" * 32, cache)
    assert json.loads(rebuilt)["model"]["vocab"] == {"b": 1}
    assert (tmp_path / name).read_bytes() == rebuilt
