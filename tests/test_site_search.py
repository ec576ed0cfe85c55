"""Search by meaning at build time: the site's sections as the `site-sections` corpus.

One small site (two Markdown pages, one with front matter and no first heading, and a notebook
page) is built once and shared with tests/browser/test_site_search.py: its sections must be
exactly the entries of the search index Material writes, its corpus staged at hashed URLs as
int8, and a second build must embed nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, BuildResult, make_project, run_mkdocs_build
from fromscratch.runtime import corpus
from fromscratch.runtime.embed import Embedder
from fromscratch.search import sections

HOME = """# Vectors in plain words

A vector is a list of numbers; an embedding turns a sentence into one, so sentences with
similar meanings point in similar directions.

## Measuring how alike two vectors are

Cosine similarity is the cosine of the angle between two arrows: 1 when they point the same
way, 0 when they are at right angles. Call `cosine(a, b)` for it.

```python
def cosine(a, b):
    return SECRET_CODE_TOKEN
```

{% widget "similarity-playground" %}

### Why length does not matter

Dividing by both lengths leaves only the direction, so a long document and a short one
can still be close.
"""

OTHER = """---
title: Keyword search
---

Keyword search finds pages that share words with the query; it misses synonyms.

## Ranking with BM25

BM25 scores a document by how often the query's rare words appear in it. Display math
is left out:

$$
\\mathrm{DISPLAYMATHTOKEN}(q, d) = 1
$$

## Search by meaning

An embedding model ranks by meaning instead, so "feline" finds "cat".
"""


def notebook() -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Building a tiny vector store\n\nWe keep vectors in a matrix and "
                                      "search it by multiplying with the query."),
        nbformat.v4.new_code_cell("vectors = [[1.0, 0.0], [0.0, 1.0]]\nprint('NOTEBOOKOUTPUTTOKEN')"),
        nbformat.v4.new_markdown_cell("## Nearest neighbours\n\nThe best match is the row with the "
                                      "largest dot product with the query."),
    ]
    return nbformat.writes(nb)


DOCS = {"index.md": HOME, "keyword.md": OTHER, "store.ipynb": notebook()}


@cache
def _build(folder: str) -> BuildResult:
    Path(folder).mkdir(parents=True)
    project = make_project(Path(folder), DOCS)
    shutil.copytree(ROOT / "docs" / "data", project / "docs" / "data")
    return run_mkdocs_build(project)


@pytest.fixture(scope="session")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The small site, built once per session (tests/browser/test_site_search.py uses it too)."""
    result = _build(str(tmp_path_factory.getbasetemp() / "site-search"))
    assert result.ok, result.output
    return result


