"""One cache folder for the whole plugin: `.cache/<kind>/...`, validated reads, atomic writes.

Kinds: `notebooks` (executed notebooks and the copies their pages render), `renders`
(notebook pages' HTML, notebooks/render.py), `embeds` (rendered inline cells), `styles` (the
shared notebook stylesheet), `corpora` (widget corpus vectors), `generations` (the language
model's tokenizer.json and build-time answers), `kernels` (what the notebook kernel has
installed, per state of its site-packages), `search` (Material's search entries per page,
search/material_index.py) and `models` (fetched by `make setup`, never touched here).

Every entry a build reads or writes is recorded; at the end of the build `manifest.json`
lists them under this project's config file, and any entry of a managed kind that no
project's latest build used is deleted. Keeping one list per project (not one for the
folder) lets test builds or a second project share the folder without evicting each
other's entries, and `mkdocs serve` re-records on every rebuild. A damaged entry (a kill
or a full disk during a write, by an older version) is discarded and rebuilt, never served.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

log = logging.getLogger("mkdocs.plugins.fromscratch.cache")

T = TypeVar("T")

MANIFEST = "manifest.json"
# "models" is make's, never evicted; "embeddings" (corpus vectors) and "mkdocs-jupyter" (that
# plugin's renders) are where entries lived before: never used now, they empty on the next build
MANAGED = ("notebooks", "renders", "embeds", "styles", "corpora", "generations", "kernels", "search",
           "embeddings", "mkdocs-jupyter")
_STALE_TMP = 3600  # seconds: older temporary files are leftovers of a killed writer


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, then rename: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Cache:
    """The plugin's cache folder for one build; `enabled=False` reads and stores nothing."""

    def __init__(self, root: Path, *, enabled: bool, project: str) -> None:
        self.root = root
        self.enabled = enabled
        self.project = project  # the config file: whose entries these are
        self.used: set[str] = set()

    def path(self, kind: str, name: str) -> Path:
        """Where entry `name` of `kind` lives; the entry counts as used by this build."""
        path = self.root / kind / name
        self.used.add(f"{kind}/{name}")
        return path

    def use(self, path: Path) -> None:
        """Record a file under the cache folder that this build used (written by someone else)."""
        try:
            self.used.add(path.resolve().relative_to(self.root.resolve()).as_posix())
        except ValueError:
            pass

    def read(self, kind: str, name: str, parse: Callable[[bytes], T]) -> T | None:
        """The entry as `parse` reads it, or None when absent, switched off, or damaged (then
        it is deleted: `parse` raising means the bytes cannot be trusted)."""
        if not self.enabled:
            return None
        path = self.path(kind, name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return parse(data)
        except Exception as exc:  # noqa: BLE001 - any failure to parse is a damaged entry
            log.info(f"cache: discarded damaged entry {kind}/{name} ({exc.__class__.__name__}); rebuilding it")
            path.unlink(missing_ok=True)
            return None

    def write(self, kind: str, name: str, data: bytes | str) -> None:
        if self.enabled:
            write_atomic(self.path(kind, name), data)

    def finish(self, *, partial: bool = False) -> None:
        """Record what this build used, then evict what no project's latest build used.

        `partial`: the build skipped pages (`mkdocs serve --dirty` rebuilds only what changed),
        so what it used is added to this project's last list instead of replacing it."""
        if not self.enabled or not self.root.is_dir():
            return
        manifest = self._read_manifest()
        if partial:
            before = manifest.get("builds", {}).get(self.project, {}).get("entries", [])
            self.used.update(e for e in before if isinstance(e, str))
        builds = {
            project: entry for project, entry in manifest.get("builds", {}).items()
            if project != self.project and Path(project).is_file()  # projects that still exist
        }
        builds[self.project] = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "entries": sorted(self.used),
        }
        write_atomic(self.root / MANIFEST, json.dumps({"format": 1, "builds": builds}, indent=1))
        keep = {entry for build in builds.values() for entry in build.get("entries", [])}
        self._evict(keep)

    def _read_manifest(self) -> dict:
        try:
            data = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) and isinstance(data.get("builds"), dict) else {}
        except (OSError, ValueError):
            return {}

    def _evict(self, keep: set[str]) -> None:
        now = time.time()
        for kind in MANAGED:
            folder = self.root / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
                rel = path.relative_to(self.root).as_posix()
                if path.is_dir():
                    if not any(path.iterdir()):
                        path.rmdir()
                    continue
                if rel in keep:
                    continue
                if path.name.startswith(".") and now - path.stat().st_mtime < _STALE_TMP:
                    continue  # another build may be writing it right now
                path.unlink(missing_ok=True)
                log.debug(f"cache: evicted {rel}")
