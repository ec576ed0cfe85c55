"""Is this build for `mkdocs serve`? Asked by the serve report and the CSP.

Plugins usually learn it from `on_startup(command=...)`, but a plugin that defines
`on_startup` is kept by MkDocs as one instance for every project loaded in the process, so
two builds in one process would share its per-build state. Instead: `mkdocs serve` builds into
a fresh temporary folder named `mkdocs_*`, and calls `on_serve` after its first build.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

_SERVED: set[str] = set()  # config files this process serves: process state, not build state


def _key(config: MkDocsConfig) -> str:
    return str(Path(config.config_file_path).resolve())


def is_serving(config: MkDocsConfig) -> bool:
    if _key(config) in _SERVED:
        return True
    site = Path(config.site_dir).resolve()
    return site.name.startswith("mkdocs_") and site.parent == Path(tempfile.gettempdir()).resolve()


def mark_served(config: MkDocsConfig) -> None:
    _SERVED.add(_key(config))
