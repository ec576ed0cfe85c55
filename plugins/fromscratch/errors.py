"""One error type for author mistakes, so the build stops with `file:line: message`."""

from __future__ import annotations

import logging
import sys

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


class _OneLine(logging.Filter):
    """Drop MkDocs' `Error reading page '...':` line when a SourceError follows it.

    MkDocs logs that line and, for a BuildError, prints the error's own message on the next
    line; a SourceError's message already names the file and line, so the first is noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = sys.exc_info()[1]
        return not (isinstance(error, SourceError) and record.getMessage().startswith("Error reading page '"))


_FILTER = _OneLine()


def one_line_page_errors() -> None:
    """Install the filter once on the logger MkDocs prints page errors with."""
    logger = logging.getLogger("mkdocs.commands.build")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
