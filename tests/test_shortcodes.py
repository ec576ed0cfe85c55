"""The seed's shortcodes: pure renderers, the tag reader, and both forms in a real build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fromscratch.errors import ShortcodeError
from fromscratch.shortcodes import render
from fromscratch.shortcodes.context import PageContext
from fromscratch.shortcodes.registry import call
from fromscratch.shortcodes.syntax import SyntaxProblem, find_tags

# ---- renderers ----------------------------------------------------------------


def test_ahamoment_default_label_and_markup():
    out = render.ahamoment("Vectors <strong>point</strong>.")
    assert out.startswith('<aside class="aha-card"')
    assert '<div class="aha-card__label">AHA! Moment</div>' in out
    assert "Vectors <strong>point</strong>." in out
    assert 'class="aha-card__body"' in out


def test_ahamoment_custom_label_is_escaped():
    out = render.ahamoment("x", "Cats & <dogs>")
    assert "Cats &amp; &lt;dogs&gt;" in out


def test_stylized_list_ul_default_and_ol():
    items = "<li>a</li><li>b</li>"
    assert render.stylized_list(items) == f'<ul class="stylized-list">\n{items}\n</ul>'
    assert render.stylized_list(items, "ol").startswith('<ol class="stylized-list">')


def test_stylized_list_rejects_unknown_type():
    with pytest.raises(ShortcodeError, match=r"unknown list type 'dl'.*\"ul\".*\"ol\""):
        render.stylized_list("<li>a</li>", "dl")


def test_codeblock_is_a_fence_longer_than_any_backtick_run():
    out = render.codeblock("print('```')\n", "python")
    assert "\n````python\nprint('```')\n````\n" in out


def test_codeblock_dedents_multiline_code():
    out = render.codeblock("\n    def f():\n        return 1\n", "python")
    assert "```python\ndef f():\n    return 1\n```" in out


def test_codeblock_rejects_bad_language():
    with pytest.raises(ShortcodeError, match="not a language"):
        render.codeblock("x", "py thon")


def test_contentfooter_needs_a_link():
    with pytest.raises(ShortcodeError, match="previous link, a next link"):
        render.contentfooter()
    out = render.contentfooter("/a/", "/b/")
    assert 'href="/a/"' in out and 'href="/b/"' in out and "content-footer" in out


def test_figure_resolves_relative_and_root_paths(tmp_path: Path):
    (tmp_path / "content" / "ch0").mkdir(parents=True)
    (tmp_path / "content" / "ch0" / "arrow.svg").write_text("<svg/>")
    ctx = PageContext("content/ch0/vectors.md", tmp_path)
    out = render.figure("arrow.svg", 'An "arrow"', "Two <em>vectors</em>", ctx=ctx)
    assert '<figure class="figure">' in out
    assert 'src="/content/ch0/arrow.svg"' in out
    assert 'alt="An &quot;arrow&quot;"' in out
    assert 'loading="lazy"' in out
    assert "<figcaption>Two <em>vectors</em></figcaption>" in out
    assert 'src="/content/ch0/arrow.svg"' in render.figure("/content/ch0/arrow.svg", "a", "", ctx=ctx)


def test_figure_missing_file_names_the_path(tmp_path: Path):
    ctx = PageContext("content/ch0/vectors.md", tmp_path)
    with pytest.raises(ShortcodeError, match=r"not found \(looked for docs/content/ch0/nope.png\)"):
        render.figure("nope.png", "x", "y", ctx=ctx)


def test_figure_refuses_other_hosts(tmp_path: Path):
    ctx = PageContext("index.md", tmp_path)
    with pytest.raises(ShortcodeError, match="another host"):
        render.figure("https://example.com/a.png", "x", "y", ctx=ctx)


# ---- registry: argument checks shared by both forms ---------------------------


def test_call_reports_missing_and_extra_arguments():
    with pytest.raises(ShortcodeError, match=r"ahamoment: no arguments given; usage: ahamoment\(content"):
        call("ahamoment", (), {}, None)
    with pytest.raises(ShortcodeError, match=r"too many arguments \(3 given, at most 2\)"):
        call("ahamoment", ("a", "b", "c"), {}, None)
    with pytest.raises(ShortcodeError, match="unknown shortcode 'ahamomnet'"):
        call("ahamomnet", ("a",), {}, None)


# ---- the tag reader -----------------------------------------------------------


def test_reads_multiline_strings_with_the_other_quote():
    text = 'intro\n{% stylizedList "\n  <li>it\'s \'quoted\'</li>\n  ", "ol"\n%}\n'
    (tag,) = find_tags(text)
    assert tag.name == "stylizedList" and tag.line == 2
    assert tag.args == ["\n  <li>it's 'quoted'</li>\n  ", "ol"]


def test_reads_single_quoted_and_keyword_arguments():
    (tag,) = find_tags("{% ahamoment 'say \"hi\"', label='Note' %}")
    assert tag.args == ['say "hi"'] and tag.kwargs == {"label": "Note"}


def test_skips_jinja_statements_and_raw_blocks():
    text = "{% if x %}a{% endif %}{% raw %}{% ahamoment %}{% endraw %}"
    assert find_tags(text) == []


def test_unterminated_string_points_at_its_line():
    text = 'one\ntwo\n{% ahamoment "never closed %}\n\nmore\n{% stylizedList "<li>a</li>" %}\n'
    with pytest.raises(SyntaxProblem) as info:
        find_tags(text)
    assert info.value.line == 3
    assert "unterminated string" in info.value.message and 'add the closing "' in info.value.message


def test_unquoted_argument_is_explained():
    with pytest.raises(SyntaxProblem, match="arguments are quoted strings"):
        find_tags("{% ahamoment hello %}")


def test_missing_comma_is_explained():
    with pytest.raises(SyntaxProblem, match="expected a comma"):
        find_tags('{% ahamoment "a" "b" %}')


# ---- both forms in a real MkDocs build ----------------------------------------

PAGE = """---
title: Forms
---
# Forms

