"""The `notebook` shortcode: a notebook's executed cells, inline in a Markdown page.

    {% notebook "vector-store.ipynb", "3-5" %}        {{ notebook("vector-store.ipynb", "3-5") }}
    {% notebook "vector-store.ipynb", "ivf-plot", "output" %}   only what the cells printed or drew

Cells are chosen by 1-based number among all cells ("2", "3-5", "1,4", "1-2,6") or by tag
("plot"); they render through mkdocs-jupyter's own converter, so they look exactly like
the notebook page. Their CSS is the shared notebook stylesheet (see `styles`), linked by
overrides/main.html; the copy-button script is added once per page by `add_head`. What this
build executed and rendered comes from the page's build object (`ctx.build`).
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
import tempfile
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..build import Build
from ..errors import ShortcodeError
from ..shortcodes.context import NOTEBOOK, PageContext
from .cache import read_notebook
from .render import strip_cdn_scripts
from .styles import WRAPPER, Stylesheet, renderer_versions
from .styles import strip as strip_styles
from .typeset import mark_math

_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S | re.I)
_INLINE_SCRIPT = re.compile(r"<script>.*?</script>", re.S | re.I)
_CELL_ID = re.compile(r'\b(id|for)="cell-(\d+)"')
_TAG_NAME = re.compile(r"[A-Za-z_][\w-]*")

_FORMAT = "embed-1"  # bump when the post-processing below changes


SHOW = ("all", "output", "code")


def notebook(src: str, cells: str = "", show: str = "all", ctx: PageContext | None = None) -> str:
    """Selected executed cells of `src` (a path relative to the page, or from docs/ with "/").

    `show` picks what of each cell appears: "all" (code and outputs), "output" or "code";
    a summary page often wants a result without the code that made it.
    """
    if show not in SHOW:
        raise ShortcodeError(f"notebook: show={show!r} is not one of \"all\", \"output\", \"code\"")
    if not src.strip():
        raise ShortcodeError("notebook: the notebook path is empty; write e.g. \"vector-store.ipynb\"")
    if ctx is None or ctx.build is None:
        raise ShortcodeError("notebook: can only be used inside a page of a build")
    build = ctx.build
    rel = _resolve(src, ctx)
    done = build.executed.get(rel)
    if done is None:
        if (ctx.docs_dir / rel).is_file():
            raise ShortcodeError(f"notebook: docs/{rel} was not executed (are notebooks disabled?)")
        raise ShortcodeError(f"notebook: notebook {src!r} not found (looked for docs/{rel})")
    nb = done.nb if done.nb is not None else read_notebook(done.path)
    chosen = select_cells(nb, cells, src)
    head, body = _render(build, nb, chosen, show)
    ctx.features.add(NOTEBOOK)
    label = _label(nb, cells, chosen)
    name = posixpath.basename(rel)
    target = build.files.get_file_from_path(rel) if build.files is not None else None
    href = ctx.relative_url(target.url) if target is not None else ctx.relative_url(rel)
    return build.raw.put(
        f'<div class="nb-embed" data-notebook="{html.escape(rel)}">\n'
        f"{body}\n"
        f'<p class="nb-embed__source"><a href="{html.escape(href)}">{html.escape(label)} of '
        f"{html.escape(name)} · open the full notebook</a></p>\n"
        "</div>"
    )


def select_cells(nb: NotebookNode, spec: str, src: str = "notebook") -> list[int]:
    """0-based indexes of the cells `spec` names; ShortcodeError if any part names nothing."""
    total = len(nb.cells)
    spec = spec.strip()
    if not spec:
        return list(range(total))
    chosen: list[int] = []
    for part in (p.strip() for p in spec.split(",")):
        m = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+))?", part)
        if m:
            first = int(m.group(1))
            last = int(m.group(2) or first)
            if first < 1 or last < first:
                raise ShortcodeError(
                    f"notebook: cell range {part!r} is not valid; cells are numbered from 1, e.g. \"3-5\""
                )
            if last > total:
                raise ShortcodeError(
                    f"notebook: cell range {part!r} is outside {src}, which has {total} cells"
                )
            chosen.extend(range(first - 1, last))
        elif _TAG_NAME.fullmatch(part):
            tagged = [i for i, cell in enumerate(nb.cells) if part in cell.get("metadata", {}).get("tags", [])]
            if not tagged:
                raise ShortcodeError(f"notebook: no cell of {src} is tagged {part!r}")
            chosen.extend(tagged)
        else:
            raise ShortcodeError(
                f"notebook: cannot read cells {part!r}; use a number (\"2\"), a range (\"3-5\"), "
                "a list (\"1,4\") or a cell tag"
            )
    return sorted(set(chosen))


def add_head(page_html: str, build: Build) -> str:
    """Put the embeds' shared head (the copy-button script) once at the top of a Markdown page
    that shows embedded cells (the caller knows from the page's features)."""
    if not build.embeds.head:
        return page_html
    return build.embeds.head + "\n" + page_html


def _resolve(src: str, ctx: PageContext) -> str:
    rel = ctx.docs_path(src, "notebook")
    if not rel.endswith(".ipynb"):
        raise ShortcodeError(f"notebook: {src!r} is not a notebook (.ipynb)")
    return rel


def _render(build: Build, nb: NotebookNode, chosen: list[int], show: str = "all") -> tuple[str, str]:
    call = (id(nb), tuple(chosen), show)  # the page's shortcodes are checked, then rendered: twice
    selection = None
    digest = build.embeds.digests.get(call)
    if digest is None:
        selection = _selection(nb, chosen, show)
        # plain JSON, not nbformat.writes: that validates the cells again, which was half the
        # time of a warm build's embeds (nbformat checks them when they are converted)
        digest = hashlib.sha256((show + json.dumps(selection, sort_keys=True)).encode()).hexdigest()
        build.embeds.digests[call] = digest
    rendered = build.embeds.rendered
    if digest not in rendered:
        # converting cells with nbconvert costs about 0.2 s each (it compiles its templates every
        # time), which a warm build should not pay: rendered embeds are kept in the cache
        name = _entry_name(digest)
        entry = build.cache.read("embeds", name, _parse_entry)
        if entry is None:
            sub = nbformat.from_dict({"nbformat": 4, "nbformat_minor": nb.nbformat_minor,
                                      **(selection or _selection(nb, chosen, show))})
            entry = _convert(nbformat.writes(sub), digest, show, build.stylesheet)
            build.cache.write("embeds", name, json.dumps({"head": entry[0], "body": entry[1]}))
        rendered[digest] = entry
    head, body = rendered[digest]
    build.embeds.head = build.embeds.head or head
    return head, body


def _selection(nb: NotebookNode, chosen: list[int], show: str) -> dict:
    """The chosen cells and the notebook's metadata: what the embed shows, as plain data."""
    cells = [nb.cells[i] for i in chosen]
    if show == "code":
        cells = [{**cell, "outputs": []} if cell.cell_type == "code" else cell for cell in cells]
    # run facts (when it ran, how long) would change the digest of every embed at each run
    metadata = {k: v for k, v in nb.metadata.items() if k != "fromscratch"}
    return {"metadata": metadata, "cells": cells}


def _entry_name(digest: str) -> str:
    key = hashlib.sha256(f"{_FORMAT}|{digest}|{renderer_versions()}".encode()).hexdigest()
    return f"{key[:2]}/{key}.json"


def _parse_entry(data: bytes) -> tuple[str, str]:
    entry = json.loads(data)
    head, body = entry["head"], entry["body"]
    if not isinstance(head, str) or not isinstance(body, str) or 'class="jupyter-wrapper' not in body:
        raise ValueError("not a rendered embed")
    return head, body


def _convert(text: str, digest: str, show: str, sheet: Stylesheet | None) -> tuple[str, str]:
    """nbconvert (through mkdocs-jupyter) renders the cells exactly like the notebook page."""
    from mkdocs_jupyter.convert import nb2html  # heavy import: only when a page embeds cells

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "embed.ipynb"
        path.write_text(text, encoding="utf-8")
        content = strip_styles(strip_cdn_scripts(nb2html(str(path), show_input=show != "output")), sheet)
    start = max(content.find(WRAPPER), 0)  # before it: the template's head, not the cells
    head = "\n".join(_INLINE_SCRIPT.findall(content[:start]) + _STYLE.findall(content[:start]))
    body = mark_math(content[start:].strip())
    # Copy buttons find their code by id: make ids unique across embeds on one page.
    body = _CELL_ID.sub(lambda m: f'{m.group(1)}="cell-{digest[:8]}-{m.group(2)}"', body)
    return head, body


def _label(nb: NotebookNode, spec: str, chosen: list[int]) -> str:
    """The caption names cells as the reader sees them: by their In [n] prompts, the numbers the
    notebook page shows, when every chosen cell is an executed code cell; else by position."""
    if not spec.strip():
        return "All cells"
    counts = [nb.cells[i].get("execution_count") if nb.cells[i].cell_type == "code" else None for i in chosen]
    if counts and all(isinstance(n, int) for n in counts):
        first, last = min(counts), max(counts)
        return f"In [{first}]" if first == last else f"In [{first}]–[{last}]"
    if len(chosen) == 1:
        return f"Cell {chosen[0] + 1}"
    return f"Cells {spec.strip()}"
