"""The build-time language model: numpy forward pass over the GGUF, its tokenizer, the answer cache."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT
from fromscratch.build import Build
from fromscratch.cache import Cache
from fromscratch.errors import ShortcodeError
from fromscratch.shortcodes.context import PageContext
from fromscratch.textgen import answers

GGUF = ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct" / "SmolLM2-135M-Instruct.Q4_1.gguf"
SHA = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


@pytest.fixture(scope="module")
def generator() -> answers.Generator:
    if not GGUF.is_file():
        pytest.skip("the language model is not fetched: run `make setup`")
    return answers.Generator(GGUF)


def test_tokenizer_reads_special_tokens_whole_and_round_trips(generator: answers.Generator) -> None:
    prompt = answers.chat_prompt("Split 2025 into digits, please.")
    ids = generator.encode(prompt)
    start, end = (generator.tokenizer.token_to_id(t) for t in ("<|im_start|>", "<|im_end|>"))
    assert ids[0] == start and ids.count(start) == 3 and ids.count(end) == 2
    assert generator.tokenizer.decode(ids, skip_special_tokens=False) == prompt
    digits = [generator.tokenizer.id_to_token(i) for i in generator.encode("2025")]
    assert digits == ["2", "0", "2", "5"]  # SmolLM2 splits numbers into single digits


def test_greedy_answer_is_right(generator: answers.Generator) -> None:
    answer = generator.complete(answers.chat_prompt("What is the capital of France?"), 12)
    assert "Paris" in answer.text
    assert 0 < answer.tokens <= 12


def _cache(folder: Path) -> Cache:
    return Cache(folder, enabled=True, project=str(folder / "mkdocs.yml"))


def test_answer_cache_reuses_and_repairs(generator: answers.Generator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(answers._generators, GGUF, generator)
    build = _cache(tmp_path)
    cache = answers.AnswerCache(build, GGUF, SHA)
    prompt = answers.chat_prompt("Say hello.")
    first = cache.get(prompt, 4)
    (entry,) = (tmp_path / answers.CACHE_KIND).glob("*.json")
    assert json.loads(entry.read_text())["text"] == first.text
    assert f"{answers.CACHE_KIND}/{entry.name}" in build.used  # eviction keeps what the build used

    cold = answers.AnswerCache(_cache(tmp_path), GGUF, SHA)  # a new build: must not load the model
    monkeypatch.setattr(answers, "_generators", {})
    monkeypatch.setattr(answers, "Generator", lambda _p: pytest.fail("loaded the model for a cached answer"))
    assert cold.get(prompt, 4) == first
    assert cold.key(prompt, 5) != cold.key(prompt, 4)
    assert answers.AnswerCache(build, GGUF, "another-model").key(prompt, 4) != cold.key(prompt, 4)

    entry.write_text("{not json")  # a damaged entry is recomputed, not trusted
    monkeypatch.setitem(answers._generators, GGUF, generator)
    again = cold.get(prompt, 4)
    assert (again.text, again.tokens) == (first.text, first.tokens)
    assert json.loads(entry.read_text())["tokens"] == first.tokens


def _ctx(tmp_path: Path, generator: dict) -> PageContext:
    options = SimpleNamespace(runtime={"cache_dir": ".cache", "generator": generator})
    build = Build(tmp_path, tmp_path / "docs", tmp_path / "site", _cache(tmp_path / ".cache"), options)
    return PageContext("index.md", tmp_path / "docs", build=build)


def test_generated_shortcode_rejects_bad_arguments(tmp_path: Path) -> None:
    generator = {"id": "m", "gguf": "m.gguf", "files": {"m.gguf": ["x"]}}
    ctx = _ctx(tmp_path, generator)
    with pytest.raises(ShortcodeError, match="prompt is empty"):
        answers.generated("  ", ctx=ctx)
    with pytest.raises(ShortcodeError, match="max_tokens"):
        answers.generated("Hi", max_tokens=0, ctx=ctx)
    with pytest.raises(ShortcodeError, match="run `make setup`"):
        answers.generated("Hi", ctx=ctx)
    with pytest.raises(ShortcodeError, match="no language model"):
        answers.generated("Hi", ctx=_ctx(tmp_path, {**generator, "id": ""}))
    with pytest.raises(ShortcodeError, match="inside a site build"):
        answers.generated("Hi")
