"""Search by meaning: the site's sections embedded at build time (stage.py), split as
Material's search index splits them (sections.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from ..cache import Cache
from . import stage

log = logging.getLogger("mkdocs.plugins.fromscratch.search")


def on_env(files: Files, config: MkDocsConfig, root: Path, cache: Cache, options: Mapping,
           runtime: Mapping, embed: Callable[[list[str]], np.ndarray]) -> stage.SectionsBuild | None:
    """After every page is rendered, before static files are written: stage `site-sections`."""
    if not options["by_meaning"]:
        return None
    built = stage.build_sections(files, root, cache, runtime, embed)
    if built is None:
        return None
    stage.add_to_runtime(files, config, built)
    log.info(f"search: {len(built.items)} sections staged as {stage.CORPUS} "
             f"({built.embedded} embedded now) in {built.seconds:.1f} s")
    return built
