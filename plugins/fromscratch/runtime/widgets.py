"""The `widget` shortcode: `{% widget "semantic-search", corpus="pets" %}` or `{{ widget(...) }}`.

It only writes the custom element; the scripts that bring it to life are added
to the page by overrides/main.html when the page holds a widget, so pages
without widgets load none of them.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import ShortcodeError
from ..shortcodes.context import PageContext
from ..shortcodes.registry import register

# widget name -> default corpus (None: the widget takes no corpus)
WIDGETS: dict[str, str | None] = {
    "similarity-playground": None,
    "semantic-search": "pets",
    "embedding-map": "words",
    "text-generator": None,  # the language model of runtime.generator (see generation.py)
}

_corpora_dir = "data/corpora"  # relative to docs_dir; set from mkdocs.yml by configure()


def configure(corpora_dir: str) -> None:
    global _corpora_dir
    _corpora_dir = corpora_dir.strip("/")


def available_corpora(docs_dir: Path) -> list[str]:
    folder = docs_dir / _corpora_dir
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def widget(name: str, corpus: str = "", ctx: PageContext | None = None) -> str:
    """A live widget that runs the embedding model in the reader's browser."""
    if name not in WIDGETS:
        raise ShortcodeError(f"widget: unknown widget {name!r}; known widgets: {', '.join(sorted(WIDGETS))}")
    default = WIDGETS[name]
    if default is None and corpus:
        raise ShortcodeError(f"widget: {name} takes no corpus (got corpus={corpus!r})")
    corpus = corpus or (default or "")
    if corpus and ctx is not None:
        known = available_corpora(ctx.docs_dir)
        if corpus not in known:
            raise ShortcodeError(
                f"widget: unknown corpus {corpus!r} (looked for docs/{_corpora_dir}/{corpus}.json); "
                f"known corpora: {', '.join(known) or 'none'}"
            )
    attr = f' corpus="{html.escape(corpus)}"' if corpus else ""
    return (
        f'<div class="fs-widget-host" data-fs-widget="{name}">\n'
        f'<{name}{attr}><p class="fs-widget__fallback">This interactive example runs a small AI model '
        f"in your browser and needs JavaScript.</p></{name}>\n"
        "</div>"
    )


register("widget", widget, needs_page=True)
