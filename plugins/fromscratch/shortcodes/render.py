"""The first version's shortcodes as plain functions: text in, HTML or Markdown out.

They know nothing about MkDocs, so tests and other tools can call them directly.
Anything that depends on the page (where a figure file lives) comes in through
a `PageContext`.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from ..errors import ShortcodeError
from .urls import check_link

if TYPE_CHECKING:
    from .context import PageContext

LIST_TYPES = ("ul", "ol")


def ahamoment(content: str, label: str = "AHA! Moment") -> str:
    """A card with a tab-like label for the moment a concept clicks."""
    _require_text(content, "ahamoment", "content")
    return (
        '<aside class="aha-card" role="note" markdown="block">\n'
        f'<div class="aha-card__label">{html.escape(label)}</div>\n'
        f'<div class="aha-card__body" markdown="block">\n\n{content.strip()}\n\n</div>\n'
        "</aside>"
    )


def stylized_list(items: str, type: str = "ul") -> str:  # noqa: A002 - the seed's name
    """The hand-drawn bullet list; `items` is `<li>` HTML as in the seed."""
    _require_text(items, "stylizedList", "items")
    if type not in LIST_TYPES:
        raise ShortcodeError(
            f"stylizedList: unknown list type {type!r}; use \"ul\" (bullets) or \"ol\" (numbers)"
        )
    return f'<{type} class="stylized-list">\n{items.strip()}\n</{type}>'


def figure(src: str, alt: str, caption: str = "", ctx: PageContext | None = None) -> str:
    """An image with a caption; the file must exist so a typo fails the build."""
    _require_text(src, "figure", "src")
    if ctx is not None:
        src = ctx.resolve_asset(src, "figure")
    caption_html = f"\n<figcaption>{caption.strip()}</figcaption>" if caption.strip() else ""
    return (
        '<figure class="figure">\n'
        f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" loading="lazy" decoding="async">'
        f"{caption_html}\n</figure>"
    )


def codeblock(code: str, language: str = "text") -> str:
    """A fenced block, so it is highlighted and copyable exactly like one written by hand."""
    if not re.fullmatch(r"[\w+#.-]*", language):
        raise ShortcodeError(f"codeblock: {language!r} is not a language name (try \"python\")")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    body = _dedent(code.strip("\n"))
    return f"\n{fence}{language}\n{body}\n{fence}\n"


def contentfooter(prev: str = "", next: str = "") -> str:  # noqa: A002 - the seed's name
    """Explicit previous/next links; pages without it use Material's footer."""
    if not prev and not next:
        raise ShortcodeError("contentfooter: give a previous link, a next link, or both")
    for url in (prev, next):
        if url:
            check_link(url, "contentfooter")
    parts = ['<nav class="content-footer" aria-label="Chapter navigation">']
    if prev:
        parts.append(
            f'<a class="content-footer__link content-footer__link--prev" href="{html.escape(prev)}">'
            '<span class="content-footer__direction">Previous</span></a>'
        )
    if next:
        parts.append(
            f'<a class="content-footer__link content-footer__link--next" href="{html.escape(next)}">'
            '<span class="content-footer__direction">Next</span></a>'
        )
    parts.append("</nav>")
    return "\n".join(parts)


def _require_text(value: object, name: str, arg: str) -> None:
    if not isinstance(value, str):
        raise ShortcodeError(f"{name}: {arg} must be a quoted string")
    if not value.strip():
        raise ShortcodeError(f"{name}: {arg} is empty; write the text between the quotes")


def _dedent(text: str) -> str:
    lines = text.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)
