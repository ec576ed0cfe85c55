"""Silence Material's end-of-life notice wherever the site is built, not only from the Makefile.

Material prints the notice when its theme module is imported, unless NO_MKDOCS_2_WARNING is
set; MkDocs imports the theme before any plugin. mkdocs.yml names `SILENCED` with a
`!!python/name:` tag, which imports this module while the file is read, before the theme.
"""

from __future__ import annotations

import os

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
SILENCED = True
