"""One small site with the "Ask this site" box, built once per test session for tests/test_ask.py
and tests/browser/test_ask.py: the real mkdocs.yml and Chapter 1's pipeline settings, three short
pages written for these tests (CC0) and a page holding `{% widget "ask-site" %}` with two
example questions, one the pages answer and one they don't. The answered one is the numpy
language model writing at build time, the slowest part of a cold build."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, BuildResult, make_project, run_mkdocs_build

ANSWERED = "How do I measure how similar two arrows are?"
DECLINED = "What is a good recipe for banana bread?"

ASK = f"""---
title: Ask
ask_examples:
  - {ANSWERED}
  - {DECLINED}
---

# Ask

{{% widget "ask-site" %}}
"""

PAGES = {
    "index.md": "# Home\n\nA tiny site for the question box's tests.\n",
    "ask.md": ASK,
    "vectors.md": """# Vectors

## Arrows with a direction

A vector is a list of numbers. With two numbers you can draw it as an arrow from the origin:
the first number says how far right, the second how far up.

## Cosine similarity

To compare two arrows, look at the angle between them. Multiply the matching numbers, add the
products up, and divide by both lengths: the result is the cosine of the angle. It is 1 when
the arrows point the same way, 0 when they are at a right angle and -1 when they point in
opposite directions. Length does not matter, only direction.
""",
    "search.md": """# Keyword search

## Why synonyms are missed

A keyword index only finds documents that contain the very words of the query. A page about
"automobiles" is invisible to a query for "cars", because the two words share no letters,
although they mean the same thing.

## Ranking with BM25

BM25 scores a document higher when it holds rare query words often, and lower when it is long.
""",
    "spam.md": """# Spam filters

## Learning from labelled messages

A spam filter is trained on messages a person has already labelled as spam or not spam. It
counts which words appear more often in each group and uses those counts to score a new
message.
""",
}


def build_ask_site(tmp) -> BuildResult:  # noqa: ANN001 - a folder
    project = make_project(tmp, PAGES)
    shutil.copytree(ROOT / "docs" / "data" / "rag", project / "docs" / "data" / "rag")
    return run_mkdocs_build(project)


@pytest.fixture(scope="session")
def ask_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    if not (ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct").is_dir():
        pytest.skip("the language model is not fetched: run `make setup`")
    result = build_ask_site(tmp_path_factory.mktemp("ask-site"))
    assert result.ok, result.output
    return result
