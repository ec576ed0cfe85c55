"""The knowledge base of Chapter 1: software licenses split into passages that keep their sections.

The texts come from the npm package `spdx-license-list` (CC0-1.0; each license text is
redistributed verbatim under its own terms), installed by `make setup` into node_modules.
Every passage carries its license (SPDX id), the section number or title as the license
writes it, and the section's title where the license gives one. Sections longer than
`max_words` are cut at paragraph (then sentence) boundaries into parts that keep the
section, because MiniLM reads at most 256 word pieces and ignores the rest.

Used by the chapter's notebooks and, through the site's corpus builder, by the `rag-qa` widget.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

LICENSES = [
    "MIT", "Apache-2.0", "GPL-2.0-only", "GPL-3.0-only", "LGPL-2.1-only", "LGPL-3.0-only",
    "AGPL-3.0-only", "MPL-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "CC0-1.0",
    "EPL-2.0", "CC-BY-4.0",
]
MAX_WORDS = 170
MIN_WORDS = 25


@dataclass
class Passage:
    id: str
    license: str
    name: str
    section: str
    title: str
    part: int
    parts: int
    text: str

    def label(self) -> str:
        where = self.section if self.section in ("full text", "Preamble", "How to apply") else f"§{self.section}"
        part = f" (part {self.part}/{self.parts})" if self.parts > 1 else ""
        return f"{self.license} {where}{part}"


def find_node_modules(start: Path | None = None) -> Path:
    """The project's node_modules, searched upwards from this file (notebooks run in their folder)."""
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        candidate = folder / "node_modules" / "spdx-license-list"
        if candidate.is_dir():
            return candidate.parent
    raise FileNotFoundError("node_modules/spdx-license-list not found: run `make setup` (npm ci --ignore-scripts)")


def license_record(spdx_id: str, node_modules: Path | None = None) -> dict:
    folder = (node_modules or find_node_modules()) / "spdx-license-list" / "licenses"
    return json.loads((folder / f"{spdx_id}.json").read_text(encoding="utf-8"))


# -- finding sections ---------------------------------------------------------------------------

@dataclass
class _Section:
    number: str
    title: str
    lines: list[str]


def _numbered(lines: list[str], pattern: str, *, title_group: bool, start: int = 0) -> list[_Section]:
    """Sections that start at lines matching `pattern` whose numbers count up by one.

    The count check keeps a sentence that happens to begin with a number ("2.1 of this
    License shall terminate.") from being taken for a heading.
    """
    sections: list[_Section] = []
    head = _Section("Preamble", "", [])
    expected = start
    for line in lines:
        match = re.match(pattern, line.strip())
        if match and int(match.group("num").split(".")[-1]) == expected:
            sections.append(head)
            title = match.group("title").strip() if title_group else ""
            head = _Section(match.group("num"), title, [line])
            expected += 1
        else:
            head.lines.append(line)
    sections.append(head)
    return [s for s in sections if "".join(s.lines).strip()]


def _cut(text: str, start_marker: str | None, end_marker: str | None) -> tuple[str, str, str]:
    """(before, terms, after) around the license's own start and end markers."""
    before, terms, after = "", text, ""
    if start_marker and start_marker in terms:
        before, terms = terms.split(start_marker, 1)
    if end_marker and end_marker in terms:
        terms, after = terms.split(end_marker, 1)
    return before, terms, after


def _gpl_family(text: str, titled: bool) -> list[_Section]:
    before, terms, after = _cut(text, "TERMS AND CONDITIONS", "END OF TERMS AND CONDITIONS")
    pattern = r"^(?P<num>\d+)\. (?P<title>.+)\.$" if titled else r"^(?P<num>\d+)\. (?P<title>)"
    sections = _numbered(terms.split("\n"), pattern, title_group=titled)
    sections = [s for s in sections if s.number != "Preamble" or "".join(s.lines).strip(" \n-")]
    preamble = before.split("Preamble", 1)[1] if "Preamble" in before else ""
    out = [_Section("Preamble", "Preamble", preamble.split("\n"))] if preamble.strip() else []
    out += [s for s in sections if s.number != "Preamble"]
    if after.strip():
        out.append(_Section("How to apply", "How to Apply These Terms", after.split("\n")))
    if not titled:  # GPL-2.0 and LGPL-2.1 put "NO WARRANTY" above sections 11/15 as a heading
        for section in out:
            if section.lines and section.lines[-1].strip() == "NO WARRANTY":
                section.lines.pop()
            while section.lines and section.lines[-1].strip() in ("", "NO WARRANTY"):
                section.lines.pop()
    return out


