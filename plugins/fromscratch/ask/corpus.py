"""The `site-sections` corpus as the build staged it, read back for the example questions.

The search step (plugins/fromscratch/search) embeds every section of the site in `on_env`
and lists the corpus in runtime.json; this reads that runtime.json and the two staged files
from the build's file list, in the format search/stage.py documents (int8 rows with a scale
each, or float32), so the build ranks exactly the vectors the reader's browser ranks.
"""

from __future__ import annotations

import json

import numpy as np
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from ..runtime import corpus, stage


def load(files: Files, name: str) -> tuple[dict, list[dict], np.ndarray]:
    """(runtime.json, the corpus items, their vectors as float32 rows)."""
    runtime = _read(files, stage.MANIFEST)
    entry = json.loads(runtime).get("corpora", {}).get(name)
    manifest = json.loads(runtime)
    if entry is None:
        raise PluginError(f"ask: the page asks this site, but the build made no {name!r} corpus; "
                          "turn search.by_meaning on in mkdocs.yml")
    data = json.loads(_read(files, manifest["files"][entry["manifest"]]["url"]))
    blob = _read(files, manifest["files"][entry["vectors"]]["url"])
    vectors = corpus.read_int8(data, blob) if data.get("dtype") == "int8" else corpus.read_vectors(data, blob)
    return manifest, data["items"], np.asarray(vectors, dtype=np.float32)


def _read(files: Files, path: str) -> bytes:
    file = files.get_file_from_path(path)
    if file is None:
        raise PluginError(f"ask: {path} is not among the site's files")
    return file.content_bytes
