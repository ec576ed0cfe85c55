"""The `widget` shortcode: `{% widget "semantic-search", corpus="pets" %}` or `{{ widget(...) }}`.

It only writes the custom element; the scripts that bring it to life are added
to the page by overrides/main.html when the page holds a widget, so pages
without widgets load none of them.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..errors import ShortcodeError
from ..shortcodes.context import GENERATION, WIDGET, PageContext
from ..shortcodes.registry import register

# widget name -> default corpus (None: the widget takes no corpus)
WIDGETS: dict[str, str | None] = {
    "similarity-playground": None,
    "semantic-search": "pets",
    "embedding-map": "words",
    "train-classifier": None,
    "chunking-lab": None,  # reads the measurements table the page embeds (the chunking notebook's lab-data cell)
    "text-generator": None,  # the language model of runtime.generator (see generation.py)
}

# widgets that run the language model: their pages reload once, on a first visit, to become
# cross-origin isolated (two threads instead of one; see assets/javascripts/isolation.js)
GENERATING = frozenset({"text-generator", "rag-qa", "ask-site"})

# widgets that read a classifier head trained at build time -> default head (runtime/classifier.py)
CLASSIFIER_WIDGETS: dict[str, str] = {"spam-filter": "spam", "threshold-explorer": "spam"}

# widgets whose HTML the build writes itself, examples answered at build time (rag/widget.py,
# ask/widget.py)
BUILT_WIDGETS = ("rag-qa", "ask-site")

# widgets that run no model in the page: they show what the build measured (their no-JavaScript text says so)
NO_MODEL = frozenset({"chunking-lab", "threshold-explorer"})

DEFAULT_CORPORA = "data/corpora"  # relative to docs_dir, when a page has no build (unit tests)


def _corpora_dir(ctx: PageContext | None) -> str:
    build = getattr(ctx, "build", None)
    return build.corpora_dir if build is not None else DEFAULT_CORPORA


def available_corpora(docs_dir: Path, corpora_dir: str = DEFAULT_CORPORA) -> list[str]:
    folder = docs_dir / corpora_dir
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def widget(name: str, corpus: str = "", classifier: str = "", ctx: PageContext | None = None) -> str:
    """A live widget that runs the embedding model in the reader's browser."""
    if ctx is not None:
        ctx.features.add(WIDGET)  # main.html loads the widget scripts only on such pages
        if name in GENERATING:
            ctx.features.add(GENERATION)
    if name in CLASSIFIER_WIDGETS:
        built = getattr(getattr(ctx, "build", None), "classifiers", [])
        return _classifier_widget(name, corpus, classifier, built)
    if name in BUILT_WIDGETS:
        if corpus or classifier:
            raise ShortcodeError(f"widget: {name} takes no corpus or classifier; mkdocs.yml configures it")
        if name == "ask-site":
            from ..ask.widget import ask_site

            return ask_site(ctx)
        from ..rag.widget import rag_qa

        return rag_qa(ctx)
    if name not in WIDGETS:
        known = sorted([*WIDGETS, *CLASSIFIER_WIDGETS, *BUILT_WIDGETS])
        raise ShortcodeError(f"widget: unknown widget {name!r}; known widgets: {', '.join(known)}")
    if classifier:
        raise ShortcodeError(f"widget: {name} takes no classifier (got classifier={classifier!r})")
    default = WIDGETS[name]
    if default is None and corpus:
        raise ShortcodeError(f"widget: {name} takes no corpus (got corpus={corpus!r})")
    corpus = corpus or (default or "")
    if corpus and ctx is not None:
        folder = _corpora_dir(ctx)
        known = available_corpora(ctx.docs_dir, folder)
        if corpus not in known:
            raise ShortcodeError(
                f"widget: unknown corpus {corpus!r} (looked for docs/{folder}/{corpus}.json); "
                f"known corpora: {', '.join(known) or 'none'}"
            )
    attr = f' corpus="{html.escape(corpus)}"' if corpus else ""
    return _element(name, attr)


def _classifier_widget(name: str, corpus: str, classifier: str, built: list[str]) -> str:
    """`built`: the heads this build trained and staged (build.classifiers)."""
    if corpus:
        raise ShortcodeError(f"widget: {name} takes no corpus (got corpus={corpus!r}); it reads a classifier")
    classifier = classifier or CLASSIFIER_WIDGETS[name]
    if classifier not in built:
        raise ShortcodeError(
            f"widget: unknown classifier {classifier!r} (configure it under runtime.classifiers in mkdocs.yml "
            f"and make sure its loader exists); built classifiers: {', '.join(built) or 'none'}"
        )
    return _element(name, f' classifier="{html.escape(classifier)}"')


def _element(name: str, attr: str) -> str:
    does = (
        "shows results measured when the site was built"
        if name in NO_MODEL
        else "runs a small AI model in your browser"
    )
    return (
        f'<div class="fs-widget-host" data-fs-widget="{name}">\n'
        f'<{name}{attr}><p class="fs-widget__fallback">This interactive example {does} '
        f"and needs JavaScript.</p></{name}>\n"
        "</div>"
    )


register("widget", widget, needs_page=True)
