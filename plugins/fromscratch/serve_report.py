"""While serving, show every warning of the build at the top of each page.

`make build` (and so the deploy) runs `--strict`, where a warning fails the build: a page left
out of `nav`, a link to a missing page or anchor. `mkdocs serve` only logs them, so they used
to surprise authors in CI. This collects the warnings of each serve build and writes a banner
naming each problem's file and line into the served pages. Only for `mkdocs serve`: a
`mkdocs build` never contains it. No inline script or style (the site's CSP allows neither):
the banner's styles come from a stylesheet served only while serving.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from .links import line_in_source
from .serving import is_serving

STYLESHEET = "assets/stylesheets/fromscratch-serve-report.css"
_BODY = re.compile(r"<body\b[^>]*>", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_OMITTED = re.compile(r'^The following pages exist in the docs directory, but are not included in the "nav"')
_DOC_LINK = re.compile(r"^Doc file '(?P<src>[^']+)' contains a link '(?P<url>[^']+)'")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def problems(records: list[logging.LogRecord], docs_dir: Path) -> list[str]:
    """One line per problem, each starting with the file (and line, where known) it is in."""
    found: list[str] = []
    for record in records:
        message = record.getMessage()
        if _OMITTED.match(message):
            for src in re.findall(r"^\s+- (.+)$", message, re.M):
                found.append(
                    f"docs/{src}: not in the nav: add it under `nav:` in mkdocs.yml "
                    "(or list it under `not_in_nav:` if it is meant to be reachable only by links)"
                )
            continue
        m = _DOC_LINK.match(message)
        if m:
            line = None
            try:
                line = line_in_source((docs_dir / m["src"]).read_text(encoding="utf-8"), m["url"])
            except OSError:
                pass
            found.append(f"docs/{m['src']}" + (f":{line}" if line else "") + f": {message}")
            continue
        found.append(message)
    return found


def banner(lines: list[str], stylesheet_href: str) -> tuple[str, str]:
    """(the <link> for <head>, the banner's HTML); every problem's text is escaped."""
    items = "".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines)
    count = f"{len(lines)} problem" + ("s" if len(lines) != 1 else "")
    body = (
        '<div class="fs-serve-report" role="alert">'
        f"<p class=\"fs-serve-report__title\"><strong>{count} will fail <code>make build</code></strong> "
        "(it builds with <code>--strict</code>, as the deploy does). "
        "Shown only by <code>make serve</code>:</p>"
        f"<ul>{items}</ul></div>"
    )
    return f'<link rel="stylesheet" href="{html.escape(stylesheet_href)}">', body


def _insert(where: re.Pattern[str], text: str, snippet: str, *, before: bool) -> str:
    m = where.search(text)
    if m is None:
        return text
    at = m.start() if before else m.end()
    return text[:at] + snippet + text[at:]


@dataclass
class ServeReport:
    """One per build; writes its banner only when the project is being served."""

    active: bool = False
    _handler: _Collect = field(default_factory=_Collect)
    _pages: list[tuple[Path, str]] = field(default_factory=list)

    def on_config(self, config: MkDocsConfig) -> None:
        """Collect this build's warnings (cheap; only written out while serving)."""
        self.active = is_serving(config)
        self._handler.records = []
        self._pages = []
        logging.getLogger("mkdocs").addHandler(self._handler)

    def on_files(self, files: Files, config: MkDocsConfig) -> None:
        if self.active:
            files.append(File.generated(config, STYLESHEET, content=_stylesheet()))

    def on_post_page(self, page: Page) -> None:
        self._pages.append((Path(page.file.abs_dest_path), page.file.url))

    def on_post_build(self, config: MkDocsConfig) -> None:
        logging.getLogger("mkdocs").removeHandler(self._handler)  # all warnings are in by now
        if self.active:
            self._write(config)

    def on_serve(self, config: MkDocsConfig) -> None:
        """In case the first build did not know it was served: give it its banner now."""
        if self.active:
            return
        self.active = True
        sheet = Path(config.site_dir) / STYLESHEET
        sheet.parent.mkdir(parents=True, exist_ok=True)
        sheet.write_text(_stylesheet(), encoding="utf-8")
        self._write(config)

    def _write(self, config: MkDocsConfig) -> None:
        """Write the banner into every page this build wrote."""
        lines = problems(self._handler.records, Path(config.docs_dir))
        if not lines:
            return
        from mkdocs.utils import get_relative_url

        for path, url in self._pages:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError:
                continue
            link, body = banner(lines, get_relative_url(STYLESHEET, url or "."))
            text = _insert(_HEAD_END, text, link, before=True)
            text = _insert(_BODY, text, body, before=False)
            path.write_text(text, encoding="utf-8")
        logging.getLogger("mkdocs.plugins.fromscratch").info(
            f"{len(lines)} problem(s) would fail `make build`; listed at the top of every served page"
        )


def _stylesheet() -> str:
    return resources.files(__package__).joinpath("serve_report.css").read_text(encoding="utf-8")
