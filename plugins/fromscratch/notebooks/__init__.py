"""Executed notebooks: run each .ipynb under docs/ once per change, render it, embed its cells.

Modules, one job each:

- `cache`   — the cache key and validated storage of executed notebooks (in the plugin's
              one cache folder, `fromscratch.cache`).
- `inputs`  — the files a notebook reads (its folder, its declared globs), by sha256.
- `environment` — the kernel's Python and the packages the project's runtime needs, by version.
- `execute` — run notebooks with a real Jupyter kernel (nbclient), in parallel, with
              one-line error messages.
- `pages`   — the build side: find notebooks, execute or reuse, hand the executed copy to
              mkdocs-jupyter, add the run info / download / Colab bar. What ran is kept on
              the build object (`fromscratch.build.Build`), never in a module global.
- `embed`   — the `notebook` shortcode: selected executed cells inside a Markdown page.
- `styles`  — nbconvert's notebook CSS as one shared stylesheet, stripped from the pages.
- `typeset` — mark notebooks whose Markdown holds math, so the page loads the site's KaTeX.

Cell numbers are 1-based positions among *all* cells of a notebook (Markdown cells count),
the same numbers used in error messages.
"""

from ..shortcodes.registry import register
from . import embed, pages
from .options import NotebooksConfig

register("notebook", embed.notebook, needs_page=True)

__all__ = ["NotebooksConfig", "embed", "pages"]
