"""The `fromscratch` MkDocs plugin: wires each module to the build events it needs.

`on_config` makes one `Build` (paths, settings, the cache) and every step gets it from
here; no module keeps per-build state of its own.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import ask as ask_site
from . import assets, errors, fast_reload, links
from . import search as site_search
from .a11y import name_search_controls
from .build import Build
from .cache import Cache
from .config import FromScratchConfig
from .csp import ContentSecurityPolicy
from .frontmatter import check_front_matter, escape_printed_values
from .jupyter_log import quiet_other_plugins
from .notebooks import embed as notebook_embed
from .notebooks import pages as notebook_pages
from .notebooks.images import ImageStore
from .runtime import fetch
from .runtime import widgets as _widgets  # noqa: F401 - registers the widget shortcode
from .runtime.hooks import Runtime
from .search.material_index import reuse_entries as reuse_search_entries
from .serve_report import ServeReport
from .serving import is_serving, mark_served
from .shortcodes.check import check_page
from .shortcodes.context import MATH, MERMAID, NOTEBOOK, OWN_FOOTER, PageContext
from .shortcodes.raw_html import RawHtmlExtension
from .snippets import check_snippets

log = logging.getLogger("mkdocs.plugins.fromscratch")

EXTENSION = "fromscratch.shortcodes.ShortcodeExtension"


class FromScratchPlugin(BasePlugin[FromScratchConfig]):
    def __init__(self) -> None:
        self._pending_anchors: list[tuple[str, str, File, str]] = []
        self._outputs: dict[str, str] = {}
        self._images = ImageStore()
        self._serve_report = ServeReport()
        self._csp = ContentSecurityPolicy()

    # -- serving (serving.py): no on_startup/on_shutdown here, on purpose: with them MkDocs
    # keeps one plugin instance for every project loaded in the process, and two builds would
    # share per-build state
    def on_serve(self, server, config: MkDocsConfig, builder):  # noqa: ANN001, ANN201
        mark_served(config)
        self._serve_report.on_serve(config)
        server.builder = fast_reload.FastReload(server.builder, config)  # a page edit rebuilds that page
        fast_reload.poll_often(server)  # a save is seen within 0.1 s, not 0.5 s
        return server

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
        self._serve_report = ServeReport()
        self._serve_report.on_config(config)
        self._csp = ContentSecurityPolicy(serve=is_serving(config))
        errors.one_line_page_errors()
        quiet_other_plugins()  # one line per notebook is ours (notebooks/pages.py)
        cache = Cache((self._root / self.config.cache_dir).resolve(), enabled=self.config.cache,
                      project=str(Path(config.config_file_path).resolve()))
        notebook_pages.check_site_dir(cache.root, config)
        if cache.enabled:
            fetch.load_digests(cache.root)  # file hashes the last build saved (by path, size, mtime, inode)
        self.build = Build(self._root, Path(config.docs_dir), Path(config.site_dir), cache, self.config)
        # embeds skip Markdown's HTML parsers (one per config: `mkdocs serve` may keep the config)
        config.markdown_extensions[:] = [e for e in config.markdown_extensions if not isinstance(e, RawHtmlExtension)]
        config.markdown_extensions.append(RawHtmlExtension(self.build.raw))
        if self.config.notebooks.enabled and config.plugins.get("mkdocs-jupyter") is not None:
            raise PluginError(
                "fromscratch executes and renders notebook pages itself: remove `- mkdocs-jupyter:` from "
                "`plugins:` in mkdocs.yml (or set fromscratch's `notebooks: {enabled: false}` to leave "
                "notebooks to mkdocs-jupyter)"
            )
        self._runtime = Runtime()
        self._runtime.on_config(self.config.runtime, self._root, cache)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self._pending_anchors = []
        self._outputs = {}
        self._pages_seen = 0  # fewer than the site's pages: a --dirty rebuild (see on_post_build)
        self._images = ImageStore()
        reuse_search_entries(config, self.build.cache)  # Material's index of unchanged pages

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        self.build.files = files
        reuse = fast_reload.reuse(config)  # `make serve` after a Markdown edit: nothing below changed
        if reuse is not None:
            reuse.apply(files, self.build)
            edited = fast_reload.edited_notebooks(config)  # their Markdown cells only: same outputs
            notebook_pages.refresh_markdown(self.build, files, edited)
            fast_reload.rebuild_embedding_pages(files, edited)
        else:
            with fast_reload.remembering(config, files, self.build, is_serving(config)):
                notebook_pages.prepare(self.build, files, config, self.config.notebooks)
                assets.add_vendor_files(files, config, self._root / self.config.node_modules)
                self._runtime.on_files(files, config, self._root / self.config.node_modules)
                self.build.classifiers = self._runtime.classifiers
                self.build.rag = self._runtime.rag
        self._images.learn_from(self.build.executed)  # figures' alt texts, from cell metadata
        self._serve_report.on_files(files, config)
        return files

    # -- pages -------------------------------------------------------------
    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        self.build.files = files  # the final list
        self._pages_seen += 1
        notebook_pages.attach_render(self.build, page)  # a notebook page renders from the render cache
        ctx = PageContext(page.file.src_uri, Path(config.docs_dir), url=page.url, build=self.build)
        if notebook_pages.is_notebook_page(page):
            ctx.features.add(NOTEBOOK)
        page.fromscratch = ctx  # the page's record: shortcodes find it through mkdocs-macros' `page`
        return page

    @event_priority(50)  # before mkdocs-macros renders the page
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if notebook_pages.is_notebook_page(page):
            return ""  # rendered from the notebook (notebooks/render.py); no template for macros
        ctx: PageContext = page.fromscratch
        self.build.raw.start_page()
        source = page.file.content_string
        check_front_matter(source, ctx.display_path)
        escape_printed_values(page.meta)
        offset = max(source.count("\n") - markdown.count("\n"), 0)
        check_snippets(markdown, config, ctx.display_path, offset)
        if page.meta.get("render_macros", True) is not False:
            macros = config.plugins["macros"]
            check_page(markdown, ctx, getattr(macros, "env", None), offset)
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        ctx: PageContext = page.fromscratch
        if OWN_FOOTER in ctx.features:
            # the page brings its own previous/next links: don't show Material's as well
            hide = page.meta.setdefault("hide", [])
            if isinstance(hide, list) and "footer" not in hide:
                hide.append("footer")
        if self.config.check_links:
            html = self._rewrite_links(html, page, files)
        if notebook_pages.is_notebook_page(page):
            html = notebook_pages.decorate(self.build, html, page, config)  # after links: its download link is literal
        elif NOTEBOOK in ctx.features:
            html = notebook_embed.add_head(html, self.build)
        if NOTEBOOK in ctx.features:
            html = self._images.extract(html, page.url)
        # what Markdown extensions put in the page, noted once for the templates
        if 'class="arithmatex"' in html or 'class="jupyter-wrapper nb-math"' in html:
            ctx.features.add(MATH)
        if 'class="mermaid"' in html:
            ctx.features.add(MERMAID)
        return html

    def _rewrite_links(self, html: str, page: Page, files: Files) -> str:
        # notebook pages: also resolve their Markdown cells' links to .md/.ipynb files
        src = page.file.src_uri if notebook_pages.is_notebook_page(page) else None
        html, found = links.rewrite(html, page.url, files, src)
        for link in found:
            if link.target is None:
                # read only for a broken link; a notebook page's File is its executed copy, not the author's
                source = ((self.build.docs_dir / src).read_text(encoding="utf-8") if src
                          else page.file.content_string)
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
        sheet = self.build.stylesheet
        env.globals["notebook_stylesheet"] = sheet.path if sheet is not None else ""
        env.bytecode_cache = fast_reload.TEMPLATES  # compiled once per process, not once per build
        # every page is rendered now and static files are not yet written: the site's sections
        # as a corpus for search by meaning, listed in runtime.json before it is written
        model_dir = fetch.model_dir(self._root, self.config.runtime)
        onnx = self.config.runtime["model"]["onnx"]
        site_search.on_env(files, config, self._root, self.build.cache, self.config.search, self.config.runtime,
                           lambda texts: self._runtime.embed(model_dir, onnx, texts))
        # then "Ask this site": its example questions retrieve over those sections (ask/widget.py)
        ask_site.on_env(files, self.build, lambda texts: self._runtime.embed(model_dir, onnx, texts))
        return env

    @event_priority(-100)  # last: the CSP hashes the page's final inline scripts
    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        output = name_search_controls(output)  # names Material's search leaves out (a11y.py)
        self._outputs[page.file.src_uri] = output  # ids are read only for pages a link's #anchor names
        notebook_pages.copy_download(self.build, page)
        self._serve_report.on_post_page(page)
        return self._csp.on_post_page(output)

    @event_priority(-100)
    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        output_content = name_search_controls(output_content)  # 404.html and other static templates
        return self._csp.on_post_page(output_content)  # (sitemap.xml has no <head>: unchanged)

    def on_post_build(self, config: MkDocsConfig) -> None:
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

        pages = len(self.build.files.documentation_pages()) if self.build.files is not None else 0
        self.build.cache.finish(partial=self._pages_seen < pages)  # what this build used; evict the rest
        if self.build.cache.enabled:
            fetch.save_digests(self.build.cache.root)
        self._serve_report.on_post_build(config)  # last: every warning of this build is in

