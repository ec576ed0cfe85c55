"""A site rebuilt with another model and corpus, served at the same origin: never a mix.

The reader uses a widget on build A, then the site is replaced by build B (a changed
ONNX file and a corpus with one more document) at the same URL. Files copied into
the site keep their source's modification time, so a static host's Last-Modified
lets the browser reuse old model files from its HTTP cache for a long time, while
freshly generated files are revalidated: exactly the mix a reader gets after a
deploy. The page must load B's model and rank B's corpus, with no error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, make_project, run_mkdocs_build

from browser.conftest import SUBPATH, serve

pytestmark = pytest.mark.browser

MODEL = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2"
ONNX = "onnx/model_quantized.onnx"
LONG_AGO = 1_600_000_000  # September 2020: what a model fetched long ago looks like to a cache
# A protobuf field the ONNX schema does not define (number 100, varint 1): onnxruntime
# ignores it, so B's model computes the same vectors from a file with another sha256.
UNKNOWN_FIELD = bytes([0xA0, 0x06, 0x01])
NEW_DOC = {"text": "A tortoise called Sheldon basks under his heat lamp every morning.", "topic": "reptiles"}


def _build(tmp: Path, model: Path, pets: dict) -> Path:
    def accept(text: str) -> str:  # this model's checksums are accepted ones
        for rel in (ONNX, "config.json"):
            sha = hashlib.sha256((model / rel).read_bytes()).hexdigest()
            text = text.replace(f"            {rel}:\n", f"            {rel}:\n              - {sha}\n", 1)
        return text

    tmp.mkdir()
    project = make_project(tmp, {"index.md": '# W\n\n{% widget "semantic-search", corpus="pets" %}\n'},
                           config_edit=accept)
    shutil.rmtree(project / ".cache", ignore_errors=True)
    (project / ".cache" / "models").mkdir(parents=True)
    shutil.copytree(model, project / ".cache" / "models" / MODEL.name)
    for other in (ROOT / ".cache" / "models").iterdir():  # the language model, unchanged between A and B
        if other.is_dir() and other.name != MODEL.name:
            (project / ".cache" / "models" / other.name).symlink_to(other)
    corpora = project / "docs" / "data" / "corpora"
    corpora.mkdir(parents=True)
    (corpora / "pets.json").write_text(json.dumps(pets), encoding="utf-8")
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    return result.site


@pytest.mark.skipif(not MODEL.is_dir(), reason="run `make setup` first (fetches the model)")
def test_a_rebuilt_site_is_never_mixed_with_the_old_one(browser, tmp_path: Path) -> None:  # noqa: ANN001
    pets = json.loads((ROOT / "docs/data/corpora/pets.json").read_text(encoding="utf-8"))
    model_a = tmp_path / "model-a"
    shutil.copytree(MODEL, model_a)
    for f in model_a.rglob("*"):
        os.utime(f, (LONG_AGO, LONG_AGO))
    site_a = _build(tmp_path / "a", model_a, pets)

    model_b = tmp_path / "model-b"
    shutil.copytree(model_a, model_b)
    onnx_b = (model_b / ONNX).read_bytes() + UNKNOWN_FIELD
    (model_b / ONNX).write_bytes(onnx_b)
    config_b = (model_b / "config.json").read_bytes() + b"\n"  # small enough for any HTTP cache
    (model_b / "config.json").write_bytes(config_b)
    pets_b = {**pets, "items": [*pets["items"], NEW_DOC]}
    site_b = _build(tmp_path / "b", model_b, pets_b)

    (tmp_path / "srv").mkdir()
    for server in serve(site_a, tmp_path / "srv"):
        ctx = browser.new_context()
        ctx.set_default_timeout(60_000)
        page = ctx.new_page()
        page.goto(server.base)
        page.fill("semantic-search input", "a slow reptile warming itself")
        page.click("semantic-search button.fs-widget__run")
        page.wait_for_selector("semantic-search [data-ranking=semantic] li.fs-result[data-score]")
        assert "Sheldon" not in page.locator("semantic-search [data-ranking=semantic]").inner_text()

        link = server.root / SUBPATH.strip("/")  # deploy B at the same URL
        link.unlink()
        link.symlink_to(site_b, target_is_directory=True)
        before = len(server.log)
        page.reload()
        page.fill("semantic-search input", "a slow reptile warming itself")
        page.click("semantic-search button.fs-widget__run")
        page.wait_for_function(
            "document.querySelector('semantic-search .fs-widget__error:not([hidden])') || "
            "document.querySelector('semantic-search [data-ranking=semantic] li[data-topic=reptiles]')")
        error = page.locator("semantic-search .fs-widget__error")
        assert error.is_hidden(), error.inner_text()
        first = page.locator("semantic-search [data-ranking=semantic] li.fs-result").first
        assert first.get_attribute("data-topic") == "reptiles"
        assert [p for p, s in server.log[before:] if p.endswith(".onnx") and s == 200]  # B's model, downloaded
        ctx.close()
