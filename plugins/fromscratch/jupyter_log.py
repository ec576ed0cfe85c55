"""A quieter build log: other plugins' per-page INFO lines kept out of it.

mkdocs-macros adds five lines of its own configuration on every build. mkdocs-jupyter, which
the site no longer loads (notebooks/render.py draws notebook pages) but a project with
`notebooks: {enabled: false}` may use instead, logs "Converting notebook…", "Cache hit/miss…"
and "Copied jupyter file…" for every notebook on every build. Our notebooks module logs one
line per notebook (executed or cached, and how long). Their warnings and errors still show,
and `mkdocs build -v` (debug) shows everything."""

from __future__ import annotations

import logging

# mkdocs-macros adds five lines of its own configuration ("[macros] - Config variables: ...")
LOGGERS = ("mkdocs.mkdocs-jupyter", "mkdocs.plugins.mkdocs_jupyter", "mkdocs.plugins.mkdocs_macros.util")


def quiet_other_plugins() -> None:
    """Raise those loggers to WARNING unless the author asked for a verbose log."""
    verbose = logging.getLogger("mkdocs").getEffectiveLevel() <= logging.DEBUG
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
