"""A missing snippet (`--8<-- "file"`) as one line naming the page and line.

mkdocs.yml confines pymdownx.snippets to docs/ (`base_path`, `restrict_base_path`) and makes a
missing file an error (`check_paths`), so `--8<-- ".git/config"` cannot publish the project's
files. pymdownx reports that error as a traceback without the page; this runs pymdownx's own
snippet reader over the page first (same rules, same files) to say where the bad line is.
"""

from __future__ import annotations

import re

import markdown as md_lib
from mkdocs.config.defaults import MkDocsConfig
from pymdownx.snippets import SnippetExtension, SnippetMissingError, SnippetPreprocessor

from .errors import SourceError

NAME = "pymdownx.snippets"


def check_snippets(markdown: str, config: MkDocsConfig, display_path: str, offset: int = 0) -> None:
    """Raise SourceError when a snippet the page includes cannot be read from docs/."""
    if "8<" not in markdown or NAME not in config.markdown_extensions:
        return
    options = SnippetExtension(**(config.mdx_configs.get(NAME) or {})).getConfigs()
    reader = SnippetPreprocessor(options, md_lib.Markdown())
    lines = markdown.split("\n")
    try:
        reader.run(list(lines))
    except SnippetMissingError as exc:
        m = re.search(r"'(.*)'", str(exc))
        path = m.group(1) if m else ""
        line = next((i for i, text in enumerate(lines, 1) if path and path in text and "8<" in text), None)
        line = line or next((i for i, text in enumerate(lines, 1) if path and path in text), None)
        raise SourceError(
            display_path,
            line + offset if line else None,
            f"snippet {path!r} not found under docs/ (snippets are read only from docs/); "
            "check the path, or move the file into docs/",
        ) from None
