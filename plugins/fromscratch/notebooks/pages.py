"""The build side: execute (or reuse) every notebook and make it a page.

In `on_files` each notebook's File becomes a page File (render.py) whose `abs_src_path` is
`<cache>/notebooks/pages/<src_uri>`: the notebook as the author wrote it, with the outputs of
its cached execution. Nothing is ever written under docs/ (which `mkdocs serve` watches).
What was executed is kept on the build object (`build.executed`).
"""

from __future__ import annotations

import html
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import nbformat
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from ..assets import place
from ..build import Build
from ..errors import SourceError
from .cache import (
    Environment,
    NotebookCache,
    check_schema,
    merge_outputs,
    notebook_key,
    read_notebook,
    write_if_changed,
)
from .environment import kernel_environment
from .execute import Job, Outcome, default_workers, execute_all, kernel_executable, kernel_python
from .inputs import notebook_inputs
from .options import NotebooksConfig
from .render import as_pages, attach, render_key, tidy
from .styles import add_stylesheet, jupyter_theme

log = logging.getLogger("mkdocs.plugins.fromscratch.notebooks")



@dataclass
class Executed:
    """A notebook ready to render: its executed copy, when and how long it ran."""

    src_uri: str
    path: Path
    executed_at: str
    seconds: float
    render_key: str  # its page's entry in the render cache (render.py)
    # the same notebook in memory, for the page's embeds: a Markdown page may embed cells a
    # dozen times, and each shortcode runs twice (checked, then rendered); parsing and
    # validating the file every time cost more than the rest of a warm build. Read only.
    nb: nbformat.NotebookNode | None = None


def check_site_dir(cache_root: Path, config: MkDocsConfig) -> None:
    """Refuse a cache folder inside the built site (it would be published, or wiped) or inside
    docs/ (its entries would become site files, and `mkdocs serve` would rebuild on every write)."""
    path = cache_root.resolve()
    for name, folder in (("site_dir", config.site_dir), ("docs_dir", config.docs_dir)):
        inside = Path(folder).resolve()
        if path == inside or inside in path.parents:
            raise PluginError(f"fromscratch: cache_dir {str(cache_root)!r} is inside {name}; put it elsewhere")


def check_unique_urls(notebooks: list[File], files: Files) -> None:
    """A notebook and a Markdown page with the same stem would share one URL; MkDocs keeps
    one of them without a word, so refuse it."""
    for nb in notebooks:
        twin = nb.src_uri[: -len(".ipynb")] + ".md"
        if files.get_file_from_path(twin) is not None:
            stem = twin.rsplit("/", 1)[-1][:-3]
            raise SourceError(
                f"docs/{nb.src_uri}",
                None,
                f"has the same URL as docs/{twin}; rename the notebook (for example {stem}-notebook.ipynb)",
            )


def prepare(build: Build, files: Files, config: MkDocsConfig, options: NotebooksConfig) -> None:
    """Execute what is not cached (in parallel), then make each notebook a page of its executed copy."""
    build.executed = {}
    notebooks = [f for f in files if f.src_uri.endswith(".ipynb") and f.abs_src_path]
    # off, notebooks are mkdocs-jupyter's to render when it is configured (the benchmark's anchor)
    theme = "" if options.enabled else jupyter_theme(config)
    build.stylesheet = add_stylesheet(files, config, build.cache, theme)
    if not notebooks or not options.enabled:
        return
    check_unique_urls(notebooks, files)
    cache = NotebookCache(build.cache)
    python, packages = kernel_environment(
        kernel_executable(options.kernel), options.packages_from, build.cache,
        before_probe=lambda: kernel_python(options.kernel),  # a clear error when the interpreter cannot run
    )
    env = Environment(kernel=options.kernel, python=python, packages=packages)

    sources: dict[str, tuple[File, nbformat.NotebookNode, str]] = {}
    ready: dict[str, nbformat.NotebookNode] = {}
    jobs: list[Job] = []
    inputs_memo: dict = {}  # folders and globs that several notebooks share, listed once
    for f in sorted(notebooks, key=lambda f: f.src_uri):
        start = time.perf_counter()
        name = f"docs/{f.src_uri}"
        try:
            nb = read_notebook(f.abs_src_path)
        except Exception as exc:  # noqa: BLE001 - any parse error is the author's to fix
            raise SourceError(name, None, f"not a readable notebook ({exc.__class__.__name__}: {exc})") from None
        key = notebook_key(nb, env, f.src_uri, notebook_inputs(Path(f.abs_src_path), nb, name, inputs_memo))
        sources[f.src_uri] = (f, nb, key)
        cached = cache.load(key)
        if cached is not None:
            ready[f.src_uri] = cached
            log.info(f"notebook {name}: cached, {time.perf_counter() - start:.2f} s")
        else:
            check_schema(nb, name)
            jobs.append(Job(name, Path(f.abs_src_path).parent, nb, key))

    failures: list[Outcome] = []

    def on_done(outcome: Outcome) -> None:
        if outcome.error is not None:
            failures.append(outcome)
            log.info(f"notebook {outcome.job.name}: failed after {outcome.seconds:.2f} s")
            return
        assert outcome.nb is not None
        cache.store(outcome.job.key, outcome.nb)  # only successful runs are stored
        log.info(f"notebook {outcome.job.name}: executed, {outcome.seconds:.2f} s")

    outcomes = execute_all(
        jobs,
        kernel=options.kernel,
        timeout=options.timeout,
        workers=options.workers or default_workers(),
        on_done=on_done,
    )
    if failures:
        first = min(failures, key=lambda o: o.job.name)
        more = f" (and {len(failures) - 1} more failing notebook(s))" if len(failures) > 1 else ""
        raise SourceError(first.job.name, None, f"{first.error}{more}")
    for outcome in outcomes:
        ready[outcome.job.name.removeprefix("docs/")] = outcome.nb  # type: ignore[assignment]

    pages = as_pages(files, notebooks)
    for src_uri, (_f, nb, _key) in sources.items():
        executed = ready[src_uri]
        merged = merge_outputs(nb, executed)
        path = build.cache.path("notebooks", f"pages/{src_uri}")  # a working copy, cache on or off
        text = nbformat.v4.writes(merged)
        write_if_changed(path, text)  # both halves validated when read
        _point_at(pages[src_uri], path)
        info = executed.metadata.get("fromscratch", {})
        build.executed[src_uri] = Executed(src_uri, path, info.get("executed_at", ""), info.get("seconds", 0.0),
                                           render_key(text, build.stylesheet), merged)


