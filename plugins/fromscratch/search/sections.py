"""A built page split into the sections Material's search index holds, as plain text.

Material's search plugin cuts a page at every heading with an id: the heading's text is the
section's title and everything up to the next heading is its text; the location is the page
URL plus `#id` (none for the first section). The header search links to exactly those
locations, so the semantic ranking must rank exactly those units. Rather than re-implementing
the cut, this module runs Material's own parser (`material.plugins.search.plugin.Parser`) and
its entry builder (`SearchIndex.create_entry_for_section`, which resolves ids through the
page's table of contents), on the same HTML Material indexes. A test builds a small site and
compares every location and title with the `search/search_index.json` Material wrote.

What carries no meaning for a reader's question is left out of the *text* (the sections and
their titles stay, so locations still agree one to one):

- code: `<pre>` blocks and notebook code cells with their outputs. A question in plain words
  ("how do I measure the angle between two arrows") matches the prose that explains the code,
  not `np.dot(a, b) / ...`, and the model reads only the first few hundred tokens of a
  section: code would crowd out the explanation. Inline `<code>` in prose stays.
- display math (`.arithmatex`): TeX source, not words.
- widget hosts (`.fs-widget-host`, custom elements): a fallback sentence and, for `<rag-qa>`,
  license passages that are the widget's data, not what the page teaches.
- the notebook boxes (`.nb-runinfo`: "Ran in 2.1 s ... Download"; `.nb-embed__source`),
  the chapter footer and build-time model answers (`.fs-generated`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from material.plugins.search.plugin import Parser, SearchIndex, void

# classes whose elements are left out of a section's text (see the module docstring)
SKIP_CLASSES = frozenset({
    "jp-CodeCell", "arithmatex", "fs-widget-host", "nb-runinfo", "nb-embed__source",
    "content-footer", "fs-generated", "headerlink",
})
SKIP_TAGS = frozenset({"pre", "nav", "svg", "button", "form", "template"})
_HEADING = re.compile(r"h[1-6]")
_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|pre)>")  # Material keeps these, and code, sub, sup
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    location: str  # page URL + "#id", exactly as Material's search_index.json has it
    title: str  # the heading's text (plain text)
    page: str  # the page's title
    text: str  # plain text up to the next heading, without what module docstring lists

    def as_item(self) -> dict[str, str]:
        return {"location": self.location, "title": self.title, "page": self.page, "text": self.text}


class _MeaningParser(Parser):
    """Material's parser, told to leave out the text of what carries no meaning (SKIP_CLASSES).

    Not through Material's `data-search-exclude`: its parser compares elements by tag name, so
    the first nested `<div>` that closes inside an excluded `<div>` ends the exclusion (a
    notebook cell's outputs would be indexed). Here the skipped element's depth is tracked."""

    def __init__(self) -> None:
        super().__init__()
        self._skip_depth: int | None = None  # len(context) just inside the skipped element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if (self._skip_depth is None and tag not in void and not _HEADING.fullmatch(tag)
                and _skipped(tag, attrs)):
            self._skip_depth = len(self.context)

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if self._skip_depth is not None and len(self.context) < self._skip_depth:
            self._skip_depth = None

    def handle_data(self, data: str) -> None:
        in_title = self.section is not None and self.section.el in self.context
        if self._skip_depth is None or in_title:
            super().handle_data(data)


def _skipped(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in SKIP_TAGS or "-" in tag:  # custom elements are widgets
        return True
    classes = next((v for k, v in attrs if k == "class"), None) or ""
    return not SKIP_CLASSES.isdisjoint(classes.split())


def plain(fragment: str) -> str:
    """Material's kept markup (<p>, <code>, lists) removed, entities decoded, spaces collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", fragment)))).strip()


class _Page:
    """What Material's entry builder reads from a page: its URL, toc, meta and title."""

    def __init__(self, url: str, toc: object, meta: dict, title: str) -> None:
        self.url, self.toc, self.meta, self.title = url, toc, meta, title


def split(content: str, url: str, toc: object, meta: dict | None, title: str | None) -> list[Section]:
    """The page's sections, in page order; [] for a page Material leaves out (`search: exclude`)."""
    meta = meta or {}
    search = meta.get("search") or {}
    if isinstance(search, dict) and search.get("exclude"):
        return []
    page = _Page(url, toc if toc is not None else [], meta, title or "")
    parser = _MeaningParser()
    parser.feed(content)
    parser.close()
    index = SearchIndex()
    for section in parser.data:
        if not section.is_excluded():
            index.create_entry_for_section(section, page.toc, page.url, page)
    page_title = plain(str(meta.get("title") or title or ""))
    return [Section(e["location"], plain(e["title"]), page_title, plain(e["text"])) for e in index.entries]


def embed_text(section: Section, max_words: int = 0) -> str:
    """What the model reads for a section: where it is (page, heading), then its text; at most
    `max_words` words of text when given."""
    title = section.title.rstrip("¶ ")  # notebook headings' anchor links, kept in Material's titles
    head = title if title == section.page else f"{section.page}: {title}"
    words = section.text.split()
    text = " ".join(words[:max_words]) if max_words and len(words) > max_words else section.text
    return f"{head}. {text}".strip() if text else head
