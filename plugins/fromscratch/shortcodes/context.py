"""What a shortcode may know about the page it is rendered on."""

from __future__ import annotations

import posixpath
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ShortcodeError
from .urls import check_local


@dataclass
class PageContext:
    """The page being rendered: its source path under `docs/` and the docs folder."""

    src_path: str  # posix, relative to docs_dir, e.g. "content/ch0-fundamentals/vectors.md"
    docs_dir: Path
    extras: dict[str, Any] = field(default_factory=dict)

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
        """Map a Markdown-style image path to a root-absolute one after checking the file exists.

        Root-absolute paths are later made relative by the links module, so the
        result works under any deployment sub-path.
        """
        check_local(src, who)
        rel = self.docs_path(src, who)
        if not (self.docs_dir / rel).is_file():
            raise ShortcodeError(
                f"{who}: file {src!r} not found (looked for docs/{rel}); check the name or add the file"
            )
        return "/" + rel


_current: ContextVar[PageContext | None] = ContextVar("fromscratch_page", default=None)


def current_page() -> PageContext | None:
    return _current.get()


def set_current_page(ctx: PageContext | None) -> None:
    _current.set(ctx)
