"""One build's state, made by `plugin.py` in `on_config` and handed to every step.

No module of the plugin keeps per-build state of its own: what the notebook step executed,
the shared stylesheet, the rendered embeds and the cache all live here, so two builds in one
process (tests, `mkdocs serve` next to a script) never see each other's data, and the data
path reads top to bottom: plugin -> build -> step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import Cache
from .shortcodes.raw_html import RawBlocks

if TYPE_CHECKING:
    from mkdocs.structure.files import Files

    from .notebooks.pages import Executed
    from .notebooks.styles import Stylesheet


@dataclass
class Embeds:
    """Cells already rendered in this build (sub-notebook digest -> (head, body)) and the shared
    head (the copy-button script) the first of them brought."""

    rendered: dict[str, tuple[str, str]] = field(default_factory=dict)
    digests: dict[tuple, str] = field(default_factory=dict)  # (id of the notebook, cells, show) -> digest
    head: str = ""


@dataclass
class Build:
    root: Path  # the folder of mkdocs.yml
    docs_dir: Path
    site_dir: Path
    cache: Cache
    options: Any  # the plugin's validated config (FromScratchConfig)
    files: Files | None = None
    executed: dict[str, Executed] = field(default_factory=dict)  # src_uri -> the executed notebook
    stylesheet: Stylesheet | None = None
    embeds: Embeds = field(default_factory=Embeds)
    raw: RawBlocks = field(default_factory=RawBlocks)  # shortcodes' finished HTML, kept out of Markdown
    classifiers: list[str] = field(default_factory=list)  # heads trained and staged by this build
    rag: Any = None  # what this build prepared for <rag-qa> (rag/stage.py RagBuild), or None

    @property
    def corpora_dir(self) -> str:
        """Widget corpora, relative to docs_dir."""
        return str(self.options.runtime["corpora"]).strip("/")
