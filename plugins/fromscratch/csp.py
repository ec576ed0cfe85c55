"""A Content-Security-Policy `<meta>` on every page, with hashes of that page's inline scripts.

GitHub Pages sets no headers of our choosing, so the policy travels in the page. It is built
after the page is rendered (`on_post_page`), from the page's final HTML, so the sha256 of
every inline script (Material's bootstrap, the notebook pages' copy buttons, anything a
notebook output brings) is always the one the browser computes. No library computes this for
MkDocs output, hence the few lines here.

`POLICY` is the one place to edit when a widget needs more (a new directive or source).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable

# directive -> sources. Why each one is there:
POLICY: dict[str, tuple[str, ...]] = {
    # Everything not named below: this origin only (no CDN, no model hub, no analytics).
    "default-src": ("'self'",),
    # Inline scripts are allowed one by one, by the sha256 of each added per page; never eval().
    # 'wasm-unsafe-eval' lets WebAssembly compile without allowing eval() or new Function():
    # browsers count WebAssembly.instantiate as code made at run time. Measured: today's widgets
    # do not need it (ONNX Runtime compiles in a worker loaded from a same-origin file, and such a
    # worker does not inherit this page's policy); WebAssembly compiled in the page itself, or in
    # a worker made from a blob: URL (wllama builds its worker that way), runs under this policy.
    "script-src": ("'self'", "'wasm-unsafe-eval'"),
    # Workers from this origin, and from blob: URLs a library builds from its own bundled code
    # (wllama); a blob: URL only holds what a script this page already trusts wrote.
    "worker-src": ("'self'", "blob:"),
    # No inline style but by hash: KaTeX, Material and the widgets style the DOM through
    # element.style, which CSP allows, and the built pages hold no <style> element or style=""
    # attribute. One that a page does hold (raw HTML, a notebook output) is allowed by its sha256
    # ('unsafe-hashes' for attributes). Pages with a Mermaid diagram get MERMAID_STYLE_SRC.
    "style-src": ("'self'",),
    # data: images: Material's icons are CSS masks given as data:image/svg+xml URLs.
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    # blob: because the text generator hands wllama its verified WebAssembly as a blob: URL that
    # wllama's worker fetch()es (a worker made from a blob: URL inherits this policy). A blob:
    # URL is a same-origin object this page made itself from bytes it already checked; it
    # reaches no other host.
    "connect-src": ("'self'", "blob:"),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
}

# Mermaid draws each diagram as SVG markup holding a <style> element and style="" attributes,
# and Material copies it into the page the same way: measured under style-src 'self', a page
# with one diagram reported 3 blocked <style> elements and 74 to 87 blocked style attributes.
# Neither can be hashed at build time.
# Styles cannot run script; every stylesheet file still comes from this origin.
MERMAID_STYLE_SRC = ("'self'", "'unsafe-inline'")

# `mkdocs serve` injects `<script>livereload(<epoch>, <id>)</script>` after the build, with
# numbers that change on every reload: no hash can match it, so the preview allows inline scripts.
SERVE_SCRIPT_SRC = ("'self'", "'unsafe-inline'", "'wasm-unsafe-eval'")

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_SRC_ATTR = re.compile(r"\ssrc\s*=", re.I)
_TYPE_ATTR = re.compile(r"""\stype\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_CHARSET = re.compile(r"<meta\s+charset=[^>]*>", re.I)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)
_STYLE_ATTR = re.compile(r"""<[a-zA-Z][^<>]*?\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_MERMAID = re.compile(r'<(?:pre|div)\b[^>]*\sclass="(?:[^"]*\s)?mermaid(?:\s[^"]*)?"')
# script types the browser runs, or reads under script-src (an inline import map needs a hash too)
_RUNS = ("", "module", "importmap", "text/javascript", "application/javascript", "text/ecmascript",
         "application/ecmascript")


def inline_scripts(page_html: str) -> list[str]:
    """The text of each inline <script> the browser would run (not JSON or other data blocks)."""
    found = []
    for attrs, body in _SCRIPT.findall(page_html):
        if _SRC_ATTR.search(attrs):
            continue
        m = _TYPE_ATTR.search(attrs)
        kind = next((g for g in m.groups() if g is not None), "") if m else ""
        if kind.strip().lower() in _RUNS:
            found.append(body)
    return found


def inline_styles(page_html: str) -> tuple[list[str], list[str]]:
    """The text of each <style> element, and the value of each style="" attribute, in the page."""
    attrs = [html.unescape(a if a else b) for a, b in _STYLE_ATTR.findall(page_html)]
    return _STYLE.findall(page_html), attrs


def sha256_source(text: str) -> str:
    """'sha256-…' of inline text as the browser hashes it (after newline normalisation)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"



def policy(hashes: Iterable[str] = (), *, serve: bool = False, mermaid: bool = False,
           style_hashes: Iterable[str] = (), style_attributes: bool = False) -> str:
    """The policy string; `hashes` are added to script-src, `style_hashes` to style-src."""
    directives = []
    for name, sources in POLICY.items():
        if name == "script-src":
            sources = SERVE_SCRIPT_SRC if serve else (*sources, *dict.fromkeys(hashes))
        elif name == "style-src":
            if mermaid:
                sources = MERMAID_STYLE_SRC  # a hash beside 'unsafe-inline' would switch it off
            else:
                unsafe_hashes = ("'unsafe-hashes'",) if style_attributes else ()
                sources = (*sources, *unsafe_hashes, *dict.fromkeys(style_hashes))
        directives.append(" ".join((name, *sources)))
    return "; ".join(directives)


def add_meta(page_html: str, *, serve: bool = False) -> str:
    """The page with its policy as the first thing after <meta charset> (a policy in a <meta>
    covers only what comes after it)."""
    hashes = [] if serve else [sha256_source(body) for body in inline_scripts(page_html)]
    elements, attributes = inline_styles(page_html)
    text = policy(hashes, serve=serve, mermaid=_MERMAID.search(page_html) is not None,
                  style_hashes=[sha256_source(s) for s in elements + attributes],
                  style_attributes=bool(attributes))
    content = html.escape(text, quote=False).replace('"', "&quot;")  # ' stays readable
    meta = f'<meta http-equiv="Content-Security-Policy" content="{content}">'
    anchor = _CHARSET.search(page_html) or _HEAD.search(page_html)
    if anchor is None:
        return page_html  # not an HTML page (a redirect stub, a sitemap): nothing to protect
    return page_html[: anchor.end()] + meta + page_html[anchor.end() :]


class ContentSecurityPolicy:
    """The plugin's hook: add the policy to every page the build writes."""

    def __init__(self, *, serve: bool = False) -> None:
        self.serve = serve  # `mkdocs serve` injects a live-reload script no hash can match

    def on_post_page(self, output: str) -> str:
        return add_meta(output, serve=self.serve)
