"""Executed notebooks stored under a key of everything that can change their outputs.

Why a small module of our own rather than jupyter-cache (which is installed, and which
we tried first on paper):

- Its key is the code cells plus the notebook's kernelspec metadata. Ours must also hold
  the notebook's path and the files it reads, the Python version and the packages the
  kernel has (see `environment`), and the kernel we actually run (the project's .venv),
  not the one named in the notebook.
- It keeps its index in SQLite. `mkdocs serve` and `make build` (or two test builds) using
  one cache folder at once then contend for a database lock; one file per entry, written
  to a temporary name and renamed into place, needs no lock and can never be half-written.
- Its executors run every outdated notebook of a "project" and record failures in the
  database; we need per-notebook control (cwd, timeout, our error message, never storing a
  failed run), which is nbclient's API anyway, and that is what `execute` uses.

What is left for us is the key, the validated read, and copying the cached outputs into the
current notebook (the key ignores Markdown cells, so prose edits re-use the outputs without
re-running anything). Storage is the plugin's one cache folder (`fromscratch.cache`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import nbformat.reader
from nbformat import NotebookNode

from ..cache import Cache, write_atomic

log = logging.getLogger("mkdocs.plugins.fromscratch.notebooks")

KEY_VERSION = 2  # bump when the meaning of a key changes


@dataclass(frozen=True)
class Environment:
    """What besides the code and the inputs decides a notebook's outputs."""

    kernel: str
    python: str
    packages: dict[str, str] = field(default_factory=dict)  # distribution -> version, in the kernel


def notebook_key(nb: NotebookNode, env: Environment, src_uri: str, inputs: dict[str, str]) -> str:
    """The cache key: the notebook's path (two notebooks with the same code in two folders read
    different files), code cell sources and tags (a `raises-exception` tag changes the result),
    the sha256 of every file it reads (`inputs`), the kernel and its packages."""
    cells = [
        {"source": cell.source, "tags": sorted(cell.get("metadata", {}).get("tags", []))}
        for cell in nb.cells
        if cell.cell_type == "code"
    ]
    payload = {
        "v": KEY_VERSION,
        "cells": cells,
        "kernel": env.kernel,
        "python": env.python,
        "packages": env.packages,
        "path": src_uri,
        "inputs": inputs,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class NotebookCache:
    """One `executed/<key>.ipynb` per executed notebook, in the `notebooks` kind of the cache."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def load(self, key: str) -> NotebookNode | None:
        return self.cache.read("notebooks", f"executed/{key}.ipynb", _parse_executed)

    def store(self, key: str, nb: NotebookNode) -> None:
        self.cache.write("notebooks", f"executed/{key}.ipynb", nbformat.writes(nb))


def read_notebook(path: Path | str) -> NotebookNode:
    """A notebook as `nbformat.read(path, as_version=4)` returns it, without the schema check:
    that check compiles nbformat's schema and walks every cell, on every warm build, for files
    that either run now (checked then, `check_schema`) or were written by this plugin."""
    with open(path, encoding="utf-8") as fh:
        return nbformat.convert(nbformat.reader.reads(fh.read()), 4)


def check_schema(nb: NotebookNode, display: str) -> None:
    """Warn (a strict build fails) when a notebook about to run breaks nbformat's schema."""
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        log.warning(f"{display}: not a valid notebook ({str(exc).splitlines()[0]}); "
                    "fix that field (Jupyter writes valid notebooks when it saves)")


def _parse_executed(data: bytes) -> NotebookNode:
    """An executed notebook we wrote: a version 4 notebook whose cells nbformat can read, with
    our run record. A damaged entry (cut short, or not ours) fails here and is run again."""
    nb = nbformat.reader.reads(data.decode("utf-8"))
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError(f"nbformat {nb.get('nbformat')}, not 4")
    for cell in nb.cells:
        if cell.get("cell_type") not in ("code", "markdown", "raw") or not isinstance(cell.get("source"), str):
            raise ValueError("a cell without a type or source")
        if cell.cell_type == "code" and not isinstance(cell.get("outputs"), list):
            raise ValueError("a code cell without outputs")
    if "executed_at" not in nb.metadata.get("fromscratch", {}):
        raise ValueError("no run record")
    return nb


def write_if_changed(path: Path, text: str) -> None:
    """Leave an identical file alone, so its mtime (and any cache keyed on it) stays put."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        pass
    write_atomic(path, text)


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks into one output: the kernel sends a cell's
    prints in several messages when they are apart in time, and each would render as its own box."""
    joined: list = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            joined[-1] = {**last, "text": _text(last["text"]) + _text(output["text"])}
        else:
            joined.append(output)
    return [nbformat.from_dict(output) for output in joined]


def _text(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else text


def merge_outputs(source: NotebookNode, executed: NotebookNode) -> NotebookNode:
    """The current notebook (its Markdown as now written) with the executed code cells' outputs."""
    merged = copy.deepcopy(source)
    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    mine = [cell for cell in merged.cells if cell.cell_type == "code"]
    for cell, done in zip(mine, ran, strict=True):
        cell.outputs = coalesce_streams(done.get("outputs", []))
        cell.execution_count = done.get("execution_count")
    if "language_info" in executed.metadata:
        merged.metadata["language_info"] = executed.metadata["language_info"]
    # the run record joins what the author wrote there (declared inputs)
    merged.metadata["fromscratch"] = {**source.metadata.get("fromscratch", {}),
                                      **executed.metadata.get("fromscratch", {})}
    return merged
