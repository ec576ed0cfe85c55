"""Refuse front matter that is not valid YAML, and escape the values Material prints raw.

MkDocs silently ignores a YAML block it cannot parse and then renders it as page text, so
one unquoted colon in a description loses the page's title, its chapter badge and more.
"""

from __future__ import annotations

import html
from typing import Any

import yaml
from mkdocs.utils.meta import YAML_RE

from .errors import SourceError


def check_front_matter(source: str, display_path: str) -> None:
    match = YAML_RE.match(source)
    if match is None:
        return
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for the opening ---, +1 one-based
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(
            display_path,
            line,
            f"front matter is not valid YAML ({problem}); put values that contain ': ' in quotes",
        ) from None
    if data is not None and not isinstance(data, dict):
        raise SourceError(display_path, 2, "front matter must be `key: value` lines")


# Front-matter keys Material's templates print without escaping (base.html: <title>, <meta
# name="description|author">; header.html: the title). MkDocs treats a page title as HTML (the
# nav prints it as is), so escaping the text once makes `title: 'Q&A "why"'` read as written.
PRINTED_RAW = ("title", "description", "author")


def escape_printed_values(meta: dict[str, Any]) -> None:
    """Escape, in place, the string values of PRINTED_RAW: a quote in a description otherwise
    ends the attribute it is printed in, and a `<` starts markup."""
    for key in PRINTED_RAW:
        value = meta.get(key)
        if isinstance(value, str):
            meta[key] = html.escape(value)
