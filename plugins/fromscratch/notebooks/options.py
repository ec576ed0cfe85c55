"""The `notebooks:` options of the fromscratch plugin (a sub-config in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class NotebooksConfig(base.Config):
    # Execute every .ipynb under docs/ before mkdocs-jupyter renders it.
    enabled = c.Type(bool, default=True)
    # Notebooks executed at once; 0 means one per CPU core.
    workers = c.Type(int, default=0)
    # Seconds a single cell may run before the build stops. The chapter notebooks' longest
    # cells take about two minutes on an idle 2-core machine, several times that on a busy one.
    timeout = c.Type(int, default=600)
    # The Jupyter kernel (the project's .venv, registered by `make`).
    kernel = c.Type(str, default="fromscratch")
    # The distribution whose runtime dependencies (and theirs), as installed in the kernel,
    # are part of every cache key; dev tools (linters, pytest) are not.
    packages_from = c.Type(str, default="fromscratch")
