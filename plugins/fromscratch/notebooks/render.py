"""Notebook pages: each executed notebook becomes a page whose HTML comes from our render cache.

mkdocs-jupyter's converter (`nb2html`, nbconvert's lab template) draws the cells, so pages
look exactly as they did when that plugin rendered them. The plugin itself is not loaded:
importing it brings jupytext and nbconvert, 0.37 s of every build, more than the rest of a
warm build's notebook work. Here nbconvert is imported only when a render is missing.

A render is cached as its post-processed HTML (CDN scripts and template CSS removed, math
marked: the same for every build), its table-of-contents tokens and its title. Its key is the
executed copy's text, the renderer packages' versions and this module's format, so an
upgrade of nbconvert renders again, and an edit of one notebook renders only that one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from ..cache import Cache
from .styles import Stylesheet, renderer_versions
from .styles import strip as strip_styles
from .typeset import mark_math

if TYPE_CHECKING:
    from .pages import Executed

log = logging.getLogger("mkdocs.plugins.fromscratch.notebooks")

# nbconvert's templates load MathJax and Mermaid from CDNs (or an empty src); the site serves its own.
_CDN_SCRIPT = re.compile(
    r"<script[^>]*\ssrc=\"(?:https?://[^\"]*(?:mathjax|mermaid)[^\"]*)?\"[^>]*>\s*</script>"
    r"|<script type=\"text/x-mathjax-config\">.*?</script>"
    r"|<script type=\"module\">[^<]*?https?://cdn[^<]*?mermaid.*?</script>"
    r"|<!-- (?:load mathjax|mathjax configuration|end of (?:mathjax|mermaid) configuration) -->",
    re.S | re.I,
)

KIND = "renders"
_FORMAT = "page-1"  # bump when the post-processing or the entry's fields change
TOC_DEPTH = 6


class NotebookPageFile(File):
    """A notebook under docs/ that MkDocs builds as a page (`x.ipynb` -> `x/index.html`)."""

    def is_documentation_page(self) -> bool:
        return True


def as_pages(files: Files, notebooks: list[File]) -> dict[str, File]:
    """Replace each notebook File with a page File (at the end of the list: without a `nav:`,
    MkDocs sorts pages by path itself); the new Files by src_uri."""
    pages: dict[str, File] = {}
    for f in notebooks:
        page = NotebookPageFile(f.src_path, f.src_dir, f.dest_dir, f.use_directory_urls, inclusion=f.inclusion)
        files.remove(f)
        pages[f.src_uri] = page
    for page in pages.values():
        files.append(page)
    return pages


def render_key(text: str, sheet: Stylesheet | None) -> str:
    """The cache entry's name for an executed copy's text (and the stylesheet its CSS went to)."""
    head = f"{_FORMAT}|{renderer_versions()}|{TOC_DEPTH}|{sheet.path if sheet else ''}|"
    digest = hashlib.sha256(head.encode() + text.encode()).hexdigest()
    return f"{digest[:2]}/{digest}.json"


def attach(page: Page, done: Executed, cache: Cache, sheet: Stylesheet | None) -> None:
    """Make `page.render` fill the page from the cache (or convert and store on a miss)."""

    def render(self: Page, config: MkDocsConfig, files: Files) -> None:  # noqa: ARG001 - MkDocs' signature
        entry = cache.read(KIND, done.render_key, _parse_entry)
        if entry is None:
            start = time.perf_counter()
            entry = convert(done.path, sheet)
            cache.write(KIND, done.render_key, json.dumps(entry))
            # debug: the log keeps one line per notebook (executed or cached, pages.py)
            log.debug(f"notebook docs/{done.src_uri}: page rendered, {time.perf_counter() - start:.2f} s")
        self.content = entry["content"]
        self.toc = get_toc(entry["toc_tokens"])
        if entry["title"] is not None:
            self.title = entry["title"]  # the notebook's first heading, as mkdocs-jupyter did

    page.render = render.__get__(page, Page)  # this page only
    page.read_source = _no_source.__get__(page, Page)  # its JSON is no Markdown


def _no_source(self: Page, config: MkDocsConfig) -> None:  # noqa: ARG001
    self.markdown, self.meta = "", {}


def convert(path: Path, sheet: Stylesheet | None) -> dict[str, Any]:
    """nbconvert's HTML of the notebook at `path`, post-processed, with its headings."""
    from markdown import Markdown
    from markdown.extensions.toc import TocExtension
    from mkdocs_jupyter.convert import nb2html, nb2md  # heavy: only when a render is missing

    content = tidy(nb2html(str(path)), sheet)
    md = Markdown(extensions=[TocExtension(toc_depth=TOC_DEPTH)])
    md.convert(nb2md(str(path)))
    tokens = md.toc_tokens
    title = next((t["name"] for t in tokens if t["level"] == 1), None)
    return {"content": content, "toc_tokens": tokens, "title": title}


def strip_cdn_scripts(content: str) -> str:
    """Drop nbconvert's CDN MathJax/Mermaid loaders: everything must come from the site itself."""
    return _CDN_SCRIPT.sub("", content)

def tidy(content: str, sheet: Stylesheet | None) -> str:
    """A rendered notebook as the site serves it: no CDN scripts, the template's CSS left to the
    shared stylesheet, math marked for KaTeX."""
    return mark_math(strip_styles(strip_cdn_scripts(content), sheet))


def _parse_entry(data: bytes) -> dict[str, Any]:
    entry = json.loads(data)
    if (
        not isinstance(entry.get("content"), str)
        or "jupyter-wrapper" not in entry["content"]
        or not isinstance(entry.get("toc_tokens"), list)
        or not (entry.get("title") is None or isinstance(entry["title"], str))
    ):
        raise ValueError("not a rendered notebook page")
    return entry

