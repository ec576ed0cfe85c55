"""Material's search entries for a page, reused from the cache while the page's HTML is unchanged.

Material's search plugin feeds every page's HTML through its own HTML parser on every build, in
pure Python: on this site that is the largest step of a warm build (1.4 s of 4 s, most of it the
notebook pages and their embedded cells). Nothing in Material or MkDocs keeps that work between
builds, so the plugin does: `SearchIndex.add_entry_from_context` is wrapped on the build's own
index, and a page whose inputs to it (HTML, URL, title, table of contents, `search`/`tags`
metadata, Material's version) hash to a known key gets the entries Material made for it last
time. A test compares the whole `search_index.json` of a cold and a warm build.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from importlib.metadata import version

from material.plugins.search.plugin import SearchIndex, jieba
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

from ..cache import Cache

KIND = "search"
FORMAT = 1


def reuse_entries(config: MkDocsConfig, cache: Cache) -> None:
    """Make this build's Material search index take unchanged pages' entries from `cache`."""
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    if not isinstance(index, SearchIndex) or not cache.enabled:
        return
    # the class's method, not the instance's: wrapping twice (a `mkdocs serve` rebuild that
    # keeps the config) still calls Material once
    index.add_entry_from_context = _Cached(index, cache).add


class _Cached:
    def __init__(self, index: SearchIndex, cache: Cache) -> None:
        self.index = index
        self.cache = cache

    def add(self, page: Page) -> None:
        key = page_key(page)
        entries = self.cache.read(KIND, f"{key}.json", _parse)
        if entries is None:
            start = len(self.index.entries)
            SearchIndex.add_entry_from_context(self.index, page)
            entries = self.index.entries[start:]
            self.cache.write(KIND, f"{key}.json", json.dumps(entries, ensure_ascii=False))
            return
        self.index.entries.extend(entries)


def page_key(page: Page) -> str:
    meta: Mapping = page.meta or {}
    payload = json.dumps({
        "format": FORMAT, "material": _material(), "jieba": jieba is not None,
        "url": page.url, "title": page.title, "meta_title": meta.get("title"),
        "search": meta.get("search"), "tags": meta.get("tags"), "toc": _toc(page.toc),
    }, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode() + b"\0" + (page.content or "").encode()).hexdigest()[:24]


@functools.cache
def _material() -> str:
    return version("mkdocs-material")


def _toc(items: object) -> list:
    return [[item.id, item.url, _toc(item.children)] for item in items or []]


def _parse(data: bytes) -> list[dict]:
    entries = json.loads(data)
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "location" in e for e in entries):
        raise ValueError("not a list of search entries")
    return entries
