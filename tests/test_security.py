"""What an author's text or a package's files can make the site do: no markup injected through
front matter or config, no script: links, no file from outside docs/ or a package published,
and a Content-Security-Policy on every page whose hashes match that page's inline scripts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT
from fromscratch import assets, csp
from fromscratch.errors import ShortcodeError
from fromscratch.shortcodes import render
from fromscratch.shortcodes.context import PageContext
from fromscratch.shortcodes.urls import check_link, check_local
from mkdocs.exceptions import PluginError

PAYLOAD = '1"><img src=x onerror=alert(1)>'

# ---- templates ------------------------------------------------------------------

_PRINT = re.compile(r"{{(.*?)}}", re.S)
_SAFE = (
    re.compile(r"\s*super\(\)\s*"),  # the parent block: Material's own template
    re.compile(r"""\s*(['"])[^'"]*\1\s*\|\s*url\s*"""),  # a fixed path made relative
)


def test_every_value_an_override_template_prints_is_escaped():
    """MkDocs renders theme templates without autoescape, so each {{ }} must escape itself."""
    unescaped = []
    for path in sorted((ROOT / "overrides").rglob("*.html")):
        for expr in _PRINT.findall(path.read_text(encoding="utf-8")):
            if any(p.fullmatch(expr) for p in _SAFE):
                continue
            if not re.search(r"\|\s*(e|escape)\s*$", expr):
                unescaped.append(f"{path.relative_to(ROOT)}: {{{{{expr}}}}}")
    assert unescaped == [], "print these with `| e`"


# ---- URLs in shortcodes ---------------------------------------------------------

SCRIPT_URLS = ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "java\nscript:x",
               "data:text/html,<script>alert(1)</script>", "vbscript:x", "\x01javascript:x"]


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_contentfooter_refuses_script_links(url: str):
    with pytest.raises(ShortcodeError, match="contentfooter: .*scheme|contentfooter: .*control"):
        render.contentfooter(url, "/ok/")
    with pytest.raises(ShortcodeError, match="contentfooter: "):
        render.contentfooter("/ok/", url)


@pytest.mark.parametrize("url", ["//evil.example/x", "/\\evil.example/x", "\\\\evil.example"])
def test_contentfooter_refuses_other_hosts_without_a_scheme(url: str):
    with pytest.raises(ShortcodeError, match="contentfooter: "):
        render.contentfooter(url)


@pytest.mark.parametrize("url", ["/content/ch1-rag/overview/", "../vectors/", "vectors.md#cosine",
                                 "#top", "https://example.org/a?b=1", "HTTP://example.org/"])
def test_contentfooter_keeps_web_links_and_paths(url: str):
    assert check_link(url, "contentfooter") == url
    assert f'href="{url}"' in render.contentfooter(url)


@pytest.mark.parametrize("src", ["javascript:alert(1)", "data:image/svg+xml,<svg/>", "blob:x", "//evil.example/a.png"])
def test_figure_refuses_schemes_and_hosts(tmp_path: Path, src: str):
    ctx = PageContext("index.md", tmp_path)
    with pytest.raises(ShortcodeError, match="figure: "):
        render.figure(src, "alt", "", ctx=ctx)
    with pytest.raises(ShortcodeError):
        check_local(src, "figure")


def test_a_script_link_stops_the_build_with_file_and_line(build):
    page = "# Bad\n\nText.\n\n{% contentfooter \"/index/\", \"javascript:alert(document.cookie)\" %}\n"
    result = build({"index.md": "# Home\n", "guide/bad.md": page})
    assert not result.ok and "Traceback" not in result.output
    assert re.search(r"docs/guide/bad\.md:5: contentfooter: 'javascript:alert\(document\.cookie\)' uses "
                     r"the javascript: scheme", result.output), result.output


# ---- files from outside docs/ or outside a package --------------------------------


def test_snippets_cannot_include_files_outside_docs(build):
    page = "# Leak\n\nText.\n\n--8<-- \"mkdocs.yml\"\n"
    result = build({"index.md": "# Home\n", "leak.md": page})
    assert not result.ok, "a snippet from outside docs/ was included"
    assert "Traceback" not in result.output
    assert re.search(r"docs/leak\.md:5: snippet 'mkdocs\.yml' not found under docs/", result.output), result.output


def test_snippets_from_docs_still_work(build):
    result = build({"index.md": "# Home\n\n--8<-- \"snippets/note.md\"\n", "snippets/note.md": "Shared *note*.\n"})
    assert result.ok, result.output
    assert "Shared <em>note</em>." in result.page("")


def _fake_package(node_modules: Path, css: str) -> Path:
    pkg = node_modules / "@fontsource" / "inter"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": "@fontsource/inter"}))
    (pkg / "files").mkdir()
    (pkg / "files" / "a.woff2").write_bytes(b"font")
    (pkg / "latin-400.css").write_text(css)
    return pkg


@pytest.mark.parametrize("ref", ["/etc/hostname", "../../../secret.txt", "files/../../../secret.txt"])
def test_vendor_stylesheet_cannot_pull_in_files_outside_its_package(tmp_path: Path, monkeypatch, ref: str):
    (tmp_path / "secret.txt").write_text("secret")
    node_modules = tmp_path / "node_modules"
    _fake_package(node_modules, f"@font-face{{src:url(files/a.woff2)}} x{{background:url({ref})}}")
    monkeypatch.setattr(assets, "PACKAGES", (assets.Package("@fontsource/inter", "inter", ("latin-400.css",)),))
    with pytest.raises(PluginError, match=r"@fontsource/inter: latin-400.css refers to .* outside the package"):
        assets.vendor_files(node_modules)


def test_vendor_stylesheet_symlink_out_of_the_package_is_refused(tmp_path: Path, monkeypatch):
    (tmp_path / "secret.txt").write_text("secret")
    pkg = _fake_package(tmp_path / "node_modules", "x{background:url(files/link.png)}")
    (pkg / "files" / "link.png").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(assets, "PACKAGES", (assets.Package("@fontsource/inter", "inter", ("latin-400.css",)),))
    with pytest.raises(PluginError, match="outside the package"):
        assets.vendor_files(tmp_path / "node_modules")


def test_vendor_stylesheet_files_inside_the_package_are_served(tmp_path: Path, monkeypatch):
    node_modules = tmp_path / "node_modules"
    _fake_package(node_modules, "@font-face{src:url(./files/a.woff2) format('woff2')}")
    monkeypatch.setattr(assets, "PACKAGES", (assets.Package("@fontsource/inter", "inter", ("latin-400.css",)),))
    monkeypatch.setattr(assets, "ROOT_FILES", {})  # the service worker is another package, tested elsewhere
    staged = assets.vendor_files(node_modules)
    assert sorted(staged) == ["assets/vendor/inter/files/a.woff2", "assets/vendor/inter/latin-400.css"]


# ---- Content-Security-Policy ------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script>var a = 1;\r\n</script>
<script id="__config" type="application/json">{"x": 1}</script>
<script type="module">import "./m.js";</script>
<script type="importmap">{"imports": {}}</script>
<script src="x.js"></script>
</head><body><script>
  b()</script></body></html>"""


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_hashes_each_inline_script_that_runs_and_nothing_else():
    assert csp.inline_scripts(PAGE) == ["var a = 1;\r\n", 'import "./m.js";', '{"imports": {}}', "\n  b()"]
    out = csp.add_meta(PAGE)
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', out).group(1)
    script_src = next(d for d in meta.split("; ") if d.startswith("script-src "))
    hashes = set(re.findall(r"'sha256-[^']+'", script_src))
    # the browser hashes the text after turning CRLF into LF
    assert hashes == {_sha("var a = 1;\n"), _sha('import "./m.js";'), _sha('{"imports": {}}'), _sha("\n  b()")}
    # it comes right after <meta charset>, before any script, so it covers all of them
    assert out.index("Content-Security-Policy") < out.index("<script")
    assert out.startswith('<!doctype html><html><head><meta charset="utf-8"><meta http-equiv=')


def _directives(page_html: str) -> dict[str, str]:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page_html).group(1)
    return dict(d.split(" ", 1) for d in meta.split("; "))


def test_csp_policy_is_strict_where_it_matters():
    directives = _directives(csp.add_meta(PAGE))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-eval'" not in csp.policy() and "'unsafe-inline'" not in directives["script-src"]
    assert directives["style-src"] == "'self'"  # no inline style on this page: none allowed
    assert directives["object-src"] == "'none'"
    assert not any("http" in value or "*" in value for value in directives.values())


def test_csp_allows_a_pages_own_inline_styles_by_hash_and_mermaid_by_unsafe_inline():
    styled = PAGE.replace("</body>", '<style>\n.x{color:red}</style><span style="color: &quot;red&quot;">x</span></body>')
    style_src = _directives(csp.add_meta(styled))["style-src"].split()
    assert style_src[:2] == ["'self'", "'unsafe-hashes'"]
    assert set(style_src[2:]) == {_sha("\n.x{color:red}"), _sha('color: "red"')}
    mermaid = PAGE.replace("</body>", '<pre class="mermaid"><code>graph LR; a-->b</code></pre></body>')
    assert _directives(csp.add_meta(mermaid))["style-src"] == "'self' 'unsafe-inline'"


def test_csp_in_serve_allows_the_live_reload_script():
    script_src = _directives(csp.add_meta(PAGE, serve=True))["script-src"]
    assert "'unsafe-inline'" in script_src and "sha256" not in script_src


def test_csp_on_every_built_page_with_matching_hashes(built_site):
    pages = sorted(built_site.site.rglob("*.html"))
    assert len(pages) > 5
    for path in pages:
        text = path.read_text(encoding="utf-8")
        metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
        assert len(metas) == 1, f"{path}: {len(metas)} CSP meta tags"
        policy = metas[0]
        head = text.split("</head>")[0]
        assert head.index("Content-Security-Policy") < head.find("<script") or "<script" not in head
        script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
        for body in csp.inline_scripts(text):
            assert _sha(body.replace("\r\n", "\n")) in script_src, f"{path}: an inline script has no hash"


def test_front_matter_and_config_cannot_inject_markup(build):
    # chapter: our badge; title, description, author: Material prints them unescaped
    page = (f"---\nchapter: '{PAYLOAD}'\ntitle: 'T{PAYLOAD}'\ndescription: 'D{PAYLOAD}'\n"
            f"author: 'A{PAYLOAD}'\n---\n# Injected\n\nText.\n")

    def hostile(config: str) -> str:
        return re.sub(r"(?m)^repo_name: .*$", f"repo_name: '{PAYLOAD.replace('1', '2')}'", config)

    result = build({"index.md": "# Home\n", "inj.md": page}, config_edit=hostile)
    assert result.ok, result.output
    html = result.page("inj/")
    assert "<img src=x" not in html
    assert "Chapter 1&#34;&gt;&lt;img" in html or "Chapter 1&quot;&gt;&lt;img" in html
    assert "2&#34;&gt;&lt;img" in html or "2&quot;&gt;&lt;img" in html
    assert re.search(r'<meta name="description" content="D1&(#34|quot);&gt;&lt;img', html)
    assert re.search(r'<meta name="author" content="A1&(#34|quot);&gt;&lt;img', html)
    assert re.search(r"<title>T1&(#34|quot);&gt;&lt;img", html)
    # the nav shows the title as text, as the reader would read it in the front matter
    assert "<img src=x" not in result.page("")


def test_csp_relaxes_inline_scripts_only_for_mkdocs_serve():
    hook = csp.ContentSecurityPolicy()
    assert "'unsafe-inline'" not in _directives(hook.on_post_page(PAGE))["script-src"]
    hook = csp.ContentSecurityPolicy(serve=True)
    assert "'unsafe-inline'" in _directives(hook.on_post_page(PAGE))["script-src"]


def test_a_build_knows_it_is_served_only_in_mkdocs_serve_folders(tmp_path):
    """`mkdocs serve` builds into a fresh tempfile.mkdtemp(prefix="mkdocs_"); after its first
    build it calls on_serve. Any other site folder is a plain build."""
    import tempfile
    from types import SimpleNamespace

    from fromscratch import serving

    config_file = tmp_path / "mkdocs.yml"
    plain = SimpleNamespace(config_file_path=str(config_file), site_dir=str(tmp_path / "site"))
    assert not serving.is_serving(plain)
    served_dir = tempfile.mkdtemp(prefix="mkdocs_")
    try:
        assert serving.is_serving(SimpleNamespace(config_file_path=str(config_file), site_dir=served_dir))
    finally:
        Path(served_dir).rmdir()
    serving.mark_served(plain)
    assert serving.is_serving(plain)
