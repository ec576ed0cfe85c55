"""A quieter build log: mkdocs-jupyter's per-page INFO lines kept out of it.

mkdocs-jupyter logs "Converting notebook…", "Cache hit/miss…" and "Copied jupyter file…" for
every notebook on every build, a screenful on each `make serve` reload. Our own notebooks
module already logs one line per notebook (executed or cached, and how long), so those lines
repeat it. mkdocs-macros' start-up lines go the same way. Their warnings and errors still show, and `mkdocs build -v` (debug) shows everything.
"""

from __future__ import annotations

import logging

# mkdocs-macros adds five lines of its own configuration ("[macros] - Config variables: ...")
LOGGERS = ("mkdocs.mkdocs-jupyter", "mkdocs.plugins.mkdocs_jupyter", "mkdocs.plugins.mkdocs_macros.util")


def quiet_mkdocs_jupyter() -> None:
    """Raise mkdocs-jupyter's loggers to WARNING unless the author asked for a verbose log."""
    verbose = logging.getLogger("mkdocs").getEffectiveLevel() <= logging.DEBUG
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
