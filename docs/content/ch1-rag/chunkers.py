"""Four ways to cut the licenses into chunks: the chunking notebook's, kept in a module so the
chunking page can show them and tests can measure a setting again.

Every license becomes one running list of words that remembers which section each word came
from, and every chunk is `(license, first word, last word + 1)`: positions rather than text,
so we can always tell which sections a chunk covers.
"""

from __future__ import annotations

import re

from legal_corpus import Passage

Chunk = tuple[str, int, int]


class Documents:
    """The licenses as running texts: `words[lic]`, `owners[lic]` (a section per word), `names[lic]`."""

    def __init__(self, sections: list[Passage]) -> None:
        self.sections = sections
        self.words: dict[str, list[str]] = {}
        self.owners: dict[str, list[str]] = {}
        self.names = {p.license: p.name for p in sections}
        self._section_words: dict[tuple[str, str], set[int]] = {}
        for p in sections:
            new = p.text.split()
            self.words.setdefault(p.license, []).extend(new)
            self.owners.setdefault(p.license, []).extend([p.section] * len(new))

    # --8<-- [start:cut]
    def fixed(self, size: int, overlap: float = 0.0) -> list[Chunk]:
        """Windows of `size` words; each starts `size * (1 - overlap)` words after the previous one."""
        step = max(1, int(size * (1 - overlap)))
        out = []
        for lic, words in self.words.items():
            for start in range(0, len(words), step):
                out.append((lic, start, min(start + size, len(words))))
                if start + size >= len(words):
                    break
        return out

    def sentences(self, size: int) -> list[Chunk]:
        """Whole sentences packed together until a chunk reaches `size` words."""
        out = []
        for lic, words in self.words.items():
            # a sentence ends after a word ending in . ; or : (good enough for licenses)
            ends = [i + 1 for i, w in enumerate(words) if re.search(r"[.;:]$", w)] + [len(words)]
            start = 0
            for end in ends:
                if end - start >= size or end == len(words):
                    if end > start:
                        out.append((lic, start, end))
                    start = end
        return out

    def by_section(self) -> list[Chunk]:
        """The passages legal_corpus.py made: the licenses' own sections."""
        out, cursor = [], {}
        for p in self.sections:
            start = cursor.get(p.license, 0)
            end = start + len(p.text.split())
            out.append((p.license, start, end))
            cursor[p.license] = end
        return out

    # --8<-- [end:cut]

    def text(self, chunk: Chunk) -> str:
        """What gets embedded: the license's name, then the chunk's words."""
        lic, start, end = chunk
        return self.names[lic] + ". " + " ".join(self.words[lic][start:end])

    def section_words(self, lic: str, section: str) -> set[int]:
        """Word positions of one section; remembered, as every measurement asks again and again."""
        key = (lic, section)
        if key not in self._section_words:
            self._section_words[key] = {i for i, s in enumerate(self.owners[lic]) if s == section}
        return self._section_words[key]

    def hits(self, q: dict, chunk: Chunk, least: int = 20) -> bool:
        """Does `chunk` hold at least `least` words of a section that answers `q` (or all of a shorter one)?"""
        lic, start, end = chunk
        for a in q["answers"]:
            if a["license"] != lic:
                continue
            section = self.section_words(lic, a["section"])
            inside = sum(start <= i < end for i in section)
            if section and inside >= min(least, len(section)):
                return True
        return False

    def coverage(self, q: dict, ranked: list[Chunk], budget: int) -> float:
        """Share of the best answering section's words inside the first `budget` words of `ranked`."""
        used, seen = 0, {}
        for lic, start, end in ranked:
            if used >= budget:
                break
            end = min(end, start + budget - used)  # the last chunk may only partly fit
            used += end - start
            seen.setdefault(lic, set()).update(range(start, end))
        best = 0.0
        for a in q["answers"]:
            section = self.section_words(a["license"], a["section"])
            if section:
                best = max(best, len(section & seen.get(a["license"], set())) / len(section))
        return best
