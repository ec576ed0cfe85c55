"""The files a notebook reads, by sha256: part of its cache key.

Two sources:

- everything in the notebook's folder and below it, except Markdown pages and notebooks
  (and hidden files): a notebook opens its data by relative path, and an edit to a data
  file must re-run it. Pages are prose a notebook never reads, so editing a chapter page
  beside a notebook re-runs nothing; another notebook's source is its own business (its
  outputs are not files) - a notebook that truly reads one declares it.
- what the notebook declares in its metadata, globs relative to its folder, for files
  elsewhere (a shared data folder, the model under .cache/models/):

      "metadata": {"fromscratch": {"inputs": ["../../data/classification/*.jsonl"]}}

  A declared glob that matches no file is an error: the notebook would fail or, worse, the
  typo would leave that input out of the key.

A declared glob inside an npm package (`node_modules/<package>/...`) stands for the package as
npm installed it: its name, version and integrity from `node_modules/.package-lock.json`, the
record `npm ci` writes, instead of a sha256 per file. The spam corpus is one such package with
12,000 files: stat-ing, hashing and keying them was most of a warm build's notebook step, and
npm's integrity hash already covers them. What this misses is a hand edit inside node_modules,
which `npm ci` undoes; a package missing from npm's record falls back to hashing its files.
"""

from __future__ import annotations

import glob
import json
import os
import posixpath
import stat
from pathlib import Path

from nbformat import NotebookNode

from ..errors import SourceError
from ..runtime.fetch import sha256_file

SKIPPED = (".md", ".ipynb")


def declared(nb: NotebookNode, display: str) -> list[str]:
    """The notebook's `metadata.fromscratch.inputs`, checked to be a list of strings."""
    inputs = nb.metadata.get("fromscratch", {}).get("inputs", [])
    if not isinstance(inputs, list) or not all(isinstance(i, str) and i.strip() for i in inputs):
        raise SourceError(display, None, 'metadata.fromscratch.inputs must be a list of glob strings, '
                                          'e.g. ["../data/*.csv"]')
    return inputs


def notebook_inputs(path: Path, nb: NotebookNode, display: str,
                    memo: dict[tuple[str, str], dict[str, str]] | None = None) -> dict[str, str]:
    """{path relative to the notebook's folder: sha256} of every file the notebook may read.

    `memo`, one dict per build: notebooks of one folder share their folder's files and often
    their globs (five of Chapter 2's declare the 12,000 files of the spam corpus package), and
    listing and stat-ing those again for each notebook was most of a warm build."""
    memo = {} if memo is None else memo
    folder = path.parent
    found = dict(_cached(memo, (str(folder), ""), lambda: _folder_files(folder)))
    for pattern in declared(nb, display):
        files = _cached(memo, (str(folder), pattern),
                        lambda pattern=pattern: _npm_package(folder, pattern) or _glob_files(folder, pattern))
        if not files:
            raise SourceError(display, None, f"metadata.fromscratch.inputs: {pattern!r} matches no file "
                                             f"(relative to {display.rsplit('/', 1)[0]}/); fix the glob, or "
                                             "run `make setup` if it names a fetched file")
        found.update(files)
    return found


def _cached(memo: dict, key: tuple[str, str], make) -> dict[str, str]:  # noqa: ANN001
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _npm_package(folder: Path, pattern: str) -> dict[str, str]:
    """{"npm:<name>": "<version> <integrity>"} when `pattern` lies inside an installed npm package
    that npm's record lists and matches a file there; {} otherwise (the files are hashed)."""
    parts = posixpath.normpath(posixpath.join(folder.as_posix(), pattern)).split("/")
    if "node_modules" not in parts:
        return {}
    at = len(parts) - 1 - parts[::-1].index("node_modules")  # the innermost node_modules
    size = 3 if at + 1 < len(parts) and parts[at + 1].startswith("@") else 2  # @scope/name
    if len(parts) <= at + size or any(glob.has_magic(p) for p in parts[:at + size]):
        return {}  # not a path inside one named package
    name = "/".join(parts[at + 1:at + size])
    record = _npm_record("/".join(parts[:at + 1]))
    entry = record.get(f"node_modules/{name}")
    if not isinstance(entry, dict) or not entry.get("version") or not entry.get("integrity"):
        return {}
    if next(glob.iglob(pattern, root_dir=folder, recursive=True), None) is None:
        return {}  # matches no file: the caller's error message
    return {f"npm:{name}": f"{entry['version']} {entry['integrity']}"}


def _npm_record(node_modules: str) -> dict:
    """The `packages` of npm's hidden lockfile, by path of its file's (size, mtime)."""
    path = os.path.join(node_modules, ".package-lock.json")
    try:
        info = os.stat(path)
    except OSError:
        return {}
    key = (path, info.st_size, info.st_mtime_ns)
    if key not in _records:
        try:
            packages = json.loads(Path(path).read_text(encoding="utf-8")).get("packages", {})
        except (OSError, ValueError, AttributeError):
            packages = {}
        _records[key] = packages if isinstance(packages, dict) else {}
    return _records[key]


_records: dict[tuple[str, int, int], dict] = {}


def _folder_files(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(names):
            if name.startswith(".") or name.endswith(SKIPPED):
                continue
            file = Path(root) / name
            found[file.relative_to(folder).as_posix()] = sha256_file(file)
    return found


def _glob_files(folder: Path, pattern: str) -> dict[str, str]:
    # relative to the folder from the start, and one stat per file: a glob of the spam corpus
    # package (12,000 files) took 0.5 s through Path objects and os.path.relpath
    if pattern.endswith("/**") and not glob.has_magic(pattern[:-3]):
        matches = _every_file_under(folder, pattern[:-3])
    else:
        matches = sorted(glob.glob(pattern, root_dir=folder, recursive=True))
    found: dict[str, str] = {}
    for rel in matches:
        path = os.path.join(folder, rel)
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            found[posixpath.normpath(rel)] = sha256_file(path, info)
    return found


def _every_file_under(folder: Path, top: str) -> list[str]:
    """What `top/**` matches, as glob finds it (hidden names skipped), with os.scandir: half the
    time of glob's own walk for the spam corpus package."""
    found: list[str] = []
    pending = [top]
    while pending:
        rel = pending.pop()
        try:
            with os.scandir(os.path.join(folder, rel)) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    child = f"{rel}/{entry.name}"
                    (pending if entry.is_dir() else found).append(child)
        except (FileNotFoundError, NotADirectoryError):
            continue
    return sorted(found)
