"""One shared stylesheet for notebook content, instead of its CSS inlined in every page.

Notebook pages and embeds are rendered with nbconvert's lab template (through mkdocs-jupyter's
converter), which inlines the whole notebook CSS (Pygments, JupyterLab's variables and
widgets, the theme, Mermaid: ~600 KB) into every page, and every Markdown page that embeds
cells carried a copy too. The CSS is
the same for every notebook of one mkdocs-jupyter/nbconvert version and theme, so:

- `add_stylesheet` (on_files) renders a tiny probe notebook once, keeps the `<style>` blocks
  the template put around the notebook, and adds them to the site as one file,
  `assets/stylesheets/jupyter.<hash>.css` (cached on disk per version and theme, so a warm
  build does not render the probe again);
- `strip` removes those blocks from a rendered notebook (a page, or an embed); a block the
  stylesheet does not hold stays inline, so nothing is ever lost;
- overrides/main.html links the stylesheet on pages with notebook content, at the end of
  <head>: after the theme's and extra_css stylesheets, where the inline copies also won.

The stylesheet of a build is returned to the caller and kept on its build object.

The CSS is taken from what the installed versions emit, never copied by hand.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import nbformat
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..cache import Cache

log = logging.getLogger("mkdocs.plugins.fromscratch.notebooks")

WRAPPER = '<div class="jupyter-wrapper">'  # mkdocs-jupyter's container around the cells
WRAPPER_END = "<!-- jupyter-wrapper -->"  # ... and the comment after its closing tag
STYLESHEET_DIR = "assets/stylesheets"
_FORMAT = "1"  # bump when the way the stylesheet is assembled changes

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S | re.I)
_CHARSET = re.compile(r"@charset\s+\"[^\"]*\";\s*", re.I)


@dataclass
class Stylesheet:
    """The shared notebook stylesheet of the current build."""

    path: str = ""  # site path, e.g. assets/stylesheets/jupyter.1a2b3c4d.css; "" when there is none
    blocks: set[str] = field(default_factory=set)  # the inline CSS it replaces, normalised


def _normal(css: str) -> str:
    return css.strip()


def _is_list_repr(css: str) -> bool:
    # nb2html appends `<style>{resources["inlining"]["css"]}</style>`: a Python list's repr,
    # which no browser can parse as CSS (it is dropped whole), so it is dropped here too.
    return css.lstrip().startswith("['") or css.strip() == "[]"


def _outside(content: str) -> tuple[str, str, str]:
    """(before, notebook, after): the template's parts around the cells, which may hold
    <style>; the cells' own outputs (say, a pandas table's <style scoped>) stay untouched."""
    start = content.find(WRAPPER)
    if start == -1:
        return content, "", ""
    end = content.rfind(WRAPPER_END)
    end = len(content) if end < start else end + len(WRAPPER_END)
    return content[:start], content[start:end], content[end:]


def template_styles(content: str) -> list[str]:
    """The CSS of the <style> blocks nbconvert's template put around a rendered notebook."""
    before, _, after = _outside(content)
    return [m.group(1) for m in _STYLE.finditer(before + after)]


def strip(content: str, sheet: Stylesheet | None = None) -> str:
    """Drop the template's <style> blocks that the shared stylesheet holds (and the unparsable
    list repr); any other block stays where it was."""
    sheet = sheet or Stylesheet()

    def keep(m: re.Match[str]) -> str:
        css = m.group(1)
        if _is_list_repr(css) or _normal(css) in sheet.blocks:
            return ""
        log.debug("notebook CSS block not in the shared stylesheet; left inline")
        return m.group(0)

    before, notebook, after = _outside(content)
    return _STYLE.sub(keep, before) + notebook + _STYLE.sub(keep, after)


def has_notebook(content: str) -> bool:
    return 'class="jupyter-wrapper' in content


def assemble(blocks: list[str]) -> str:
    """One stylesheet from the template's blocks, in their order (the cascade depends on it)."""
    parts: list[str] = []
    seen: set[str] = set()
    for css in blocks:
        key = _normal(css)
        if _is_list_repr(css) or not key or key in seen:
            continue
        seen.add(key)
        parts.append(_CHARSET.sub("", key))  # @charset is only valid first in a file
    return '@charset "UTF-8";\n' + "\n\n".join(parts) + "\n"


def _probe_blocks(theme: str) -> list[str]:
    """Render a two-cell notebook the way mkdocs-jupyter renders pages and keep its CSS."""
    from mkdocs_jupyter.convert import nb2html

    nb = new_notebook(cells=[new_markdown_cell("# Probe"), new_code_cell("1")])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.ipynb"
        nbformat.write(nb, path)
        content = nb2html(str(path), theme=theme)
    return template_styles(content)


@functools.cache  # asked for by every embed; looking versions up cost 3 ms each time
def renderer_versions() -> str:
    """The packages whose versions change how cells render: part of every render cache key."""
    found = []
    for name in ("mkdocs-jupyter", "nbconvert", "pygments", "jupyterlab_pygments"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=none")
    return ",".join(found)


def build_css(theme: str, cache: Cache | None) -> tuple[str, list[str]]:
    """(stylesheet text, the inline blocks it replaces); from the cache when it is there."""
    key = hashlib.sha256(f"{_FORMAT}|{theme}|{renderer_versions()}".encode()).hexdigest()[:16]
    name = f"jupyter-{key}.json"
    blocks = cache.read("styles", name, _parse_blocks) if cache is not None else None
    if blocks is None:
        blocks = _probe_blocks(theme)
        if cache is not None:
            cache.write("styles", name, json.dumps(blocks))
    return assemble(blocks), blocks


def _parse_blocks(data: bytes) -> list[str]:
    blocks = json.loads(data)
    if not isinstance(blocks, list) or not blocks or not all(isinstance(b, str) for b in blocks):
        raise ValueError("not a list of CSS blocks")
    return blocks


def jupyter_theme(config: MkDocsConfig) -> str | None:
    """mkdocs-jupyter's `theme` option, or None when that plugin is not configured."""
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        return None
    return str(plugin.config.get("theme", "") or "")


def add_stylesheet(files: Files, config: MkDocsConfig, cache: Cache | None, theme: str | None) -> Stylesheet:
    """Add the shared notebook stylesheet to the site when it has notebooks to render (in
    nbconvert's `theme`; None: nobody renders them)."""
    if theme is None or not any(f.src_uri.endswith(".ipynb") for f in files):
        return Stylesheet()
    css, blocks = build_css(theme, cache)
    digest = hashlib.sha256(css.encode()).hexdigest()[:8]
    path = f"{STYLESHEET_DIR}/jupyter.{digest}.css"
    files.append(File.generated(config, path, content=css))
    return Stylesheet(path, {_normal(b) for b in blocks})
