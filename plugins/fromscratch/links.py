"""Root-absolute links (`/content/ch1-rag/overview/`) made relative and checked.

The seed writes links from the site root, in Markdown and in raw HTML. Left as
they are they break under a GitHub Pages project path (`/repo/`); MkDocs only
rewrites relative `.md` links in Markdown. This rewrites every root-absolute
`href`/`src` in a page's HTML to a path relative to that page, after checking
that a page or file of the site is there.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape

from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

_ATTR = re.compile(r"""(?P<lead>\s(?:href|src)\s*=\s*)(?P<q>["'])(?P<url>[^"'<>]*)(?P=q)""", re.I)
# Code shown on a page (`<a href="/x/">` in inline code, a fenced block): never rewritten,
# so the page shows the code as written. Anything else is split into real tags and text.
_CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[a-z][^<>]*>", re.I)
# A relative link to a source file, as written in a notebook's Markdown cells.
_DOC_LINK = re.compile(r"^(?![a-z][a-z0-9+.-]*:)[^/#?][^#?]*\.(?:md|ipynb)(?:#.*)?$", re.I)


@dataclass
class Link:
    url: str  # as written, e.g. "/content/ch1-rag/overview/#top"
    target: File | None
    fragment: str


def resolve(url: str, files: Files) -> Link:
    """Find the page or file a root-absolute URL means."""
    path, _, fragment = url.partition("#")
    path = path.split("?", 1)[0].strip("/")
    candidates = [path] if path else []
    stem = path[:-3] if path.endswith(".md") else path
    candidates += [f"{stem}.md", f"{stem}/index.md", f"{stem}/README.md", f"{stem}.ipynb"]
    if not path:
        candidates = ["index.md", "README.md"]
    for candidate in candidates:
        found = files.get_file_from_path(candidate)
        if found is not None:
            return Link(url, found, fragment)
    return Link(url, None, fragment)


def rewrite(
    html: str, page_url: str, files: Files, src_uri: str | None = None
) -> tuple[str, list[Link]]:
    """Return the HTML with root-absolute links made relative, and every link found.

    With `src_uri` (the page's source path), relative links to `.md`/`.ipynb` files are
    resolved too: MkDocs does that for Markdown pages but not for notebook pages.
    """
    links: list[Link] = []

    def sub(m: re.Match[str]) -> str:
        url = m["url"]
        if src_uri is not None and _DOC_LINK.match(url):
            path, _, fragment = url.partition("#")
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), path))
            link = resolve("/" + joined + (f"#{fragment}" if fragment else ""), files)
            link.url = url
        elif url.startswith("/") and not url.startswith("//"):
            link = resolve(url, files)
        else:
            return m.group()
        links.append(link)
        if link.target is None:
            return m.group()
        rel = get_relative_url(link.target.url or ".", page_url)
        if rel.endswith("/.") or rel == ".":
            rel = rel[:-1] or "./"
        new = rel + (f"#{link.fragment}" if link.fragment else "")
        return f"{m['lead']}{m['q']}{new}{m['q']}"

    def in_tags(text: str) -> str:
        return _TAG.sub(lambda t: _ATTR.sub(sub, t.group()), text)

    out, start = [], 0
    for code in _CODE.finditer(html):
        out += [in_tags(html[start:code.start()]), code.group()]
        start = code.end()
    out.append(in_tags(html[start:]))
    return "".join(out), links


def nearest_page(url: str, files: Files) -> str | None:
    """The site URL closest to a broken root-absolute link (`/vector/` for `/vectors/`), if any is close."""
    path = url.partition("#")[0].split("?", 1)[0]
    known = {"/" + (f.url or "") for f in files.documentation_pages()}
    known |= {"/" + f.src_uri for f in files if not f.is_documentation_page()}
    for candidate in (path, path.rstrip("/") + "/"):
        close = difflib.get_close_matches(candidate, sorted(known), n=1, cutoff=0.8)
        if close:
            return close[0]
    return None


def line_in_source(source: str, needle: str) -> int | None:
    """The first line of the Markdown source that mentions `needle`, for error messages."""
    for number, line in enumerate(source.splitlines(), 1):
        if needle in line:
            return number
    trimmed = needle.rstrip("/")
    if trimmed and trimmed != needle:
        return line_in_source(source, trimmed)
    return None


_START_TAG = re.compile(r"<[A-Za-z][^\s/>]*(\s[^>]*)>")
_ID_ATTR = re.compile(r"""(?:^|\s)(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>=`]+))""")


def anchor_ids(html: str) -> set[str]:
    """Every id (and name) a start tag of the page carries. Two regular expressions, not an HTML
    parser: pages that show notebook cells hold tens of thousands of tags, and Python's
    HTMLParser took a tenth of a second of each warm build to read them for these values."""
    ids: set[str] = set()
    for attrs in _START_TAG.findall(html):
        for quoted, single, bare in _ID_ATTR.findall(attrs):
            value = unescape(quoted or single or bare)
            if value:
                ids.add(value)
    return ids


def broken_anchors(
    pending: list[tuple[str, str, File, str]], ids_for: Callable[[File], set[str] | None]
) -> Iterator[tuple[str, str, str]]:
    """Yield (page, url, fragment) for links whose `#fragment` names no element of the target."""
    for page, url, target, fragment in pending:
        ids = ids_for(target)
        if ids is not None and fragment not in ids:
            yield page, url, fragment
