"""links.rewrite: root-absolute and notebook links made relative to the page, misses reported."""

from __future__ import annotations

from fromscratch import links
from mkdocs.structure.files import File, Files


def _files(*paths: str) -> Files:
    return Files([File(p, "/docs", "/site", use_directory_urls=True) for p in paths])


FILES = _files("index.md", "content/ch1/overview.md", "content/ch0/vectors.md", "img/a.png")
# mkdocs-jupyter turns a notebook into a page at the URL its path gives
FILES.append(File("content/ch0/nb.ipynb", "/docs", "/site", True, dest_uri="content/ch0/nb/index.html"))


def test_root_absolute_links_become_relative_with_or_without_slash():
    html = '<a href="/content/ch1/overview">x</a> <a href=\'/content/ch1/overview/#top\'>y</a> <img src="/img/a.png">'
    out, found = links.rewrite(html, "content/ch0/vectors/", FILES)
    assert '<a href="../../ch1/overview/">x</a>' in out
    assert "<a href='../../ch1/overview/#top'>y</a>" in out
    assert '<img src="../../../img/a.png">' in out
    assert [link.fragment for link in found] == ["", "top", ""]


def test_site_root_link_from_a_nested_page():
    out, _ = links.rewrite('<a href="/">home</a>', "content/ch0/vectors/", FILES)
    assert '<a href="../../../">home</a>' in out


def test_missing_targets_are_reported_and_left_alone():
    out, found = links.rewrite('<a href="/content/ch9/">x</a>', "", FILES)
    assert out == '<a href="/content/ch9/">x</a>'
    assert found[0].target is None


def test_other_links_are_untouched():
    html = '<a href="https://example.org/">e</a><a href="#x">x</a><a href="//cdn.example/x.js">c</a>'
    out, found = links.rewrite(html, "content/ch0/vectors/", FILES)
    assert out == html and found == []


def test_notebook_page_links_to_markdown_files_are_resolved():
    html = '<a href="vectors.md#length">v</a> <a href="nb.ipynb">n</a> <a href="gone.md">g</a>'
    out, found = links.rewrite(html, "content/ch0/nb/", FILES, src_uri="content/ch0/nb.ipynb")
    assert '<a href="../vectors/#length">v</a>' in out
    assert '<a href="./">n</a>' in out
    assert [link.target is None for link in found] == [False, False, True]
    # without src_uri (a Markdown page: MkDocs already did this) they are left alone
    untouched, _ = links.rewrite(html, "content/ch0/nb/", FILES)
    assert untouched == html


def test_line_in_source_finds_the_link():
    src = "# t\n\ntext\nsee [x](/content/ch9)\n"
    assert links.line_in_source(src, "/content/ch9/") == 4


def test_links_shown_as_code_are_left_as_written():
    # `<a href="/content/ch1/overview/">` in inline code and in a code block is code the page
    # shows: rewriting it would change what the reader copies.
    html = (
        '<p>Write <code>&lt;a href="/content/ch1/overview/"&gt;</code> or '
        '<a href="/content/ch1/overview/">this</a>.</p>'
        '<pre class="highlight"><code><span>img src="/img/a.png"</span></code></pre>'
    )
    out, found = links.rewrite(html, "content/ch0/vectors/", FILES)
    assert '<code>&lt;a href="/content/ch1/overview/"&gt;</code>' in out
    assert '<span>img src="/img/a.png"</span>' in out
    assert '<a href="../../ch1/overview/">this</a>' in out
    assert [link.url for link in found] == ["/content/ch1/overview/"]


def test_a_near_miss_gets_the_nearest_page():
    assert links.nearest_page("/content/ch0/vector/", FILES) == "/content/ch0/vectors/"
    assert links.nearest_page("/content/ch0/vector#top", FILES) == "/content/ch0/vectors/"
    assert links.nearest_page("/img/b.png", FILES) == "/img/a.png"
    assert links.nearest_page("/something/else/entirely/", FILES) is None


def test_anchor_ids_are_every_id_and_name_a_start_tag_carries():
    from fromscratch.links import anchor_ids

    html = """<h2 id="cosine-similarity">Cosine</h2><a name='old-anchor'></a><div class="x" id=bare-id>
    <p data-id="not-an-id">id="in text" &lt;span id="escaped"&gt;</p><span id="a&amp;b"></span><i id="">"""
    assert anchor_ids(html) == {"cosine-similarity", "old-anchor", "bare-id", "a&b"}


def test_a_link_to_an_anchor_the_page_lacks_is_named(tmp_path):
    from conftest import make_project, run_mkdocs_build

    project = make_project(tmp_path, {
        # root-absolute links are rewritten by the plugin (MkDocs checks the anchors of the others)
        "index.md": "# Home\n\n[fine](/other/#second-part) and [broken](/other/#no-such-part)\n",
        "other.md": "# Other\n\n## Second part\n\nText.\n",
    })
    result = run_mkdocs_build(project)
    assert "docs/index.md: link '/other/#no-such-part' names anchor #no-such-part, which that page does not have" in result.output
    assert "#second-part" not in result.output
