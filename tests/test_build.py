"""Whole-site builds: the real site, the verbatim seed page, a sub-path deployment."""

from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, make_project, run_mkdocs_build
from sitecheck import DEPLOYED_AT, broken_internal_links, foreign_resources

# The landing page exactly as the user gave it (Eleventy front matter, mis-encoded characters).
SEED = Path(__file__).parent / "fixtures" / "seed"
SEED_URLS = [
    "",
    "Local-AI/",
    "content/ch0-fundamentals/overview/",
    "content/ch1-rag/overview/",
    "content/ch2-text-classification/overview/",
]


def test_site_builds_strict_with_the_seed_urls(built_site):
    """Each seed URL serves the page written for it: its own heading, its own canonical URL."""
    assert "WARNING" not in built_site.output  # --strict: a warning would have failed it anyway
    seen = set()
    for url in SEED_URLS:
        source = "index.md" if not url else f"{url.rstrip('/')}.md"
        if not (ROOT / "docs" / source).is_file():
            source = f"{url}index.md"
        heading = re.search(r"^# (.+)$", (ROOT / "docs" / source).read_text(encoding="utf-8"), re.M)[1]
        html = built_site.page(url)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert h1 is not None, url
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<a class=\"headerlink\".*?</a>", "", h1[1])))
        assert text.strip() == heading.strip(), url
        assert f'<link rel="canonical" href="https://learning-llms.github.io/learning-llms-from-scratch/{url}">' in html
        seen.add(heading)
    assert len(seen) == len(SEED_URLS)  # five URLs, five different pages


def test_landing_page_keeps_the_seed_text_and_shortcodes(built_site):
    html = built_site.page("")
    assert "Understanding AI, One Concept at a Time" in html
    assert "why they work—and when they won't" in html  # encoding repaired
    assert html.count('<ul class="stylized-list">') == 2
    assert '<aside class="aha-card"' in html
    # the seed's root-absolute links, made relative to the landing page
    assert "href='content/ch1-rag/overview/'" in html
    assert 'href="content/ch0-fundamentals/overview/"' in html
    assert 'href="Local-AI/"' in html


def test_material_features_are_on(built_site):
    html = built_site.page("content/ch0-fundamentals/overview/")
    assert 'data-md-component="sidebar" data-md-type="navigation"' in html
    assert 'data-md-component="sidebar" data-md-type="toc"' in html
    assert "md-footer__link--next" in html  # previous/next footer
    assert '"content.code.copy"' in html
    assert 'data-md-color-scheme="slate"' in html  # dark palette toggle
    assert built_site.site.joinpath("search/search_index.json").is_file()


def test_chapter_badge_from_front_matter(built_site):
    html = built_site.page("content/ch1-rag/overview/")
    assert re.search(r'class="chapter-badge"[^>]*>.*?chapter-badge__number">1<', html, re.S)
    assert "chapter-badge" not in built_site.page("Local-AI/")


def test_fonts_and_scripts_are_self_hosted(built_site):
    html = built_site.page("")
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    assert "assets/vendor/inter/latin-400.css" in html
    woff2 = list((built_site.site / "assets/vendor/inter/files").glob("*.woff2"))
    assert woff2, "Inter font files are staged into the site"
    assert foreign_resources(built_site.site, "https://learning-llms.github.io") == []


def test_repository_link_does_not_call_the_github_api(built_site):
    # Material's "source" component fetches stars and forks from api.github.com.
    html = built_site.page("")
    assert 'class="md-source"' in html
    assert 'data-md-component="source"' not in html


def test_every_internal_link_and_anchor_resolves(built_site):
    assert broken_internal_links(built_site.site, DEPLOYED_AT) == []


MATH_AND_DIAGRAM = """# Math

Inline $a \\cdot b$ and a diagram:

```mermaid
graph LR
  A --> B
```
"""


def test_katex_and_mermaid_are_loaded_from_the_site_only_where_used(build):
    result = build({"index.md": MATH_AND_DIAGRAM, "plain.md": "# Plain\n"})
    assert result.ok, result.output
    html = result.page("")
    assert 'src="assets/vendor/mermaid/dist/mermaid.min.js"' in html
    assert 'src="assets/vendor/katex/dist/katex.min.js"' in html
    assert '<pre class="mermaid">' in html
    plain = result.page("plain/")
    assert "mermaid.min.js" not in plain and "katex.min.js" not in plain
    assert (result.site / "assets/vendor/katex/dist/fonts").is_dir()
    assert foreign_resources(result.site, "https://learning-llms.github.io") == []


def test_verbatim_seed_builds_unchanged(tmp_path, built_site):
    project = make_project(tmp_path, copy_docs=True, cache_from=built_site.project)
    shutil.copy(SEED / "index.verbatim.md", project / "docs" / "index.md")
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    html = result.page("")
    assert html.count('<ul class="stylized-list">') == 2
    assert '<aside class="aha-card"' in html and "AHA! Moment" in html
    assert "layout" not in re.sub(r"<[^>]+>", "", html.split("md-content", 1)[1])[:200]


def test_sub_path_deployment_keeps_every_link_inside(tmp_path, built_site):
    def under_project_path(config: str) -> str:
        return re.sub(r"^site_url: .*$", "site_url: https://user.github.io/learning-llms/", config, flags=re.M)

    project = make_project(tmp_path, copy_docs=True, config_edit=under_project_path,
                           cache_from=built_site.project)
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    assert broken_internal_links(result.site, "/learning-llms/") == []
    assert foreign_resources(result.site, "https://user.github.io") == []


def test_link_to_a_missing_page_fails_strict_naming_the_page(build):
    page = "# Home\n\nSee [the chapter](/content/ch9/overview/) and <a href='/nowhere/'>this</a>.\n"
    result = build({"index.md": page})
    assert not result.ok
    assert "docs/index.md:3: link to '/content/ch9/overview/' points to no page" in result.output
    assert "link to '/nowhere/'" in result.output
    assert "Traceback" not in result.output


def test_root_absolute_anchor_must_exist(build):
    docs = {"index.md": "# Home\n\n[ok](/other/#real) [bad](/other/#missing)\n", "other.md": "# Other\n\n## Real\n"}
    result = build(docs)
    assert not result.ok
    assert "#missing" in result.output and "#real" not in result.output.replace("#real)", "")


@pytest.mark.parametrize("option", ["check_links: maybe", "no_such_option: 1"])
def test_bad_plugin_option_is_a_config_error(tmp_path, option):
    def edit(config: str) -> str:
        edited = config.replace("  - fromscratch:\n", f"  - fromscratch:\n      {option}\n", 1)
        assert edited != config
        return edited

    result = run_mkdocs_build(make_project(tmp_path, {"index.md": "# x\n"}, config_edit=edit))
    assert not result.ok
    assert "fromscratch" in result.output and "Traceback" not in result.output
