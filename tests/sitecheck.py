"""Checks over a built site: every internal link resolves, no resource from another origin.

Written here because the well-kept link checkers (linkchecker, htmlproofer) are
either not installable offline or need Ruby; this one is small and reads the
files MkDocs wrote, which is all a static site is.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

RESOURCE_TAGS = {"link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src"}
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
# where mkdocs.yml's site_url deploys the site; 404.html's links are absolute, under it
DEPLOYED_AT = "/learning-llms-from-scratch/"


@dataclass
class PageScan:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attr value, rel)
    inline_css: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.scan.ids.add(a[key])
        if tag == "a" and "href" in a:
            self.scan.links.append(("a", a["href"], ""))
        if tag in RESOURCE_TAGS and RESOURCE_TAGS[tag] in a:
            self.scan.links.append((tag, a[RESOURCE_TAGS[tag]], a.get("rel", "")))
        if "style" in a:
            self.scan.inline_css.append(a["style"])
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.scan.inline_css.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False


def scan_html(text: str) -> PageScan:
    parser = _Scanner()
    parser.feed(text)
    return parser.scan


def is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme in ("http", "https") or url.startswith("//"))


def foreign_resources(site: Path, site_origin: str = "") -> list[str]:
    """Resources (link/script/img/CSS url()) that a browser would fetch from another origin."""
    problems = []
    for page in site.rglob("*.html"):
        scan = scan_html(page.read_text(encoding="utf-8"))
        for tag, url, rel in scan.links:
            if tag == "a" or not is_external(url):
                continue
            if tag == "link" and rel in ("canonical", "alternate") and site_origin and url.startswith(site_origin):
                continue  # names the page's own public address; never fetched
            problems.append(f"{page.relative_to(site)}: <{tag}> {url}")
        for css in scan.inline_css:
            problems += [f"{page.relative_to(site)}: inline url({u})" for u in _CSS_URL.findall(css) if is_external(u)]
    for sheet in site.rglob("*.css"):
        for u in _CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace")):
            if is_external(u):
                problems.append(f"{sheet.relative_to(site)}: url({u})")
    return problems


def broken_internal_links(site: Path, base_path: str = "/") -> list[str]:
    """Follow every relative link as a browser would from `base_path`; report misses.

    `base_path` is where the site is deployed (e.g. "/learning-llms/"), so a link
    that climbs out of it, or starts at the host root, counts as broken.
    """
    scans = {p: scan_html(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    problems = []
    for page, scan in scans.items():
        rel_page = page.relative_to(site).as_posix()
        page_url = base_path + (rel_page[: -len("index.html")] if rel_page.endswith("index.html") else rel_page)
        for tag, url, _rel in scan.links:
            if is_external(url) or url.startswith(("mailto:", "data:", "javascript:", "blob:")):
                continue
            parts = urlsplit(url)
            if not parts.path and not parts.fragment:
                continue
            target_url = posixpath.normpath(posixpath.join(posixpath.dirname(page_url), parts.path)) if parts.path else page_url
            if parts.path.endswith("/") and not target_url.endswith("/"):
                target_url += "/"
            if not target_url.startswith(base_path) and target_url + "/" != base_path:
                problems.append(f"{rel_page}: <{tag}> {url} leaves the deployment path {base_path}")
                continue
            inside = unquote(target_url[len(base_path):]) if target_url.startswith(base_path) else ""
            target = site / inside
            if target.is_dir() or target_url.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{rel_page}: <{tag}> {url} -> {inside or '/'} does not exist")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = scans[target].ids if target in scans else scan_html(target.read_text()).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{rel_page}: <{tag}> {url} -> no element with id #{parts.fragment}")
    return problems
