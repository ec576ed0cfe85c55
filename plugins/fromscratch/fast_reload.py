"""`make serve`: saving a Markdown page rebuilds that page alone.

A whole rebuild of this site takes 15 to 20 s: every page through Markdown and the theme,
Material's search index parsed from every page, every notebook read and keyed, the runtime
staged. MkDocs' own `--dirty` renders only the pages whose source is newer than their output,
but it does so for every rebuild of the session: a notebook edit would leave the pages that
embed its cells stale, a data file would re-run nothing, a new title would leave the other
pages' nav old. So the choice is made per rebuild instead. `on_serve` wraps MkDocs' serve
builder; before each rebuild the wrapper compares what it watches (docs/, mkdocs.yml, the theme
overrides) with its snapshot from the rebuild before. When every change is an edit of an
existing Markdown page that keeps its front matter and first heading, it runs MkDocs' dirty
build: MkDocs renders that page alone, the plugin reuses the last whole build's notebook and
runtime work (`Reuse`; nothing they read changed, by the same test), and Material's search
plugin merges the page's sections into its last index (its own dirty-reload support).
Anything else rebuilds the whole site, as before.

What a fast rebuild leaves as it was: the problems banner of pages it did not render (they
keep their last one) and anchors of other pages that link to the edited one (checked again by
the next whole build, and always by `make build`).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.plugins.fromscratch")

_FAST: dict[str, list[str]] = {}  # config file -> the notebooks (src_uris) edited, while rebuilt fast
_REUSE: dict[str, Reuse] = {}  # config file -> what its last whole build made that a fast one reuses
_THEME_FILES: dict[tuple, list[tuple[str, str]]] = {}  # theme dirs and options -> (path, dir) of its static files
_LISTING = Files.add_files_from_theme  # MkDocs' own, put back after each fast rebuild

Snapshot = dict[str, tuple[int, int, str]]  # path -> (mtime_ns, size, title signature of a page)


class _CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates compiled once per process: MkDocs makes a new Jinja environment
    for every build, which compiles Material's ~50 templates again (a third of a fast
    rebuild). Jinja keys each entry by template name and a checksum of its source, so an
    edited template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:  # the bucket drops it when the checksum differs
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _CompiledTemplates()


def _key(config: MkDocsConfig) -> str:
    return str(Path(config.config_file_path).resolve())


@dataclass
class Reuse:
    """The plugin's `on_files` work of the last whole build: the files it added or replaced
    (notebook stylesheet, vendor files, the staged runtime) and its results on the build."""

    added: list[File] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)  # src_uris it took out (widget corpora sources)
    results: dict[str, Any] = field(default_factory=dict)  # Build attribute -> value

    def apply(self, files: Files, build: Any) -> None:  # noqa: ANN401 - the plugin's Build
        for f in list(files):
            if f.src_uri in self.removed:
                files.remove(f)
        for f in self.added:
            files.append(f)
        for name, value in self.results.items():
            setattr(build, name, value)


REUSED = ("executed", "stylesheet", "classifiers", "rag")  # Build attributes on_files sets


def reuse(config: MkDocsConfig) -> Reuse | None:
    """What this rebuild may reuse, when it is a fast one."""
    key = _key(config)
    return _REUSE.get(key) if key in _FAST else None


def edited_notebooks(config: MkDocsConfig) -> list[str]:
    """The notebooks (src_uris) whose Markdown cells this fast rebuild is for."""
    return _FAST.get(_key(config), [])


def rebuild_embedding_pages(files: Files, notebooks: list[str]) -> None:
    """Markdown pages that name an edited notebook may embed its cells: make MkDocs' dirty
    build render them too (it renders a page whose output is older than its source)."""
    names = {n.rsplit("/", 1)[-1] for n in notebooks}
    for f in files.documentation_pages():
        if not f.src_uri.endswith(".md") or not os.path.isfile(f.abs_dest_path):
            continue
        if any(name in f.content_string for name in names):
            os.utime(f.abs_dest_path, (0, 0))


@contextmanager
def remembering(config: MkDocsConfig, files: Files, build: Any, serving: bool) -> Iterator[None]:  # noqa: ANN401
    """Around a whole build's `on_files` work: note what it added, removed and set."""
    before = {id(f): f.src_uri for f in files}
    yield
    if not serving:
        return
    after = {id(f) for f in files}
    _REUSE[_key(config)] = Reuse(
        added=[f for f in files if id(f) not in before],
        removed={uri for ident, uri in before.items() if ident not in after},
        results={name: getattr(build, name) for name in REUSED},
    )


