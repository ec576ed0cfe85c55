"""The seed's Eleventy shortcodes: pure renderers, a registry, a Jinja2 extension, a checker."""

from .extension import ShortcodeExtension
from .registry import SHORTCODES, call, register

__all__ = ["SHORTCODES", "ShortcodeExtension", "call", "register"]
