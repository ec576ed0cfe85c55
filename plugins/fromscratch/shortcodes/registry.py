"""Which shortcodes exist, and calling one with checked arguments.

Other parts of the plugin (notebooks, widgets) register theirs here, so the tag
form, the macro form and the error messages stay the same for all of them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import pass_context

from ..errors import ShortcodeError
from . import render
from .context import OWN_FOOTER, PageContext, from_jinja


@dataclass(frozen=True)
class Shortcode:
    name: str
    func: Callable[..., str]
    needs_page: bool = False

    @property
    def params(self) -> list[inspect.Parameter]:
        return [p for p in inspect.signature(self.func).parameters.values() if p.name != "ctx"]

    def usage(self) -> str:
        parts = []
        for p in self.params:
            parts.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}")
        return f"{self.name}({', '.join(parts)})"

    @pass_context
    def __call__(self, context: object, *args: object, **kwargs: object) -> str:
        """The macro form, `{{ name(...) }}`: Jinja passes the context of the page it renders."""
        return call(self.name, args, kwargs, from_jinja(context))


SHORTCODES: dict[str, Shortcode] = {}


def register(name: str, func: Callable[..., str], *, needs_page: bool = False) -> Shortcode:
    SHORTCODES[name] = Shortcode(name, func, needs_page)
    return SHORTCODES[name]


def call(name: str, args: tuple, kwargs: dict, ctx: PageContext | None) -> str:
    """Run shortcode `name`, turning a wrong number or kind of argument into a ShortcodeError."""
    try:
        code = SHORTCODES[name]
    except KeyError:
        raise ShortcodeError(unknown_message(name)) from None
    if not args and not kwargs and any(p.default is inspect.Parameter.empty for p in code.params):
        raise ShortcodeError(f"{name}: no arguments given; usage: {code.usage()}")
    try:
        inspect.signature(code.func).bind(*args, **kwargs, **({"ctx": ctx} if code.needs_page else {}))
    except TypeError as exc:
        raise ShortcodeError(f"{name}: {_explain(exc, code, args)}; usage: {code.usage()}") from None
    for value in list(args) + list(kwargs.values()):
        if not isinstance(value, str):
            raise ShortcodeError(f"{name}: arguments are quoted strings, got {value!r}")
    if code.needs_page:
        return code.func(*args, **kwargs, ctx=ctx)
    return code.func(*args, **kwargs)


def unknown_message(name: str) -> str:
    known = ", ".join(sorted(SHORTCODES))
    return f"unknown shortcode {name!r}; known shortcodes: {known}"


def _explain(exc: TypeError, code: Shortcode, args: tuple) -> str:
    text = str(exc)
    if "too many positional" in text:
        return f"too many arguments ({len(args)} given, at most {len(code.params)})"
    if "missing a required" in text:
        return "an argument is missing"
    if "unexpected keyword" in text:
        return text.replace("got an unexpected keyword argument", "unknown option")
    return text


register("ahamoment", render.ahamoment)
register("stylizedList", render.stylized_list)
register("figure", render.figure, needs_page=True)
register("codeblock", render.codeblock)
def _contentfooter(prev: str = "", next: str = "", ctx: PageContext | None = None) -> str:  # noqa: A002
    """`render.contentfooter`, noting on the page that it brings its own previous/next links."""
    html = render.contentfooter(prev, next)
    if ctx is not None:
        ctx.features.add(OWN_FOOTER)
    return html


register("contentfooter", _contentfooter, needs_page=True)
