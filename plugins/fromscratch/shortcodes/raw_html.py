"""Finished HTML from a shortcode, kept out of Markdown's way.

A `{% notebook %}` embed is final HTML, often tens of kilobytes of highlighted code and
outputs. Written into the Markdown as it is, Python-Markdown's raw-HTML and md_in_html
parsers walk every tag of it on every build: about half of all Markdown time on the site's
pages. Instead the shortcode writes a one-line marker and keeps the HTML here; a
preprocessor puts the HTML into Markdown's own stash (`md.htmlStash`, the mechanism fenced
code uses), which restores it verbatim once the page is converted. Everything after
Markdown (links, figures, search, the CSP) sees the same page as before.
"""

from __future__ import annotations

import re
import secrets

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor


class RawBlocks:
    """One build's blocks waiting for their page's Markdown, by marker."""

    def __init__(self) -> None:
        self.token = f"fromscratch-raw-{secrets.token_hex(6)}"
        self.marker = re.compile(re.escape(self.token) + r"-\d+")
        self.pending: dict[str, str] = {}
        self._count = 0

    def put(self, html: str) -> str:
        """A marker for `html`, as its own paragraph of the page's Markdown."""
        self._count += 1
        marker = f"{self.token}-{self._count}"
        self.pending[marker] = html.strip()
        return f"\n\n{marker}\n\n"

    def start_page(self) -> None:
        """Forget blocks no page took (a check renders shortcodes without using their output)."""
        self.pending.clear()


class RawHtmlExtension(Extension):
    """Added to every page's Markdown by the plugin (`on_config`); `blocks` is the build's."""

    def __init__(self, blocks: RawBlocks) -> None:
        super().__init__()
        self.blocks = blocks

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # after whitespace normalising (30), before fenced code (25) and raw HTML (20)
        md.preprocessors.register(_Restore(md, self.blocks), "fromscratch_raw_html", 27)


class _Restore(Preprocessor):
    def __init__(self, md: Markdown, blocks: RawBlocks) -> None:
        super().__init__(md)
        self.blocks = blocks

    def run(self, lines: list[str]) -> list[str]:
        blocks = self.blocks
        if not blocks.pending:
            return lines

        def stash(m: re.Match) -> str:
            html = blocks.pending.pop(m.group(0), None)
            return m.group(0) if html is None else self.md.htmlStash.store(html)

        return [blocks.marker.sub(stash, line) if blocks.token in line else line for line in lines]
