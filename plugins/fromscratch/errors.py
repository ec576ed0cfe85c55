"""One error type for author mistakes, so the build stops with `file:line: message`."""

from __future__ import annotations

from mkdocs.exceptions import PluginError


class ShortcodeError(ValueError):
    """Bad shortcode input; the caller knows the page and line and adds them."""


class SourceError(PluginError):
    """An author error pinned to a place in `docs/`: printed as one line, no traceback."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
