"""The `notebooks:` options of the fromscratch plugin (a sub-config in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class NotebooksConfig(base.Config):
    # Execute every .ipynb under docs/ before mkdocs-jupyter renders it.
    enabled = c.Type(bool, default=True)
    # Executed notebooks, keyed by content; relative paths are from mkdocs.yml's folder.
    cache_dir = c.Type(str, default=".cache/notebooks")
    # Notebooks executed at once; 0 means one per CPU core.
    workers = c.Type(int, default=0)
    # Seconds a single cell may run before the build stops.
    timeout = c.Type(int, default=300)
    # The Jupyter kernel (the project's .venv, registered by `make`).
    kernel = c.Type(str, default="fromscratch")
    # The locked dependency set; its hash is part of every cache key.
    lockfile = c.Type(str, default="requirements.lock")
