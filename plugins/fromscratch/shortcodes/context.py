"""What a shortcode may know about the page it is rendered on, and what it tells the page.

`plugin.py` makes one `PageContext` per page (in `on_page_markdown`) and puts it on the page
as `page.fromscratch`; the shortcodes find it through the Jinja context mkdocs-macros
renders with (its `page` variable), never through a global. Shortcodes set the page's
features (`features`: "notebook", "widget", "own-footer", ...) once, as they render, so
nothing later has to search the HTML for marker strings.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.utils import get_relative_url

from ..errors import ShortcodeError
from .urls import check_local

if TYPE_CHECKING:
    from ..build import Build

# Page features: what a page holds, set once by whoever puts it there.
NOTEBOOK = "notebook"  # notebook cells (a notebook page, or embedded cells)
WIDGET = "widget"
OWN_FOOTER = "own-footer"  # the page brings its own previous/next links (contentfooter)
MATH = "math"  # KaTeX is needed
MERMAID = "mermaid"
GENERATION = "generation"  # a widget runs the language model: the page asks for cross-origin isolation


@dataclass
class PageContext:
    """The page being rendered: its source path under `docs/`, the docs folder, its URL."""

    src_path: str  # posix, relative to docs_dir, e.g. "content/ch0-fundamentals/vectors.md"
    docs_dir: Path
    extras: dict[str, Any] = field(default_factory=dict)
    url: str | None = None  # the page's URL in the site, e.g. "content/ch0-fundamentals/vectors/"
    build: Build | None = None
    features: set[str] = field(default_factory=set)

    def relative_url(self, site_path: str) -> str:
        """`site_path` (from the site root) as a URL relative to this page; root-absolute
        ("/" + site_path) when the page's URL is not known (a shortcode called outside a build)."""
        if self.url is None:
            return "/" + site_path
        return get_relative_url(site_path, self.url)

    @property
    def display_path(self) -> str:
        return f"docs/{self.src_path}"

    def docs_path(self, src: str, who: str) -> str:
        """A path as Markdown reads it (relative to the page, or from docs/ with a leading /),
        as a posix path under docs/; refuses one that climbs out of docs/."""
        if src.startswith("/"):
            rel = posixpath.normpath(src.lstrip("/"))
        else:
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(self.src_path), src))
        if rel.startswith("../") or rel == "..":
            raise ShortcodeError(f"{who}: {src!r} points outside docs/")
        return rel

    def resolve_asset(self, src: str, who: str) -> str:
        """Map a Markdown-style image path to its final URL (relative to the page, so it works
        under any deployment sub-path) after checking the file exists."""
        check_local(src, who)
        rel = self.docs_path(src, who)
        if not (self.docs_dir / rel).is_file():
            raise ShortcodeError(
                f"{who}: file {src!r} not found (looked for docs/{rel}); check the name or add the file"
            )
        return self.relative_url(rel)


def from_jinja(context: Any) -> PageContext | None:  # noqa: ANN401 - a jinja2 Context
    """The PageContext of the page mkdocs-macros is rendering (its `page` variable)."""
    page = context.get("page") if context is not None else None
    ctx = getattr(page, "fromscratch", None)
    return ctx if isinstance(ctx, PageContext) else None
