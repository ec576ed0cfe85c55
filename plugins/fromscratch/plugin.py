"""The `fromscratch` MkDocs plugin: wires each module to the build events it needs."""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import assets, errors, links
from .a11y import name_search_controls
from .config import FromScratchConfig
from .frontmatter import check_front_matter
from .jupyter_log import quiet_mkdocs_jupyter
from .notebooks import embed as notebook_embed
from .notebooks import pages as notebook_pages
from .notebooks import styles as notebook_styles
from .notebooks.images import ImageStore
from .runtime import widgets as _widgets  # noqa: F401 - registers the widget shortcode
from .runtime.hooks import Runtime
from .serve_report import ServeReport
from .shortcodes.check import check_page
from .shortcodes.context import PageContext, set_current_page

log = logging.getLogger("mkdocs.plugins.fromscratch")

EXTENSION = "fromscratch.shortcodes.ShortcodeExtension"


class FromScratchPlugin(BasePlugin[FromScratchConfig]):
    def __init__(self) -> None:
        self._pending_anchors: list[tuple[str, str, File, str]] = []
        self._outputs: dict[str, str] = {}
        self._images = ImageStore()
        self._serve_report = ServeReport()

    # -- serving: warnings shown in the served pages (serve_report.py) ------
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._serve_report = ServeReport(active=command == "serve")

    def on_shutdown(self) -> None:
        self._serve_report.on_shutdown()

    # -- configuration -----------------------------------------------------
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        macros = config.plugins.get("macros")
        if macros is None:
            raise PluginError("fromscratch needs mkdocs-macros: add `- macros:` under `plugins:` in mkdocs.yml")
        if EXTENSION not in macros.config.get("j2_extensions", []):
            raise PluginError(
                f"add `j2_extensions: [{EXTENSION}]` to the macros plugin in mkdocs.yml "
                "so the seed's {% shortcodes %} render"
            )
        self._root = Path(config.config_file_path).parent
        self._serve_report.on_config()
        errors.one_line_page_errors()
        quiet_mkdocs_jupyter()  # one line per notebook is ours (notebooks/pages.py)
        self._runtime = Runtime()
        self._runtime.on_config(self.config.runtime, self._root)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self._pending_anchors = []
        self._outputs = {}
        self._images = ImageStore()

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        notebook_pages.prepare(files, config, self.config.notebooks)  # execute or reuse, before mkdocs-jupyter
        self._images.learn_from(notebook_pages.EXECUTED)  # figures' alt texts, from cell metadata
        assets.add_vendor_files(files, config, self._root / self.config.node_modules)
        self._runtime.on_files(files, config, self._root / self.config.node_modules)
        self._serve_report.on_files(files, config)
        return files

    # -- pages -------------------------------------------------------------
    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        notebook_pages.use_executed(page)  # before mkdocs-jupyter reads the notebook
        return page

    @event_priority(50)  # before mkdocs-macros renders the page
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if notebook_pages.is_notebook_page(page):
            return ""  # mkdocs-jupyter renders it; its JSON is no template for macros
        ctx = PageContext(page.file.src_uri, Path(config.docs_dir))
        set_current_page(ctx)
        source = page.file.content_string
        check_front_matter(source, ctx.display_path)
        offset = max(source.count("\n") - markdown.count("\n"), 0)
        if page.meta.get("render_macros", True) is not False:
            macros = config.plugins["macros"]
            check_page(markdown, ctx, getattr(macros, "env", None), offset)
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if 'class="content-footer"' in html:
            # the page brings its own previous/next links: don't show Material's as well
            hide = page.meta.setdefault("hide", [])
            if isinstance(hide, list) and "footer" not in hide:
                hide.append("footer")
        if self.config.check_links:
            html = self._rewrite_links(html, page, files)
        if notebook_pages.is_notebook_page(page):
            html = notebook_pages.decorate(html, page, config)  # after links: its download link is literal
        else:
            html = notebook_embed.add_head(html)
        if 'class="jupyter-wrapper' in html:
            html = self._images.extract(html, page.url)
        return html

    def _rewrite_links(self, html: str, page: Page, files: Files) -> str:
        # notebook pages: also resolve their Markdown cells' links to .md/.ipynb files
        src = page.file.src_uri if notebook_pages.is_notebook_page(page) else None
        html, found = links.rewrite(html, page.url, files, src)
        source = page.file.content_string
        for link in found:
            if link.target is None:
                line = links.line_in_source(source, link.url)
                where = f"docs/{page.file.src_uri}" + (f":{line}" if line else "")
                near = links.nearest_page(link.url, files)
                hint = f"did you mean {near}?" if near else "fix the path (links from the site root start with /content/...)"
                log.warning(f"{where}: link to '{link.url}' points to no page or file of this site; {hint}")
            elif link.fragment:
                self._pending_anchors.append((page.file.src_uri, link.url, link.target, link.fragment))
        return html

    def on_env(self, env: Environment, config: MkDocsConfig, files: Files) -> Environment:
        # main.html links the shared notebook stylesheet on pages with notebook content
        env.globals["notebook_stylesheet"] = notebook_styles.CURRENT.path
        return env

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        output = name_search_controls(output)  # names Material's search leaves out (a11y.py)
        self._outputs[page.file.src_uri] = output  # ids are read only for pages a link's #anchor names
        notebook_pages.copy_download(page)
        self._serve_report.on_post_page(page)
        return output

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        return name_search_controls(output_content)  # 404.html and other static templates

    def on_post_build(self, config: MkDocsConfig) -> None:
        set_current_page(None)
        self._images.write(config.site_dir)

        parsed: dict[str, set[str]] = {}

        def ids_for(target: File) -> set[str] | None:
            output = self._outputs.get(target.src_uri)
            if output is None:
                return None
            if target.src_uri not in parsed:
                parsed[target.src_uri] = links.anchor_ids(output)
            return parsed[target.src_uri]

        for page, url, fragment in links.broken_anchors(self._pending_anchors, ids_for):
            log.warning(f"docs/{page}: link '{url}' names anchor #{fragment}, which that page does not have")
        self._serve_report.on_post_build(config)  # last: every warning of this build is in
