"""Cross-origin isolation on a static host: coi-serviceworker served from the site root, its
configuration on every page, and the reload allowed only on pages that run the language model.
(The browser side, a page that becomes isolated and runs two threads, is in
tests/browser/test_text_generator.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, make_project, run_mkdocs_build

GEN_PAGE = '# Generate\n\n{% widget "text-generator" %}\n'
SCRIPTS = re.compile(r'<script defer src="([^"]*(?:isolation|coi-serviceworker)\.js)"([^>]*)>')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct").is_dir():
        pytest.skip("the language model is not fetched: run `make setup`")
    project = make_project(tmp_path_factory.mktemp("isolation"), {
        "index.md": "# Home\n\nNo widgets.\n",
        "guide/generate.md": GEN_PAGE,
        "guide/search.md": '# Search\n\n{% widget "similarity-playground" %}\n',
    })
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    return result.site


def scripts(page: Path) -> list[tuple[str, str]]:
    return SCRIPTS.findall(page.read_text(encoding="utf-8"))


def test_the_worker_is_served_from_the_site_root_as_published(site: Path) -> None:
    served = site / "coi-serviceworker.js"
    assert served.read_bytes() == (ROOT / "node_modules" / "coi-serviceworker" / "coi-serviceworker.js").read_bytes()


def test_every_page_configures_then_registers_the_worker(site: Path) -> None:
    for page, root in (("index.html", ""), ("guide/generate/index.html", "../../"),
                       ("guide/search/index.html", "../../")):
        found = scripts(site / page)
        # the configuration first (coi-serviceworker reads window.coi as it runs), both from
        # this site, the worker at the root so that its scope is the whole site
        assert [src for src, _ in found] == [f"{root}assets/javascripts/isolation.js", f"{root}coi-serviceworker.js"], page
        assert (site / "assets/javascripts/isolation.js").is_file()


def test_only_a_page_that_runs_the_language_model_may_reload(site: Path) -> None:
    flags = {page: re.search(r'data-generation="([^"]*)"', scripts(site / page)[0][1]).group(1)
             for page in ("index.html", "guide/generate/index.html", "guide/search/index.html")}
    assert flags == {"index.html": "", "guide/generate/index.html": "yes", "guide/search/index.html": ""}


def test_the_guides_speed_table_quotes_the_benchmark() -> None:
    """Every figure in the Local AI guide's generation table is one that benchmarks/generation.py
    printed (RESULTS-generation.md), so a re-run cannot leave the guide quoting old numbers
    unnoticed."""
    guide = (ROOT / "docs" / "Local-AI.md").read_text(encoding="utf-8")
    results = (ROOT / "benchmarks" / "RESULTS-generation.md").read_text(encoding="utf-8")
    table = guide.split("<!-- numbers from benchmarks/RESULTS-generation.md -->", 1)[1].strip().split("\n\n", 1)[0]
    figures = set(re.findall(r"\d+\.\d+", table))
    assert len(figures) >= 10, table
    cells = set(re.findall(r"\d+\.\d+", results))
    assert sorted(figures - cells) == []
