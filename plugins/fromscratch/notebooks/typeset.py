"""Mark rendered notebooks whose Markdown holds math, so the page loads the site's KaTeX.

nbconvert keeps math in Markdown cells as text (`$a \\cdot b$`, `$$...$$`,
`\\begin{align}...`) for MathJax, which it would load from a CDN; the site serves KaTeX
itself instead. KaTeX is large, so overrides/main.html loads it only on pages that need
it: here a notebook's wrapper gets the class `nb-math` when a rendered Markdown cell or
output (or a LaTeX output) holds math, and katex-init.js typesets those containers.
Code (`<pre>`, `<code>`) is never looked at, and never typeset.
"""

from __future__ import annotations

import re

from .styles import WRAPPER

MARKED = '<div class="jupyter-wrapper nb-math">'

# Where rendered Markdown or LaTeX starts, up to the next cell.
_RENDERED = re.compile(r'<div class="[^"]*\b(jp-RenderedMarkdown|jp-RenderedLatex)\b[^"]*"')
_NEXT_CELL = re.compile(r'<div class="jp-Cell\b')
_CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S | re.I)
_MATH = re.compile(
    r"\$\$.+?\$\$"  # display, TeX style
    r"|(?<![\\$])\$[^$\s](?:[^$]*?[^$\s])?\$"  # inline: $x$, not a lone price like "$5"
    r"|\\\(.+?\\\)|\\\[.+?\\\]"  # LaTeX style
    r"|\\begin\{[a-zA-Z]+\*?\}",  # environments (align, equation ...)
    re.S,
)


def has_math(content: str) -> bool:
    """True if rendered Markdown/LaTeX inside a notebook's HTML holds math delimiters."""
    for m in _RENDERED.finditer(content):
        if m.group(1) == "jp-RenderedLatex":
            return True
        end = _NEXT_CELL.search(content, m.end())
        text = _CODE.sub("", content[m.end() : end.start() if end else len(content)])
        if _MATH.search(text):
            return True
    return False


def mark_math(content: str) -> str:
    """Add `nb-math` to the notebook wrapper when its Markdown holds math."""
    if WRAPPER not in content or not has_math(content):
        return content
    return content.replace(WRAPPER, MARKED, 1)
