"""Find shortcode tags in a page and read their arguments, with line numbers.

Jinja would parse these tags too, but its messages ("unexpected char") do not
tell an author what to fix; this reader knows the seed's shortcode grammar:
`{% name "string", 'string', key="string" %}` where strings may span lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Jinja's own statements: left to Jinja, never treated as shortcodes.
JINJA_TAGS = frozenset(
    "if elif else endif for endfor set endset macro endmacro call endcall filter endfilter "
    "block endblock extends include import from raw endraw with endwith autoescape "
    "endautoescape trans endtrans pluralize do break continue".split()
)

_TAG_START = re.compile(r"\{%-?\s*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.S)


class SyntaxProblem(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Tag:
    name: str
    line: int
    start: int
    end: int
    args: list[str] = field(default_factory=list)
    kwargs: dict[str, str] = field(default_factory=dict)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def find_tags(text: str) -> list[Tag]:
    """Every non-Jinja `{% name ... %}` tag in `text`, its arguments read."""
    masked = _RAW_BLOCK.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    tags = []
    pos = 0
    while (m := _TAG_START.search(masked, pos)) is not None:
        name_m = _NAME.match(masked, m.end())
        if name_m is None:
            pos = m.end()
            continue
        name = name_m.group()
        if name in JINJA_TAGS:
            pos = name_m.end()
            continue
        tag = Tag(name, line_of(text, m.start()), m.start(), 0)
        tag.end = _read_args(text, name_m.end(), tag)
        tags.append(tag)
        pos = tag.end
    return tags


def _read_args(text: str, pos: int, tag: Tag) -> int:
    expect_value = True
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            raise SyntaxProblem(tag.line, f"{{% {tag.name} %}} is never closed; end it with %}}")
        if text.startswith("%}", pos) or text.startswith("-%}", pos):
            if tag.args or tag.kwargs:
                if expect_value:
                    raise SyntaxProblem(tag.line, f"{tag.name}: a comma is followed by nothing")
            return pos + (2 if text[pos] == "%" else 3)
        if not expect_value:
            if text[pos] != ",":
                raise SyntaxProblem(
                    line_of(text, pos),
                    f"{tag.name}: expected a comma or %}} after an argument, found {text[pos]!r}",
                )
            pos += 1
            expect_value = True
            continue
        key = None
        key_m = re.compile(r"([A-Za-z_]\w*)\s*=\s*").match(text, pos)
        if key_m:
            key = key_m.group(1)
            pos = key_m.end()
        if pos >= len(text) or text[pos] not in "\"'":
            found = text[pos] if pos < len(text) else "the end of the page"
            raise SyntaxProblem(
                line_of(text, pos),
                f"{tag.name}: arguments are quoted strings, found {found!r}; put the text in quotes",
            )
        value, pos = _read_string(text, pos, tag)
        if key is None:
            if tag.kwargs:
                raise SyntaxProblem(tag.line, f"{tag.name}: a plain argument cannot follow key=value ones")
            tag.args.append(value)
        else:
            tag.kwargs[key] = value
        expect_value = False


def _read_string(text: str, pos: int, tag: Tag) -> tuple[str, int]:
    quote = text[pos]
    start = pos
    pos += 1
    chars = []
    while pos < len(text):
        c = text[pos]
        if c == "\\" and pos + 1 < len(text):
            chars.append(text[pos : pos + 2])
            pos += 2
            continue
        if c == quote:
            raw = "".join(chars)
            if "%}" in raw and "{%" in raw:
                break  # ran into a later tag: this string was never closed
            return _unescape(raw), pos + 1
        chars.append(c)
        pos += 1
    raise SyntaxProblem(
        line_of(text, start),
        f"{tag.name}: unterminated string (opened with {quote} here); add the closing {quote}",
    )


def _unescape(raw: str) -> str:
    # Same escapes as Jinja's string literals.
    return raw.encode("ascii", "backslashreplace").decode("unicode-escape")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos
