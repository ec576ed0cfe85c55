"""The HTML of `{% widget "ask-site" %}` and its example questions, answered at build time.

The shortcode writes the element with a placeholder; the examples are filled in by `fill()`
in `on_env`. Why then: the examples retrieve over every section of the site, and those exist
only once every page is rendered (the search step splits the rendered HTML, as Material's
search index does, and embeds it in `on_env`). Computing sections from the Markdown sources
earlier would be a second splitter that could disagree with the locations the header search
and the browser use; patching the written HTML after `on_post_build` would bypass the page
template, the CSP hashes and the link checks. `on_env` runs after every page's content is
rendered and before any page is put in its template, so the page is finished like any other.

Each example is written in full with `<rag-qa>`'s renderer (rag/widget.py `example_html`):
the sections retrieved (links to them, relative to this page, so they work under a sub-path),
the prompt, SmolLM2's greedy answer from the build's answer cache, and the citation check,
whose lines link to the sections cited. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping

from mkdocs.utils import get_relative_url

from ..rag import pipeline
from ..rag.stage import Example
from ..rag.widget import _attr, _text, example_html
from ..shortcodes.context import PageContext

NOT_FOUND = "Not found on this site."
EXAMPLES = '<div class="fs-ask__pending" data-fs-ask-examples=""></div>'  # replaced by fill()
SIZES = '<p class="fs-ask__sizes" data-fs-ask-sizes=""></p>'  # replaced by fill()


def ask_site(ctx: PageContext | None) -> str:
    """The element and the placeholders `fill()` replaces once the site's sections exist."""
    return (
        '<div class="fs-widget-host" data-fs-widget="ask-site">\n'
        '<ask-site corpus="site-sections"><div class="fs-rag__static">'
        '<p class="fs-widget__fallback">The question box runs small AI models in your browser and needs '
        f"JavaScript. Here are its example questions, answered when this page was built.</p>{EXAMPLES}</div></ask-site>\n"
        f"{SIZES}\n</div>"
    )


def link(location: str, page_url: str) -> str:
    """A section's location (from the site root, as Material's search index writes it) as a
    URL relative to the page showing it."""
    path, _, anchor = location.partition("#")
    rel = get_relative_url(path or ".", page_url)
    if (not path or path.endswith("/")) and not rel.endswith("/"):
        rel += "/"  # a page's folder: "../", never ".."
    return rel + (f"#{anchor}" if anchor else "")


def _name(item: Mapping) -> str:
    """"Page › Section", or the page's title alone for its first section (which has the same)."""
    page = f'<span class="fs-ask__page">{_text(item["page"])}</span>'
    if item["title"] == item["page"]:
        return page
    return f'{page} › <span class="fs-rag__title">{_text(item["title"])}</span>'


def section_item(item: Mapping, ranked: pipeline.Ranked, page_url: str) -> str:
    """One retrieved section: the test contract's li[data-doc][data-section][data-score], a link to
    it. The list's own number is the source number the prompt and the answer use."""
    doc, _, anchor = item["location"].partition("#")
    return (
        f'<li class="fs-rag__passage fs-ask__section" data-doc="{_attr(doc)}" data-section="{_attr(anchor)}" '
        f'data-score="{ranked.score:.4f}" data-cosine="{ranked.cosine:.4f}" data-location="{_attr(item["location"])}">'
        f'<a class="fs-ask__link" href="{_attr(link(item["location"], page_url))}">'
        f"{_name(item)}</a> "
        f'<span class="fs-rag__score">score {ranked.score:.3f} · cosine {ranked.cosine:.2f}</span>'
        f'<details><summary>What the section says</summary><p class="fs-rag__text">{_text(item["text"])}</p></details></li>'
    )


def check_item(cite: str, allowed: set[str], cited: Mapping[str, Mapping], page_url: str) -> str:
    """One citation: a link to the section it names, or a warning that the prompt had no such source."""
    item = cited.get(cite)
    if cite not in allowed or item is None:
        return (f'<li data-cite="{_attr(cite)}" data-in-prompt="false">[{_text(cite)}] '
                "was NOT a source in the prompt: a made-up citation</li>")
    return (f'<li data-cite="{_attr(cite)}" data-in-prompt="true">[{_text(cite)}] '
            f'<a href="{_attr(link(item["location"], page_url))}">{_name(item)}</a></li>')


def examples_html(examples: list[Example], items: list[dict], settings: dict, answers, model_id: str,  # noqa: ANN001
                  page_url: str) -> str:
    out = []
    for example in examples:
        cited = {str(n): items[r.index] for n, r in enumerate(example.ranked, start=1)}
        out.append(example_html(
            example, items, settings, answers, model_id, not_found=NOT_FOUND, noun="section",
            item_html=lambda item, r: section_item(item, r, page_url),
            check_html=lambda c, allowed, cited=cited: check_item(c, allowed, cited, page_url)))
    return "".join(out)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{round(n / 1e3)} kB"


def download_sizes(runtime: Mapping, corpus: str) -> dict[str, int]:
    """Bytes the page may download, by part, from runtime.json (the files the browser fetches)."""
    files = runtime["files"]
    embedding = runtime["embedding"]
    generation = runtime.get("generation") or {}
    entry = runtime["corpora"][corpus]
    parts = {
        "embedding": [embedding["library"], embedding["wasm"]["mjs"], embedding["wasm"]["wasm"],
                      *embedding["model"]["files"].values()],
        "sections": [entry["manifest"], entry["vectors"]],
        "generation": ([generation["library"], generation["wasm"], generation["tokenizer"]["library"],
                        generation["tokenizer"]["file"], generation["model"]["model_file"]] if generation else []),
    }
    return {part: sum(files[name]["bytes"] for name in names) for part, names in parts.items()}


def sizes_html(sizes: Mapping[str, int], sections: int) -> str:
    attrs = " ".join(f'data-{k}-bytes="{v}"' for k, v in sizes.items())
    return (
        f'<p class="fs-ask__sizes" {attrs} data-sections="{sections}">What this box downloads, from this site and '
        f"only when you use it: the embedding model and its runtime ({_mb(sizes['embedding'])}) and the vectors of "
        f"the site's {sections} sections ({_mb(sizes['sections'])}) on your first question; the language model, "
        f"its tokenizer and its runtime ({_mb(sizes['generation'])}) only when you press the button that loads it. "
        "Your browser keeps them for your next visit.</p>"
    )
