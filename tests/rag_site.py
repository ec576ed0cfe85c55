"""One small site with the <rag-qa> widget, built once per test session for tests/test_rag_qa.py
and tests/browser/test_rag_qa.py: the real mkdocs.yml, Chapter 1's legal_corpus.py and
docs/data/rag, and a page holding the widget (not the whole site, whose notebooks take minutes).
It keeps two of the site's example questions, one answered and one declined: each answer is the
numpy language model writing 48 tokens at build time, the slowest part of a cold build."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT, BuildResult, make_project, run_mkdocs_build

PAGE = """# Ask the licenses

{% widget "rag-qa" %}
"""
CORPUS = "docs/content/ch1-rag/legal_corpus.py"
EXAMPLES = ["g41", "g61"]  # "Am I allowed to sell software that contains MIT-licensed code?"; a fine in Germany


def _two_examples(config: str) -> str:
    config, n = re.subn(r"(?m)^(\s+examples:) \[.*\]$", rf"\1 [{', '.join(EXAMPLES)}]", config)
    assert n == 1, "mkdocs.yml has no runtime.rag.examples line"
    return config


def build_rag_site(tmp) -> BuildResult:  # noqa: ANN001 - a folder
    project = make_project(tmp, {"index.md": PAGE, "plain.md": "# Plain\n\nNo widgets here.\n"},
                           config_edit=_two_examples)
    (project / CORPUS).parent.mkdir(parents=True)
    shutil.copy(ROOT / CORPUS, project / CORPUS)
    shutil.copytree(ROOT / "docs" / "data", project / "docs" / "data")
    return run_mkdocs_build(project)


@pytest.fixture(scope="session")
def rag_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    if not (ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct").is_dir():
        pytest.skip("the language model is not fetched: run `make setup`")
    result = build_rag_site(tmp_path_factory.mktemp("rag-qa"))
    assert result.ok, result.output
    return result
