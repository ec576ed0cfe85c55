"""The site's own sections as one corpus, `site-sections`, for search by meaning.

Every page is split into the sections Material's search index holds (sections.py), each
section is embedded with the very ONNX file the browser runs (runtime/embed.py), and the
result goes through the site's corpus machinery (runtime/corpus.py) as one corpus, staged at
content-hashed URLs and listed in `assets/runtime/runtime.json` under "corpora", like every
widget corpus. The header search (overrides/assets/javascripts/search-meaning.js) and the
"Ask this site" page read it.

Format (read from JavaScript with runtime.js `loadCorpus("site-sections")`, which returns
float32 rows, and from Python with `corpus.read_int8`):

    runtime.json "corpora"["site-sections"] =
        {"manifest": "corpus/site-sections.json", "vectors": "corpus/site-sections.i8",
         "model_sha256": <sha256 of the ONNX file>}
    manifest (JSON): {"format", "name": "site-sections", "title", "model_sha256", "dims": 384,
        "count": N, "dtype": "int8", "vectors": "site-sections.i8", "scales": [N numbers],
        "embed": <what was embedded, in words>,
        "items": [{"location": "content/ch0-fundamentals/vectors/#cosine-similarity",
                   "title": <section heading>, "page": <page title>, "text": <plain text>}, ...]}
        (a section with nothing but its heading, or only code, has its heading as "text")
    vectors: N x 384 signed bytes, row-major; row i is int8[i] * scales[i], unit length to
        within rounding. Items are in site order (nav order, then page order).

`location` is exactly Material's (`search/search_index.json`): relative to the site root, so
`new URL(location, siteRoot)` is the section under any deployment sub-path.

When: sections come from rendered HTML, so this runs in `on_env`, after MkDocs has rendered
every page and before it writes static files; runtime.json is written once, already listing
the corpus. Caching: each page's sections are cached by its HTML, and their vectors by the
texts embedded and every model file, so a warm build parses and embeds nothing and a `make
serve` reload after editing one page embeds only that page's sections.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from ..cache import Cache
from ..runtime import corpus, fetch, stage
from . import sections

log = logging.getLogger("mkdocs.plugins.fromscratch.search")

CORPUS = "site-sections"
MAX_WORDS = 60  # of a section's text embedded, after its headings: measured best (benchmarks/site_search.py)
FORMAT = 1  # bump when what is cached per page changes
EMBED_NOTE = f"page title: section title. first {MAX_WORDS} words of the section's text"


@dataclass
class SectionsBuild:
    items: list[dict]
    embedded: int  # sections embedded by this build (0 when warm)
    staged: list[stage.Staged]
    entry: dict  # runtime.json "corpora" entry
    seconds: float


@cache
def _code_key() -> str:
    """Changes to the splitting code mean new sections: part of every page's key."""
    here = Path(__file__).parent
    code = (here / "sections.py").read_bytes() + (here / "stage.py").read_bytes()
    return hashlib.sha256(code).hexdigest()


def _page_key(content: str, url: str, title: str, meta: Mapping, toc: object) -> str:
    ids = [(t.id, t.url) for t in _walk(toc)]
    payload = json.dumps({"format": FORMAT, "code": _code_key(), "url": url, "title": title,
                          "search": meta.get("search"), "meta_title": meta.get("title"), "toc": ids},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode() + b"\0" + content.encode()).hexdigest()[:24]


def _walk(toc: object):  # noqa: ANN202
    for item in toc or []:
        yield item
        yield from _walk(item.children)


def page_sections(files: Files, cache: Cache) -> list[list[sections.Section]]:
    """Every page's sections in site order; from the cache for pages whose HTML is unchanged.

    A page MkDocs did not render in this build (`--dirty`) keeps the sections of its last
    render, found through `site-sections/latest.json`."""
    latest = cache.read("corpora", f"{CORPUS}/latest.json", json.loads) or {}
    found: list[list[sections.Section]] = []
    now: dict[str, str] = {}
    for file in files.documentation_pages():
        page = file.page
        if page is None:
            continue
        if page.content is None:  # not rendered by this build
            key = latest.get(file.src_uri)
            cached = _read_sections(cache, key) if key else None
            if cached is not None:
                found.append(cached)
                now[file.src_uri] = key
            continue
        key = _page_key(page.content, page.url, page.title or "", page.meta, page.toc)
        cached = _read_sections(cache, key)
        if cached is None:
            cached = sections.split(page.content, page.url, page.toc, page.meta, page.title)
            cache.write("corpora", f"{CORPUS}/pages/{key}.json",
                        json.dumps([s.as_item() for s in cached], ensure_ascii=False))
        found.append(cached)
        now[file.src_uri] = key
    cache.write("corpora", f"{CORPUS}/latest.json", json.dumps(now, indent=0))
    return found