{% ahamoment "Tag form <em>works</em>" %}

{{ ahamoment("Macro form works", "Macro") }}

{% stylizedList "
  <li>one</li>
  <li>two</li>
", "ol" %}

{{ stylizedList("<li>macro</li>") }}

{% codeblock "def double(x):
    return 2 * x", "python" %}

{{ figure("pic.svg", "A picture", "The caption") }}

{% contentfooter "/other/", "/" %}
"""


def test_both_forms_render_in_a_strict_build(build):
    result = build({"index.md": PAGE, "pic.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>", "other.md": "# O\n"})
    assert result.ok, result.output
    html = result.page("")
    assert html.count('<aside class="aha-card"') == 2
    assert '<div class="aha-card__label">Macro</div>' in html
    assert re.search(r'<ol class="stylized-list">\s*<li>one</li>\s*<li>two</li>', html)
    assert '<ul class="stylized-list">\n<li>macro</li>' in html
    # codeblock goes through the same highlighter as a fence: Pygments spans and the copy button hook
    assert 'class="language-python highlight"' in html
    assert '<span class="k">def</span>' in html
    assert 'src="pic.svg"' in html and "<figcaption>The caption</figcaption>" in html
    assert 'href="other/"' in html
    assert "<style" not in html.split('<div class="md-content"', 1)[1]
    # its own previous/next links replace Material's footer on this page only
    assert 'class="md-footer__inner md-grid" aria-label="Footer" hidden' in html
    assert "md-footer__inner md-grid\" aria-label=\"Footer\" hidden" not in result.page("other/")


BAD = {
    "no argument": ("{% ahamoment %}", "ahamoment: no arguments given"),
    "too many": ('{% ahamoment "a", "b", "c" %}', "too many arguments"),
    "unterminated": ('{% ahamoment "oops %}\n\ntext', "unterminated string"),
    "list type": ('{% stylizedList "<li>a</li>", "dl" %}', "unknown list type 'dl'"),
    "missing figure": ('{% figure "gone.png", "alt", "cap" %}', "file 'gone.png' not found"),
    "unknown name": ('{% ahamomnet "a" %}', "unknown shortcode 'ahamomnet'"),
    "macro form": ('{{ stylizedList("<li>a</li>", "dl") }}', "unknown list type 'dl'"),
}


def test_invalid_front_matter_is_an_error_not_page_text(build):
    page = "---\ntitle: Fine\ndescription: What we covered: vectors\n---\n# Page\n"
    result = build({"index.md": "# Home\n", "bad.md": page})
    assert not result.ok and "Traceback" not in result.output
    assert re.search(r"docs/bad\.md:3: front matter is not valid YAML .*quotes", result.output), result.output


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_stops_the_build_with_file_and_line(build, case):
    snippet, message = BAD[case]
    page = "---\ntitle: Bad\n---\n# Bad\n\nSome text.\n\n" + snippet + "\n"
    result = build({"index.md": "# Home\n", "guide/bad.md": page})
    assert not result.ok
    assert "Traceback" not in result.output
    line = re.search(rf"docs/guide/bad\.md:(\d+): .*{re.escape(message)}", result.output)
    assert line, result.output
    assert int(line.group(1)) == 8  # the shortcode's line, counting the front matter