def refresh_markdown(build: Build, files: Files, src_uris: list[str]) -> None:
    """For a fast `make serve` rebuild (fast_reload.py) after notebooks' Markdown cells were
    edited and their code was not: the new Markdown with the outputs this process already
    holds, without keys, cache reads or a kernel."""
    for src_uri in src_uris:
        f = files.get_file_from_path(src_uri)
        done = build.executed.get(src_uri)
        if f is None or done is None or done.nb is None:
            continue
        nb = read_notebook(build.docs_dir / src_uri)  # the File is the page of the last build's copy
        merged = merge_outputs(nb, done.nb)
        text = nbformat.v4.writes(merged)
        write_if_changed(done.path, text)
        _point_at(f, done.path)
        build.executed[src_uri] = Executed(src_uri, done.path, done.executed_at, done.seconds,
                                           render_key(text, build.stylesheet), merged)


def _point_at(f: File, path: Path) -> None:
    # abs_src_path is a cached_property: assigning on the instance wins.
    f.abs_src_path = str(path)


def attach_render(build: Build, page: Page) -> None:
    """A notebook page renders from the render cache (render.py), not from Markdown."""
    done = build.executed.get(page.file.src_uri)
    if done is not None:
        attach(page, done, build.cache, build.stylesheet)


def is_notebook_page(page: Page) -> bool:
    return page.file.src_uri.endswith(".ipynb")



def decorate(build: Build, content: str, page: Page, config: MkDocsConfig) -> str:
    """The run-info bar (when and how long, download, Colab) above a notebook page. (Its CSS
    is left to the shared stylesheet and its math marked when it is rendered, render.py.)"""
    done = build.executed.get(page.file.src_uri)
    if done is None:  # rendered by mkdocs-jupyter: the same clean-up here
        return tidy(content, build.stylesheet)
    name = Path(page.file.src_uri).name
    parts = ['<div class="nb-runinfo" role="note">']
    when = _when(done.executed_at)
    if when:
        parts.append(
            f'<span class="nb-runinfo__ran">Ran in {done.seconds:.1f} s on '
            f'<time datetime="{html.escape(done.executed_at)}">{html.escape(when)}</time></span>'
        )
    parts.append(
        f'<a class="md-button nb-runinfo__download" href="{html.escape(quote(name))}" '
        f'download="{html.escape(name)}">Download .ipynb</a>'
    )
    colab = colab_url(config, page.file.src_uri)
    if colab and not reads_site_files(done):
        parts.append(
            f'<a class="md-button nb-runinfo__colab" href="{html.escape(colab)}" '
            'target="_blank" rel="noopener">Open in Colab</a>'
        )
    elif colab:
        # Colab opens the .ipynb alone: a notebook that reads the site's model, data or modules
        # would stop at its first import there, so it says how to run it instead.
        parts.append(
            '<span class="nb-runinfo__local">Runs from a clone of the site after <code>make setup</code> '
            "(it reads the site's model and data files)</span>"
        )
    parts.append("</div>")
    return "\n".join(parts) + "\n" + content


def reads_site_files(done: Executed) -> bool:
    """A notebook that declares inputs (metadata.fromscratch.inputs) needs files beside it."""
    nb = done.nb if done.nb is not None else read_notebook(done.path)
    return bool(nb.metadata.get("fromscratch", {}).get("inputs"))


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return ""


def colab_url(config: MkDocsConfig, src_uri: str) -> str | None:
    """https://colab.research.google.com/github/<owner>/<repo>/blob/<branch>/<docs>/<src_uri>."""
    m = re.match(r"https?://github\.com/([^/]+)/([^/#?]+?)(?:\.git)?/?$", config.repo_url or "")
    if not m:
        return None
    branch, docs = "main", "docs/"
    edit = re.match(r"(?:edit|blob)/([^/]+)/(.*)$", (config.edit_uri or "").strip("/") + "/")
    if edit:
        branch, docs = edit.group(1), edit.group(2)
    docs = docs.strip("/") + "/" if docs.strip("/") else ""
    return f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/{branch}/{docs}{quote(src_uri)}"


def copy_download(build: Build, page: Page) -> None:
    """Put the executed notebook beside its page, for the Download link."""
    done = build.executed.get(page.file.src_uri)
    if done is None or not done.path.is_file():
        return
    place(done.path, Path(page.file.abs_dest_path).parent / Path(page.file.src_uri).name)  # linked