def _read_sections(cache: Cache, key: str) -> list[sections.Section] | None:
    def parse(data: bytes) -> list[sections.Section]:
        return [sections.Section(**{k: str(i[k]) for k in ("location", "title", "page", "text")})
                for i in json.loads(data)]

    return cache.read("corpora", f"{CORPUS}/pages/{key}.json", parse)


def _vectors(groups: list[list[str]], model_key: str, dims: int, cache: Cache,
             embed: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, int]:
    """Vectors for each page's texts (one group per page), cached per page by its texts and the
    model: (all vectors in order, how many texts this call embedded)."""
    keys = [hashlib.sha256(json.dumps([model_key, g]).encode()).hexdigest()[:24] for g in groups]
    found: list[np.ndarray | None] = []
    for key, group in zip(keys, groups, strict=True):
        def parse(data: bytes, n: int = len(group)) -> np.ndarray:
            v = np.frombuffer(data, dtype="<f4").reshape(n, dims)  # raises on a wrong size
            if not np.isfinite(v).all():
                raise ValueError("not finite")
            return v

        found.append(cache.read("corpora", f"{CORPUS}/vectors/{key}.f32", parse))
    missing = [i for i, v in enumerate(found) if v is None]
    texts = [t for i in missing for t in groups[i]]
    if texts:
        fresh = np.asarray(embed(texts), dtype="<f4")
        at = 0
        for i in missing:
            found[i] = fresh[at:at + len(groups[i])]
            at += len(groups[i])
            cache.write("corpora", f"{CORPUS}/vectors/{keys[i]}.f32", found[i].tobytes())
    rows = [v for v in found if v is not None and len(v)]
    return (np.concatenate(rows) if rows else np.zeros((0, dims), np.float32)), len(texts)


def build_sections(files: Files, root: Path, cache: Cache, options: Mapping,
                   embed: Callable[[list[str]], np.ndarray]) -> SectionsBuild | None:
    """Split, embed and stage the site's sections; None when the site has no pages."""
    started = time.perf_counter()
    model = options["model"]
    hashes = fetch.verify(fetch.model_dir(root, options), model["files"])
    groups = page_sections(files, cache)
    if not any(groups):
        return None
    model_key = corpus.cache_key(b"", hashes, model["dims"])  # every model file and the pooling code
    vectors, embedded = _vectors([[sections.embed_text(s, MAX_WORDS) for s in g] for g in groups],
                                 model_key, model["dims"], cache, embed)
    # a section holding only its heading (and code) has the heading as text: corpora need text
    items = [{**s.as_item(), "text": s.text or s.title or s.page} for g in groups for s in g]
    raw = json.dumps({"title": "This site's sections", "items": items}, ensure_ascii=False).encode()
    try:  # the corpus machinery: manifest, checks; its own cache entry is keyed by the items
        built = corpus.build(root / f"{CORPUS}.json", hashes, model["dims"],
                             cache.root / "corpora" if cache.enabled else None,
                             lambda _texts: vectors, model["onnx"], raw=raw)
    except corpus.CorpusError as exc:
        raise PluginError(f"search: {exc}") from None
    for entry in built.entries:
        cache.use(entry)
    small = corpus.to_int8(built)
    manifest = json.loads(small.manifest)
    manifest["embed"] = EMBED_NOTE
    blob = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    folder = f"{stage.CORPORA_ROOT}/{CORPUS}"
    staged = [stage.generated(f"corpus/{CORPUS}.json", folder, blob),
              stage.generated(f"corpus/{CORPUS}.i8", folder, small.vectors)]
    entry = {"manifest": f"corpus/{CORPUS}.json", "vectors": f"corpus/{CORPUS}.i8",
             "model_sha256": hashes.get(model["onnx"], "")}
    return SectionsBuild(items, embedded, staged, entry, time.perf_counter() - started)


def add_to_runtime(files: Files, config: MkDocsConfig, built: SectionsBuild) -> None:
    """Stage the corpus files and list them in runtime.json (written by runtime/hooks.py in
    on_files; MkDocs writes it after on_env, so it is replaced here before it is written)."""
    existing = files.get_file_from_path(stage.MANIFEST)
    if existing is None:
        raise PluginError(f"search: {stage.MANIFEST} is not among the site's files")
    manifest = json.loads(existing.content_bytes)
    for s in built.staged:
        manifest["files"][s.name] = s.entry()
    manifest.setdefault("corpora", {})[CORPUS] = built.entry
    stage.require(manifest, *stage.referenced(built.entry))
    stage.add_to_site(files, config, built.staged)
    stage.add_generated(files, config, stage.MANIFEST, json.dumps(manifest, indent=1))