def _lgpl3(text: str) -> list[_Section]:
    # The SPDX text appends the whole GPL-3.0 after the LGPL's own terms: keep only the
    # LGPL's part (GPL-3.0 is in the corpus under its own id).
    own = text.split("\nGNU GENERAL PUBLIC LICENSE", 1)[0]
    sections = _numbered(own.split("\n"), r"^(?P<num>\d+)\. (?P<title>.+)\.$", title_group=True)
    for section in sections:
        if section.number == "Preamble":
            section.title = "Preamble"
    return sections


def _apache(text: str) -> list[_Section]:
    _, terms, after = _cut(text, "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
                           "END OF TERMS AND CONDITIONS")
    sections = _numbered(terms.split("\n"), r"^(?P<num>\d+)\. (?P<title>[^.]+)\.", title_group=True, start=1)
    sections = [s for s in sections if s.number != "Preamble"]
    if after.strip():
        sections.append(_Section("How to apply", "How to apply the Apache License", after.split("\n")))
    return sections


def _mpl(text: str) -> list[_Section]:
    lines = []
    for line in text.split("\n"):  # sections 6 and 7 sit in a box of asterisks
        stripped = line.strip()
        if re.fullmatch(r"\*+", stripped):
            continue
        if stripped.startswith("*") and stripped.endswith("*"):
            line = stripped.strip("*").strip()
        if re.fullmatch(r"-{3,}", line.strip()):
            continue
        lines.append(line)
    tops = _numbered(lines, r"^(?P<num>\d+)\. (?P<title>[^.]+)$", title_group=True, start=1)
    out: list[_Section] = []
    for top in tops:
        if top.number == "Preamble":
            continue
        if top.number == "1":  # the definitions read best together
            out.append(top)
            continue
        subs = _numbered(top.lines[1:], rf"^(?P<num>{top.number}\.\d+)\. ?(?P<title>.*)$", title_group=True, start=1)
        numbered = [s for s in subs if s.number != "Preamble"]
        if not numbered:
            out.append(top)
            continue
        intro = [s for s in subs if s.number == "Preamble"]
        for i, sub in enumerate(numbered):
            title = sub.title if sub.title and len(sub.title) < 60 and not sub.title.endswith(".") else ""
            lines_ = (intro[0].lines if intro and i == 0 else []) + sub.lines
            out.append(_Section(sub.number, f"{top.title} — {title}" if title else top.title, lines_))
    # Exhibits A and B follow section 10 in the last section's lines: split them off
    last = out[-1]
    for k, line in enumerate(last.lines):
        if line.startswith("Exhibit A"):
            exhibits = last.lines[k:]
            last.lines = last.lines[:k]
            out.append(_Section("Exhibit A and B", "Exhibits: license notices", exhibits))
            break
    return out


def _submatch(number: str) -> str:
    return rf"^(?P<num>{re.escape(number)}\.\d+) (?P<title>.*)$"


def _epl(text: str) -> list[_Section]:
    tops = _numbered(text.split("\n"), r"^(?P<num>\d+)\. (?P<title>[A-Z][A-Z ]+)$", title_group=True, start=1)
    out: list[_Section] = []
    for top in tops:
        if top.number == "Preamble":
            top.title = "Preamble"
            out.append(top)
            continue
        title = top.title.title()
        if top.number == "3":
            subs = _numbered(top.lines[1:], _submatch("3"), title_group=False, start=1)
            for sub in subs:
                if sub.number != "Preamble":
                    out.append(_Section(sub.number, title, sub.lines))
            continue
        body = top.lines
        if top.number == "7":  # Exhibit A follows the last section
            for k, line in enumerate(body):
                if line.startswith("Exhibit A"):
                    out.append(_Section("7", title, body[:k]))
                    out.append(_Section("Exhibit A", "Form of Secondary Licenses Notice", body[k:]))
                    break
            continue
        out.append(_Section(top.number, title, body))
    return out


