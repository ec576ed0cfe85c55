"""Notebook figures as image files instead of base64 text inside the page.

nbconvert writes every matplotlib figure into the HTML as a `data:` URI, so a page with a
few plots weighs hundreds of kilobytes, is re-downloaded whole on every visit, and slows
the search indexer, which reads all of it. Here each image is written once to
`assets/notebook-images/<sha256>.<ext>` (the same figure on two pages is one file) and the
page points at it, lazily loaded.

Alt text: nbconvert gives every figure the same "No description has been provided" text. A
code cell says what its figures show in its metadata, `"alt": "..."` (or a list, one per
figure, in output order); `learn_alt_texts` reads that from the executed notebooks and the
figure, found by its bytes, gets it wherever it appears (notebook page or inline embed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from html import escape
from pathlib import Path

import nbformat
from mkdocs.utils import get_relative_url

from .cache import read_notebook

log = logging.getLogger("mkdocs.plugins.fromscratch.notebooks")

FOLDER = "assets/notebook-images"
_EXT = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "gif": "gif", "webp": "webp", "svg+xml": "svg"}
_GENERIC_ALT = re.compile(r'\salt="No description has been provided for this image"')
_DATA_IMG = re.compile(
    r"(?P<tag><img\b[^>]*?\bsrc=)(?P<q>[\"'])data:image/(?P<kind>[a-z+]+);base64,(?P<data>[A-Za-z0-9+/=\s]+)(?P=q)",
    re.I,
)


class ImageStore:
    """Collects the images of one build; `write` puts them in the site."""

    def __init__(self) -> None:
        self.images: dict[str, bytes] = {}  # path under the site -> bytes
        self.alts: dict[str, str] = {}  # sha256 of a figure's bytes -> its alt text
        self.missing_alt: list[str] = []  # "notebook: cell N" for figures without alt text

    def learn_from(self, executed: dict) -> None:
        """Alt texts of every executed notebook of this build (`build.executed`: src_uri -> .path)."""
        for src_uri, item in executed.items():
            self.learn_alt_texts(Path(item.path), f"docs/{src_uri}", item.nb)
        if self.missing_alt:
            log.info("figures without alt text (add \"alt\" to the cell's metadata): " + ", ".join(self.missing_alt))

    def learn_alt_texts(self, path: Path, display: str, nb: nbformat.NotebookNode | None = None) -> None:
        """Alt texts of the figures in the executed notebook at `path` (`display` names it in
        messages); `nb`: that notebook, when the build holds it already (not read again)."""
        if nb is None:
            try:
                nb = read_notebook(path)
            except (OSError, ValueError):
                return  # the notebook page reports a broken notebook itself
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            figures = [
                out["data"][kind]
                for out in cell.get("outputs", [])
                for kind in out.get("data", {})
                if kind.startswith("image/") and kind != "image/svg+xml"
            ]
            if not figures:
                continue
            alt = cell.metadata.get("alt")
            texts = [alt] * len(figures) if isinstance(alt, str) else list(alt or [])
            if len(texts) < len(figures) or not all(isinstance(t, str) and t.strip() for t in texts):
                self.missing_alt.append(f"{display}: cell {number}")
                continue
            for data, text in zip(figures, texts[: len(figures)], strict=True):
                try:
                    raw = base64.b64decode(re.sub(r"\s+", "", data), validate=True)
                except (binascii.Error, ValueError, TypeError):
                    continue
                self.alts[hashlib.sha256(raw).hexdigest()] = text.strip()

    def extract(self, html: str, page_url: str) -> str:
        def sub(m: re.Match[str]) -> str:
            ext = _EXT.get(m["kind"].lower())
            if ext is None:
                return m.group()
            try:
                data = base64.b64decode(re.sub(r"\s+", "", m["data"]), validate=True)
            except (binascii.Error, ValueError):
                return m.group()  # leave what we cannot decode exactly as it was
            digest = hashlib.sha256(data).hexdigest()
            path = f"{FOLDER}/{digest[:20]}.{ext}"
            self.images[path] = data
            src = get_relative_url(path, page_url)
            lazy = "" if "loading=" in m["tag"] else 'loading="lazy" decoding="async" '
            tag = f"{m['tag'][:4]} {lazy}{m['tag'][4:].lstrip()}"
            alt = self.alts.get(digest)
            if alt:
                tag = f'{tag[:4]} alt="{escape(alt, quote=True)}"{tag[4:]}'
            return f"{tag}{m['q']}{src}{m['q']}"

        html = _DATA_IMG.sub(sub, html)
        # the generic alt nbconvert adds sits after src; ours, when known, was put first
        return re.sub(r'(<img\b[^>]*?\salt="[^"]*"[^>]*?)' + _GENERIC_ALT.pattern, r"\1", html)

    def write(self, site_dir: str | Path) -> None:
        for rel, data in self.images.items():
            target = Path(site_dir) / rel
            if target.is_file() and target.stat().st_size == len(data):
                continue  # named by content: same name and size is the same file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