def _signature(path: Path) -> str:
    """What must stay the same for an edit to rebuild one page: a page's front matter and first
    heading (what other pages' nav and search show of it); a notebook's first heading too, and
    its code cells, tags and declared inputs (what its cache key holds: the same outputs)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "?"
    if path.suffix == ".ipynb":
        return _notebook_signature(text)
    front = ""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        front = text[: end + 4] if end >= 0 else text
    heading = re.search(r"(?m)^#[ \t]+.*$", text)
    return front + "\n" + (heading.group(0) if heading else "")


def _notebook_signature(text: str) -> str:
    try:
        nb = json.loads(text)
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError):
        return "?"
    join = lambda source: "".join(source) if isinstance(source, list) else str(source)  # noqa: E731
    code = [(join(c.get("source", "")), c.get("metadata", {}).get("tags", [])) for c in cells if c.get("cell_type") == "code"]
    prose = "\n".join(join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown")
    heading = re.search(r"(?m)^#[ \t]+.*$", prose)
    inputs = nb.get("metadata", {}).get("fromscratch", {})
    return json.dumps([code, inputs, heading.group(0) if heading else ""])


def snapshot(roots: list[Path]) -> Snapshot:
    found: Snapshot = {}
    for root in roots:
        paths = [root] if root.is_file() else [Path(d) / n for d, _, names in os.walk(root) for n in names]
        for path in paths:
            try:
                st = path.stat()
            except OSError:
                continue
            signature = _signature(path) if path.suffix in (".md", ".ipynb") else ""
            found[str(path)] = (st.st_mtime_ns, st.st_size, signature)
    return found


def page_edits(before: Snapshot, now: Snapshot, docs_dir: Path) -> list[str] | None:
    """The pages edited in place: Markdown pages, and notebooks whose Markdown cells alone
    changed. None when anything else changed (a page added, removed or retitled, a notebook's
    code, a data file, the config, the theme), or nothing did."""
    if before.keys() != now.keys():
        return None
    changed = [path for path in now if now[path] != before[path]]
    if not changed:
        return None
    docs = str(docs_dir) + os.sep
    for path in changed:
        if not (path.startswith(docs) and path.endswith((".md", ".ipynb"))) or now[path][2] != before[path][2]:
            return None
    return changed


class _DropDirtyWarning(logging.Filter):
    """MkDocs warns on every dirty build; here the plugin chose it, knowing why, and the
    warning would otherwise land in the served pages' problems banner."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


class FastReload:
    """MkDocs' serve builder, made to rebuild one page when one page's text is all that changed."""

    def __init__(self, builder: Callable[..., None], config: MkDocsConfig) -> None:
        self._builder = builder
        self._key = _key(config)
        self._docs = Path(config.docs_dir).resolve()
        roots = [self._docs, Path(config.config_file_path).resolve()]
        roots += [Path(d).resolve() for d in (config.theme.custom_dir,) if d]
        roots += [Path(w).resolve() for w in config.watch]
        self._roots = roots
        self._last = snapshot(roots)
        # Material's search merges a dirty build's sections into its last index when it knows
        # the build is dirty; it keeps that index after each build while the flag is on
        self._search = config.plugins.get("material/search") or config.plugins.get("search")
        if self._search is not None and hasattr(self._search, "search_index_prev"):
            self._search.is_dirty = True
            self._search.search_index_prev = self._search.search_index  # the first build's
        else:
            self._search = None

    def __call__(self, config: MkDocsConfig | None = None) -> None:
        now = snapshot(self._roots)
        edited = page_edits(self._last, now, self._docs)
        self._last = now
        if edited is None or self._key not in _REUSE:
            if self._search is not None:
                self._search.search_index_prev = None  # a whole index, nothing merged
            return self._builder(config)
        pages = ", ".join(os.path.relpath(p, self._docs.parent) for p in edited)
        log.info(f"{pages} edited: rebuilding that page only (a new page, title, code cell, data file "
                 "or config rebuilds everything)")
        notebooks = [Path(p).relative_to(self._docs).as_posix() for p in edited if p.endswith(".ipynb")]
        with _dirty_build(self._key, notebooks):
            return self._builder(config)


@contextmanager
def _dirty_build(key: str, notebooks: list[str]) -> Iterator[None]:
    """MkDocs' serve builder passes `dirty` as fixed for the whole session and has no switch
    for one build: for this one, its module's `build` is a dirty one."""
    import mkdocs.commands.serve as serve_module

    real = serve_module.build

    def dirty_build(config: MkDocsConfig, *, serve_url: str | None = None, dirty: bool = False) -> None:
        real(config, serve_url=serve_url, dirty=True)

    drop = _DropDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(drop)
    serve_module.build = dirty_build
    Files.add_files_from_theme = _theme_files_once  # type: ignore[method-assign]
    _FAST[key] = notebooks
    try:
        yield
    finally:
        serve_module.build = real
        Files.add_files_from_theme = _LISTING  # type: ignore[method-assign]
        _FAST.pop(key, None)
        logging.getLogger("mkdocs.commands.build").removeFilter(drop)


def _theme_files_once(files: Files, env: jinja2.Environment, config: MkDocsConfig) -> None:
    """MkDocs' `Files.add_files_from_theme` for a fast rebuild: listing and filtering Material's
    ~10,000 files took 0.16 s of each, and a page edit changes none of them (an edit under
    custom_dir rebuilds everything). Listed once per process, by MkDocs' own code."""
    key = (tuple(config.theme.dirs), tuple(config.theme.static_templates), config.site_dir,
           config.use_directory_urls)
    if key not in _THEME_FILES:
        probe = Files([])
        _LISTING(probe, env, config)
        _THEME_FILES[key] = [(f.src_uri, f.src_dir) for f in probe]
    for path, folder in _THEME_FILES[key]:
        if files.get_file_from_path(path) is None:  # docs files win over theme files
            files.append(File(path, folder, config.site_dir, config.use_directory_urls))



def poll_often(server: Any, seconds: float = 0.1) -> None:
    """MkDocs' live-reload server polls the watched folders every 0.5 s: a saved page waited
    0.25 s on average before its rebuild began, half of a fast rebuild. Polling the docs folder
    (a few hundred files; the theme is not watched unless asked) every 0.1 s costs a few
    milliseconds. (Not file events: watchdog reports every read as an event too, and the build
    reads the docs.) Called from `on_serve`, before the server starts: the paths watched so
    far move to the new observer."""
    from watchdog.observers.polling import PollingObserver

    counts = dict(getattr(server, "_watched_paths", {}))
    if not counts or getattr(server, "observer", None) is None:
        return  # another MkDocs than the one this was written for: keep its own
    for path, count in counts.items():
        for _ in range(count):
            server.unwatch(path)
    server.observer = PollingObserver(timeout=seconds)
    for path, count in counts.items():
        for _ in range(count):
            server.watch(path)
