"""Shared fixtures: build a real MkDocs site from a small docs folder in a temp dir."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["rag_site", "ask_site"]  # the <rag-qa> and "Ask this site" test sites, each built once for tests/ and tests/browser/
MKDOCS = [sys.executable, "-m", "mkdocs"]


@dataclass
class BuildResult:
    returncode: int
    output: str  # stdout and stderr together
    site: Path
    project: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def images(self, url_path: str) -> list[bytes]:
        """The bytes of every notebook figure a page shows (written as files, not data URIs)."""
        html = self.page(url_path)
        page_dir = self.site / url_path
        found = re.findall(r'<img[^>]+src="([^"]*assets/notebook-images/[^"]+)"', html)
        return [(page_dir / src).resolve().read_bytes() for src in found]

    def page(self, url_path: str) -> str:
        """HTML of a built page, e.g. page('content/ch0-fundamentals/overview/')."""
        path = self.site / url_path
        if url_path.endswith("/") or url_path == "":
            path = path / "index.html"
        return path.read_text(encoding="utf-8")


def run_mkdocs_build(project: Path, *extra: str, env: dict[str, str] | None = None) -> BuildResult:
    site = project / "site"
    proc = subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site), *extra],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        timeout=1800,  # a cold whole-site build on 2 busy cores: every notebook, the sections, the examples
    )
    return BuildResult(proc.returncode, proc.stdout + proc.stderr, site, project)


def make_project(tmp: Path, docs: dict[str, str] | None = None, *, copy_docs: bool = False,
                 config_edit=None, cache_from: Path | None = None) -> Path:  # noqa: ANN001
    """A throwaway project: the real mkdocs.yml and overrides, with `docs` as its content.

    `docs` maps paths under docs/ to text. With copy_docs the real docs/ is copied first.
    `config_edit(text) -> text` may change mkdocs.yml (for example its nav or site_url).
    `cache_from` (another test project) starts this one with a copy of that project's cache:
    a second whole-site build then executes no notebook, which a fresh test run would
    otherwise pay for twice more (the cache is keyed by content and by paths relative to the
    project, so the copy is exactly what a warm build of the same docs reads).
    """
    project = tmp / "project"
    project.mkdir()
    shutil.copytree(ROOT / "overrides", project / "overrides")
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    # notebooks may declare project files outside docs/ as inputs (the classifier's code)
    (project / "plugins").symlink_to(ROOT / "plugins")
    if (ROOT / ".cache" / "models").exists():
        # only the verified model is shared; notebook and embedding caches start empty, so a
        # test project never evicts or overwrites the real project's cache entries
        (project / ".cache").mkdir()
        (project / ".cache" / "models").symlink_to(ROOT / ".cache" / "models")
    if cache_from is not None:
        _copy_cache(cache_from / ".cache", project / ".cache")
    if copy_docs:
        shutil.copytree(ROOT / "docs", project / "docs")
    else:
        (project / "docs").mkdir()
    for rel, text in (docs or {}).items():
        path = project / "docs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    if not copy_docs:
        config = _drop_nav(config)
    if config_edit is not None:
        config = config_edit(config)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    return project


def _copy_cache(source: Path, target: Path) -> None:
    """Every cache kind but the (shared, symlinked) models, copied so that neither project's
    eviction can touch the other's entries."""
    target.mkdir(exist_ok=True)
    for entry in source.iterdir():
        if entry.name == "models":
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)


def _drop_nav(config: str) -> str:
    """Remove the `nav:` block so a small test site gets MkDocs' automatic nav."""
    lines = config.splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        if line.startswith("nav:"):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


@pytest.fixture
def build(tmp_path: Path):
    """build(docs={...}, copy_docs=False, config_edit=None) -> BuildResult"""

    def _build(docs: dict[str, str] | None = None, **kwargs) -> BuildResult:  # noqa: ANN003
        project = make_project(tmp_path, docs, **kwargs)
        return run_mkdocs_build(project)

    return _build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real site, built once per test session with --strict."""
    project = make_project(tmp_path_factory.mktemp("site"), copy_docs=True)
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    return result