def _cc_by(text: str) -> list[_Section]:
    tops = _numbered(text.split("\n"), r"^Section (?P<num>\d+) – (?P<title>[^.]+)\.$", title_group=True, start=1)
    out: list[_Section] = []
    for top in tops:
        if top.number == "Preamble":
            top.title = "Preamble"
            out.append(top)
            continue
        letters = []  # lettered subsections: a., b., ...
        head = _Section(top.number, top.title, [top.lines[0]])
        expected = "a"
        for line in top.lines[1:]:
            match = re.match(r"^([a-z])\.\s", line.strip())
            if match and match.group(1) == expected:
                letters.append(head)
                head = _Section(f"{top.number}({expected})", top.title, [line])
                expected = chr(ord(expected) + 1)
            else:
                head.lines.append(line)
        letters.append(head)
        if sum(len(" ".join(s.lines).split()) for s in letters) <= MAX_WORDS or len(letters) == 1:
            out.append(top)
        else:  # the heading line goes with the first lettered part
            letters[1].lines = letters[0].lines + letters[1].lines
            out.extend(letters[1:])
    return out


def _cc0(text: str) -> list[_Section]:
    _, rest = text.split("Statement of Purpose", 1)
    sections = _numbered(rest.split("\n"), r"^(?P<num>\d+)\. (?P<title>[^.]+)\.", title_group=True, start=1)
    for section in sections:
        if section.number == "Preamble":
            section.number = section.title = "Statement of Purpose"
    return sections


def _whole(text: str) -> list[_Section]:
    return [_Section("full text", "", text.split("\n"))]


SPLITTERS = {
    "GPL-2.0-only": lambda t: _gpl_family(t, titled=False),
    "LGPL-2.1-only": lambda t: _gpl_family(t, titled=False),
    "GPL-3.0-only": lambda t: _gpl_family(t, titled=True),
    "AGPL-3.0-only": lambda t: _gpl_family(t, titled=True),
    "LGPL-3.0-only": _lgpl3,
    "Apache-2.0": _apache,
    "MPL-2.0": _mpl,
    "EPL-2.0": _epl,
    "CC-BY-4.0": _cc_by,
    "CC0-1.0": _cc0,
}


# -- cutting long sections ------------------------------------------------------------------------

def _paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs with hard line wraps joined (several licenses wrap at 70 columns)."""
    text = "\n".join(line.rstrip() for line in lines)
    paragraphs = [re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if p]


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;:])\s+(?=[A-Z(])", paragraph) if s]


def split_words(paragraphs: list[str], max_words: int) -> list[str]:
    """Greedy parts of at most `max_words` words, cut between paragraphs, else between sentences."""
    pieces: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph.split()) <= max_words:
            pieces.append(paragraph)
        else:
            pieces.extend(_sentences(paragraph))
    parts: list[list[str]] = [[]]
    for piece in pieces:
        words = len(piece.split())
        if parts[-1] and sum(len(p.split()) for p in parts[-1]) + words > max_words:
            parts.append([])
        parts[-1].append(piece)
    merged: list[list[str]] = []
    for part in parts:  # a stub (a heading on its own) joins the part after it
        if merged and sum(len(p.split()) for p in merged[-1]) < MIN_WORDS:
            merged[-1].extend(part)
        else:
            merged.append(part)
    return ["\n\n".join(p) for p in merged if p]


def passages(spdx_ids: list[str] | None = None, max_words: int = MAX_WORDS,
             node_modules: Path | None = None) -> list[Passage]:
    """Every license in `spdx_ids` (default: LICENSES) as section-aware passages."""
    out: list[Passage] = []
    for spdx_id in spdx_ids or LICENSES:
        record = license_record(spdx_id, node_modules)
        text = record["licenseText"].replace("\r\n", "\n")
        sections = SPLITTERS.get(spdx_id, _whole)(text)
        for section in sections:
            parts = split_words(_paragraphs(section.lines), max_words)
            for k, part in enumerate(parts, start=1):
                suffix = f"-{k}" if len(parts) > 1 else ""
                out.append(Passage(
                    id=f"{spdx_id}#{section.number}{suffix}".replace(" ", "_"),
                    license=spdx_id, name=record["name"], section=section.number, title=section.title,
                    part=k, parts=len(parts), text=part,
                ))
    return out


def as_dicts(items: list[Passage]) -> list[dict]:
    return [asdict(p) for p in items]


if __name__ == "__main__":  # a quick look: python legal_corpus.py
    found = passages()
    for p in found:
        print(f"{p.id:28} {len(p.text.split()):4} words  {p.title[:50]}")
    print(len(found), "passages")
