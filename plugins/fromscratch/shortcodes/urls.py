"""Which URLs a shortcode may put in an `href` or `src`.

Escaping an attribute stops it breaking out of its quotes, but `javascript:alert(1)` needs no
quotes: the scheme itself is the danger. Browsers find the scheme only after dropping leading
spaces and control characters and every tab and newline, and read a backslash as a slash, so
`" java\tscript:"` and `/\\evil.example` must be judged as the browser will read them.
"""

from __future__ import annotations

import re

from ..errors import ShortcodeError

_STRIPPED = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
WEB_SCHEMES = ("http", "https")


def as_browser_reads(url: str) -> str:
    return _TAB_NEWLINE.sub("", _STRIPPED.sub("", url)).replace("\\", "/")


def scheme(url: str) -> str | None:
    """The scheme a browser would see in `url`, lower case, or None for a path."""
    m = _SCHEME.match(as_browser_reads(url))
    return m.group(1).lower() if m else None


def check_link(url: str, who: str) -> str:
    """A link target: http(s), a path from the site root, or a relative path (with #anchor or
    ?query). Anything else (javascript:, data:, //host) stops the build."""
    read = as_browser_reads(url)
    found = scheme(url)
    if found is not None and found not in WEB_SCHEMES:
        raise ShortcodeError(
            f"{who}: {url!r} uses the {found}: scheme; links may be http(s) addresses or "
            "paths such as \"/content/ch1-rag/overview/\""
        )
    if read.startswith("//"):
        raise ShortcodeError(f"{who}: {url!r} names another host without a scheme; write https://...")
    if read != url:
        raise ShortcodeError(f"{who}: {url!r} holds spaces, control characters or backslashes; remove them")
    return url


def check_local(src: str, who: str) -> str:
    """A file the site serves itself: a path, never a scheme or another host."""
    read = as_browser_reads(src)
    if scheme(src) in WEB_SCHEMES or read.startswith("//"):
        raise ShortcodeError(
            f"{who}: {src!r} is on another host; put the file under docs/ so the site serves it"
        )
    if scheme(src) is not None:
        raise ShortcodeError(f"{who}: {src!r} uses the {scheme(src)}: scheme; give a path to a file under docs/")
    if read != src:
        raise ShortcodeError(f"{who}: {src!r} holds spaces, control characters or backslashes; remove them")
    return src
