"""The `search:` options of the fromscratch plugin in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class SearchConfig(base.Config):
    # Embed every section of the site at build time (the `site-sections` corpus) for the
    # header search's "Search by meaning" switch and the "Ask this site" page.
    by_meaning = c.Type(bool, default=True)
