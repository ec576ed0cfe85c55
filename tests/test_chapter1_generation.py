"""Chapter 1, Generation: the page in the chapter nav, its notebook embeds, and the notebook's key
results recomputed by the build (dequantisation, agreement with the plugin's model, refusal,
citations that name only passages the prompt contained)."""

from __future__ import annotations

import html
import re

PAGE = "content/ch1-rag/generation/"
NOTEBOOK = "content/ch1-rag/generation-notebook/"


def text_of(page_html: str) -> str:
    article = page_html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def test_page_is_in_the_chapter_nav_with_badge_embeds_and_diagram(built_site):
    page = built_site.page(PAGE)
    nav = page.split('data-md-type="navigation"', 1)[1].split('data-md-type="toc"', 1)[0]
    assert re.search(r'href="(\./|\.\./generation/)"', nav)
    assert "generation-notebook/" in nav
    assert 'class="chapter-badge"' in page
    assert page.count('class="nb-embed"') >= 8
    assert 'class="aha-card"' in page
    assert 'class="mermaid"' in page


def test_notebook_page_ends_with_exercises(built_site):
    page = built_site.page(NOTEBOOK)
    assert "Download .ipynb" in page
    assert re.search(r"<h2[^>]*>.*Exercises", page)


def test_own_dequantisation_matches_gguf(built_site):
    text = text_of(built_site.page(PAGE))
    diffs = re.findall(r"(Q4_1|Q8_0)\s+shape \((\d+), (\d+)\)\s+max \|ours - gguf\| = ([\d.e+-]+)", text)
    assert {kind for kind, *_ in diffs} == {"Q4_1", "Q8_0"}
    assert all(float(d) < 1e-6 for *_, d in diffs)


def test_one_layer_shapes_and_parameter_count(built_site):
    text = text_of(built_site.page(PAGE))
    shapes = dict(re.findall(r"blk\.0\.(\w+)\.weight\s+(\(\d+(?:, \d+)?\))", text))
    assert shapes["attn_q"] == "(576, 576)" and shapes["attn_k"] == "(192, 576)"  # 9 x 64 vs 3 x 64
    assert shapes["ffn_gate"] == "(1536, 576)" and shapes["ffn_down"] == "(576, 1536)"
    total = int(re.search(r"parameters in all: ([\d,]+)", text).group(1).replace(",", ""))
    assert 130_000_000 < total < 140_000_000


def test_notebook_logits_agree_with_the_plugin_model(built_site):
    text = text_of(built_site.page(PAGE))
    diff = float(re.search(r"max \|ours - plugin\| = ([\d.e+-]+)", text).group(1))
    assert diff < 1e-3
    assert "same top-5 next tokens: True" in text


def test_reading_and_writing_speeds_are_measured(built_site):
    text = text_of(built_site.page(PAGE))
    runs = re.findall(r"read (\d+) prompt tokens in [\d.]+ s \(\d+ tokens/s\); wrote (\d+) tokens", text)
    assert len(runs) >= 3 and all(int(read) > 0 for read, _ in runs)


def test_prompt_shows_the_chat_template_and_the_budget(built_site):
    text = text_of(built_site.page(PAGE))
    assert "<|im_start|>system" in text and "<|im_start|>assistant" in text and "<|im_end|>" in text
    used = int(re.search(r"prompt: (\d+) tokens of a (\d+)-token budget", text).group(1))
    budget = int(re.search(r"prompt: (\d+) tokens of a (\d+)-token budget", text).group(2))
    assert 0 < used <= budget


def test_refused_question_prints_the_refusal(built_site):
    text = text_of(built_site.page(PAGE))
    refusal = text.split("What is the maximum fine for breaking the GPL in Germany?", 1)[1]
    score, threshold = map(float, re.search(r"best retrieval score ([\d.]+) \(threshold ([\d.]+)\)", refusal).groups())
    assert score < threshold
    assert "A: Not found in these documents." in refusal


def shown_answers(text: str) -> list[tuple[set[str], str, str]]:
    """(ids in the prompt, first line of the answer, the lines after it) for each generated answer."""
    out = []
    for chunk in text.split("sections in the prompt: ")[1:]:
        listed, _, rest = chunk.partition("\n")
        answer = re.search(r"A: ([^\n]+)(.*?)(?:reference answer|Q: |$)", rest, re.S)
        if answer:
            out.append(({s.strip() for s in listed.split(",")}, answer.group(1), answer.group(2)))
    return out


def test_citations_in_shown_answers_were_in_the_prompt(built_site):
    answers = shown_answers(text_of(built_site.page(PAGE)))
    assert len(answers) >= 2
    checked = 0
    for allowed, answer, after in answers:
        cited = [c.strip() for group in re.findall(r"\[([^\[\]]+)\]", answer) for c in re.split(r"[;,]", group)]
        # the notebook's own verdict agrees with an independent recomputation
        for c in cited:
            verdict = "in the prompt" if c in allowed else "NOT in the prompt"
            assert f"cited [{c}]: {verdict}" in after
            checked += c in allowed
    assert checked >= 1, "no shown answer cites a passage that was in its prompt"
