"""Check a page's shortcodes before mkdocs-macros renders it.

mkdocs-macros, on an error, either writes the error into the page or exits with
a long report. Checking first lets the build stop with one line that names the
file and line. Arguments are literal strings, so every check can run here.
"""

from __future__ import annotations

from jinja2 import Environment, TemplateSyntaxError, nodes

from ..errors import ShortcodeError, SourceError
from .context import PageContext
from .registry import SHORTCODES, call, unknown_message
from .syntax import SyntaxProblem, find_tags


def check_page(markdown: str, ctx: PageContext, env: Environment | None, line_offset: int = 0) -> None:
    """Raise SourceError at the first bad shortcode in `markdown` (the page body)."""

    def fail(line: int | None, message: str) -> SourceError:
        return SourceError(ctx.display_path, (line or 1) + line_offset, message)

    try:
        tags = find_tags(markdown)
    except SyntaxProblem as exc:
        raise fail(exc.line, exc.message) from None
    for tag in tags:
        if tag.name not in SHORTCODES:
            raise fail(tag.line, unknown_message(tag.name))
        try:
            call(tag.name, tuple(tag.args), tag.kwargs, ctx)
        except ShortcodeError as exc:
            raise fail(tag.line, str(exc)) from None

    if env is None:
        return
    try:
        tree = env.parse(markdown)
    except TemplateSyntaxError as exc:
        raise fail(exc.lineno, f"template error: {exc.message}") from None
    for node in tree.find_all(nodes.Call):
        if not (isinstance(node.node, nodes.Name) and node.node.name in SHORTCODES):
            continue
        values = [*node.args, *(kw.value for kw in node.kwargs)]
        if not all(isinstance(v, nodes.Const) for v in values):
            continue  # computed arguments are checked when rendered
        args = tuple(a.value for a in node.args)
        kwargs = {kw.key: kw.value.value for kw in node.kwargs}
        try:
            call(node.node.name, args, kwargs, ctx)
        except ShortcodeError as exc:
            raise fail(node.lineno, str(exc)) from None
