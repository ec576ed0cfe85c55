"""Executed notebooks stored under a key of everything that can change their outputs.

Why a small module of our own rather than jupyter-cache (which is installed, and which
we tried first on paper):

- Its key is the code cells plus the notebook's kernelspec metadata. Ours must also hold
  the Python version and the hash of requirements.lock, and the kernel we actually run
  (the project's .venv), not the one named in the notebook; with jupyter-cache that means
  writing fake metadata into every notebook before hashing.
- It keeps its index in SQLite. `mkdocs serve` and `make build` (or two test builds) using
  one cache folder at once then contend for a database lock; one file per entry, written
  to a temporary name and renamed into place, needs no lock and can never be half-written.
- Its executors run every outdated notebook of a "project" and record failures in the
  database; we need per-notebook control (cwd, timeout, our error message, never storing a
  failed run), which is nbclient's API anyway, and that is what `execute` uses.

What is left for us is about fifty lines: hash, read, atomic write, and copying the cached
outputs into the current notebook (the key ignores Markdown cells, so prose edits re-use
the outputs without re-running anything).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

KEY_VERSION = 1  # bump when the meaning of a key changes


@dataclass(frozen=True)
class Environment:
    """What besides the code decides a notebook's outputs."""

    kernel: str
    python: str
    lock_hash: str


def file_hash(path: Path) -> str:
    """sha256 of a file, or "absent" (a project without a lock file still builds)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "absent"


def notebook_key(nb: NotebookNode, env: Environment) -> str:
    """The cache key: code cell sources and tags (a `raises-exception` tag changes the result)."""
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
        "lock": env.lock_hash,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class NotebookCache:
    """One `<key>.ipynb` per executed notebook under `root/executed/`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / "executed" / f"{key}.ipynb"

    def load(self, key: str) -> NotebookNode | None:
        path = self.path(key)
        try:
            return nbformat.read(path, as_version=4)
        except FileNotFoundError:
            return None
        except Exception:  # a damaged entry is a miss, never a failed build
            return None

    def store(self, key: str, nb: NotebookNode) -> Path:
        path = self.path(key)
        write_atomic(path, nbformat.writes(nb))
        return path


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str) -> None:
    """Leave an identical file alone, so its mtime (and any cache keyed on it) stays put."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        pass
    write_atomic(path, text)


def merge_outputs(source: NotebookNode, executed: NotebookNode) -> NotebookNode:
    """The current notebook (its Markdown as now written) with the executed code cells' outputs."""
    merged = copy.deepcopy(source)
    ran = [cell for cell in executed.cells if cell.cell_type == "code"]
    mine = [cell for cell in merged.cells if cell.cell_type == "code"]
    for cell, done in zip(mine, ran, strict=True):
        cell.outputs = done.get("outputs", [])
        cell.execution_count = done.get("execution_count")
    for name in ("language_info", "fromscratch"):
        if name in executed.metadata:
            merged.metadata[name] = executed.metadata[name]
    return merged
