"""The shortcodes as a Jinja2 extension, loaded by mkdocs-macros (`j2_extensions`).

It gives both forms the seed's authors know: the tag `{% ahamoment "..." %}`
and the macro call `{{ ahamoment("...") }}`. Both end in `registry.call`.
"""

from __future__ import annotations

from jinja2 import nodes, pass_context
from jinja2.ext import Extension
from jinja2.parser import Parser

from .context import from_jinja
from .registry import SHORTCODES, call


class ShortcodeExtension(Extension):
    def __init__(self, environment) -> None:  # noqa: ANN001 - jinja2's own signature
        super().__init__(environment)
        environment.globals.update(SHORTCODES)

    @property
    def tags(self) -> set[str]:  # type: ignore[override] - live view of the registry
        return set(SHORTCODES)

    def parse(self, parser: Parser) -> nodes.Node:
        token = next(parser.stream)
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Pair] = []
        while parser.stream.current.type != "block_end":
            if args or kwargs:
                parser.stream.expect("comma")
            if parser.stream.current.type == "name" and parser.stream.look().type == "assign":
                key = next(parser.stream).value
                next(parser.stream)
                kwargs.append(nodes.Pair(nodes.Const(key), parser.parse_expression()))
            else:
                args.append(parser.parse_expression())
        call_node = self.call_method(
            "_render",
            [nodes.Const(token.value), nodes.List(args), nodes.Dict(kwargs)],
            lineno=token.lineno,
        )
        return nodes.Output([call_node], lineno=token.lineno)

    @pass_context
    def _render(self, context: object, name: str, args: list, kwargs: dict) -> str:
        return call(name, tuple(args), kwargs, from_jinja(context))
