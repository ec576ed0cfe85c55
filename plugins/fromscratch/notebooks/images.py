"""Notebook figures as image files instead of base64 text inside the page.

nbconvert writes every matplotlib figure into the HTML as a `data:` URI, so a page with a
few plots weighs hundreds of kilobytes, is re-downloaded whole on every visit, and slows
the search indexer, which reads all of it. Here each image is written once to
`assets/notebook-images/<sha256>.<ext>` (the same figure on two pages is one file) and the
page points at it, lazily loaded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from pathlib import Path

from mkdocs.utils import get_relative_url

FOLDER = "assets/notebook-images"
_EXT = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "gif": "gif", "webp": "webp", "svg+xml": "svg"}
_DATA_IMG = re.compile(
    r"(?P<tag><img\b[^>]*?\bsrc=)(?P<q>[\"'])data:image/(?P<kind>[a-z+]+);base64,(?P<data>[A-Za-z0-9+/=\s]+)(?P=q)",
    re.I,
)


class ImageStore:
    """Collects the images of one build; `write` puts them in the site."""

    def __init__(self) -> None:
        self.images: dict[str, bytes] = {}  # path under the site -> bytes

    def extract(self, html: str, page_url: str) -> str:
        def sub(m: re.Match[str]) -> str:
            ext = _EXT.get(m["kind"].lower())
            if ext is None:
                return m.group()
            try:
                data = base64.b64decode(re.sub(r"\s+", "", m["data"]), validate=True)
            except (binascii.Error, ValueError):
                return m.group()  # leave what we cannot decode exactly as it was
            path = f"{FOLDER}/{hashlib.sha256(data).hexdigest()[:20]}.{ext}"
            self.images[path] = data
            src = get_relative_url(path, page_url)
            lazy = "" if "loading=" in m["tag"] else 'loading="lazy" decoding="async" '
            return f"{m['tag'][:4]} {lazy}{m['tag'][4:].lstrip()}{m['q']}{src}{m['q']}"

        return _DATA_IMG.sub(sub, html)

    def write(self, site_dir: str | Path) -> None:
        for rel, data in self.images.items():
            target = Path(site_dir) / rel
            if target.is_file() and target.stat().st_size == len(data):
                continue  # named by content: same name and size is the same file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
