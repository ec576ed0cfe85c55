"""The plugin's options in mkdocs.yml: a wrong name or type is a clear config error."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from .notebooks.options import NotebooksConfig
from .runtime.settings import RuntimeConfig
from .search.options import SearchConfig


class FromScratchConfig(base.Config):
    # The plugin's one cache folder (relative to mkdocs.yml): .cache/<kind>/ for executed
    # notebooks, rendered cells, styles, corpus vectors, mkdocs-jupyter's renders; models too.
    cache_dir = c.Type(str, default=".cache")
    # Off: nothing is read from or kept in the cache; every notebook runs on every build.
    cache = c.Type(bool, default=True)
    # Rewrite and check root-absolute links such as /content/ch1-rag/overview/.
    check_links = c.Type(bool, default=True)
    # Where installed front-end packages (fonts, KaTeX, Mermaid) are read from.
    node_modules = c.Type(str, default="node_modules")
    # Executed notebooks: parallel workers, per-cell timeout, kernel, which packages count.
    notebooks = c.SubConfig(NotebooksConfig)
    # In-browser AI: the embedding model (id, files, sha256, sources) and widget corpora.
    runtime = c.SubConfig(RuntimeConfig)
    # Search by meaning: the site's sections embedded at build time (plugins/fromscratch/search).
    search = c.SubConfig(SearchConfig)