def staged(site: Path) -> tuple[dict, dict, bytes, dict]:
    """(runtime.json, the corpus entry, the vectors' bytes, the corpus manifest)."""
    runtime = json.loads((site / "assets/runtime/runtime.json").read_text(encoding="utf-8"))
    entry = runtime["corpora"]["site-sections"]
    blobs = {}
    for key in ("manifest", "vectors"):
        info = runtime["files"][entry[key]]
        data = (site / info["url"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"] and len(data) == info["bytes"]
        assert f"/{info['sha256'][:16]}/" in info["url"], "staged at a content-hashed URL"
        blobs[key] = data
    return runtime, entry, blobs["vectors"], json.loads(blobs["manifest"])


def test_sections_are_material_search_index_entries(search_site: BuildResult) -> None:
    index = json.loads((search_site.site / "search/search_index.json").read_text(encoding="utf-8"))
    _, _, _, manifest = staged(search_site.site)
    ours = [(i["location"], i["title"]) for i in manifest["items"]]
    theirs = [(d["location"], sections.plain(d["title"])) for d in index["docs"]]
    assert sorted(ours) == sorted(theirs)
    assert len(ours) >= 8 and any(loc.startswith("store/#") for loc, _ in ours)  # the notebook's sections
    pages = {i["location"]: i["page"] for i in manifest["items"]}
    assert pages["keyword/"] == "Keyword search" and pages["#why-length-does-not-matter"] == "Vectors in plain words"


def test_section_text_leaves_out_code_math_widgets_and_notebook_boxes(search_site: BuildResult) -> None:
    _, _, _, manifest = staged(search_site.site)
    text = {i["location"]: i["text"] for i in manifest["items"]}
    everything = " ".join(text.values())
    for token in ("SECRET_CODE_TOKEN", "DISPLAYMATHTOKEN", "NOTEBOOKOUTPUTTOKEN", "vectors = [[",
                  "This interactive example", "Download", "Ran in"):
        assert token not in everything, token
    # Material's own index has them all (what is skipped is ours to skip)
    index = (search_site.site / "search/search_index.json").read_text(encoding="utf-8")
    assert "SECRET_CODE_TOKEN" in index and "NOTEBOOKOUTPUTTOKEN" in index and "Download" in index
    assert "cosine of the angle between two arrows" in text["#measuring-how-alike-two-vectors-are"]
    assert "Call cosine(a, b) for it." in text["#measuring-how-alike-two-vectors-are"]  # inline code stays
    assert text["store/#nearest-neighbours"].startswith("The best match is the row")


def test_corpus_is_staged_as_int8_and_close_to_float32(search_site: BuildResult) -> None:
    runtime, entry, blob, manifest = staged(search_site.site)
    onnx = runtime["embedding"]["model"]["files"]["onnx/model_quantized.onnx"]
    assert entry["model_sha256"] == manifest["model_sha256"] == runtime["files"][onnx]["sha256"]
    assert manifest["dtype"] == "int8" and entry["vectors"].endswith(".i8")
    assert len(blob) == manifest["count"] * manifest["dims"] == manifest["count"] * 384  # a byte a number
    rows = corpus.read_int8(manifest, blob)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=0.01)
    # the float32 vectors the build made (its corpus cache) against what ships
    cached = sorted((search_site.project / ".cache/corpora").glob("site-sections-*.f32"))
    assert len(cached) == 1
    full = np.frombuffer(cached[0].read_bytes(), dtype="<f4").reshape(rows.shape)
    cosines = (rows * full).sum(axis=1) / np.linalg.norm(rows, axis=1)
    assert cosines.min() > 0.999
    # and they mean something: a question sharing no word with it finds the cosine section
    query = Embedder(ROOT / ".cache/models/all-MiniLM-L6-v2").embed(["how do I tell if two arrows point the same way"])
    assert manifest["items"][int(np.argmax(rows @ query[0]))]["location"] == "#measuring-how-alike-two-vectors-are"


def test_int8_round_trip_is_exact_for_the_stored_scales() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(5, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    items = [{"text": f"t{i}"} for i in range(5)]
    manifest = {"name": "x", "count": 5, "dims": 384, "items": items}
    small = corpus.to_int8(corpus.Built("x", json.dumps(manifest).encode(), v.tobytes()))
    m = json.loads(small.manifest)
    back = corpus.read_int8(m, small.vectors)
    assert len(small.vectors) == 5 * 384 and m["vectors"] == "x.i8"
    assert np.abs(back - v).max() <= max(m["scales"]) / 2 + 1e-7  # within half a step
    assert np.abs(np.frombuffer(small.vectors, np.int8)).max() == 127


def test_warm_build_embeds_nothing_and_an_edit_embeds_one_page(search_site: BuildResult, tmp_path: Path) -> None:
    project = tmp_path / "copy"
    shutil.copytree(search_site.project, project, symlinks=True)
    shutil.rmtree(project / "site")
    assert re.search(r"search: \d+ sections staged as site-sections \(\d+ embedded now\)", search_site.output)
    warm = run_mkdocs_build(project)
    assert warm.ok, warm.output
    assert re.search(r"search: \d+ sections staged as site-sections \(0 embedded now\)", warm.output), warm.output
    assert staged(warm.site)[2] == staged(search_site.site)[2]  # the same vectors
    page = project / "docs/keyword.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence about synonyms.\n", encoding="utf-8")
    edited = run_mkdocs_build(project)
    assert edited.ok, edited.output
    assert re.search(r"search: \d+ sections staged as site-sections \(3 embedded now\)", edited.output), edited.output


def test_switching_it_off_stages_no_section_corpus(tmp_path: Path) -> None:
    def off(config: str) -> str:
        return config.replace("  - fromscratch:\n", "  - fromscratch:\n      search:\n        by_meaning: false\n", 1)

    project = make_project(tmp_path, {"index.md": "# Home\n\nText.\n"}, config_edit=off)
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    runtime = json.loads((result.site / "assets/runtime/runtime.json").read_text(encoding="utf-8"))
    assert "site-sections" not in runtime["corpora"] and "search:" not in result.output
