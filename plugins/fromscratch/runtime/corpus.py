"""Corpora for widgets: texts under docs/data/corpora/, vectors computed at build time.

Each `<name>.json` holds `{"title": ..., "items": [{"text": ..., ...metadata}]}`, and may say
what to embed for each item with `"embed": "{title}. {text}"` (item fields in braces; default:
the text alone). A corpus can also be made at build time and handed over as bytes (`raw=`),
as the `<rag-qa>` widget's license passages are (plugins/fromscratch/rag).
The build writes two files per corpus: a manifest (JSON: model sha256,
dimensions, count, texts and metadata) and the vectors as little-endian float32,
row after row. Both are cached in `.cache/corpora/` under a key of the corpus bytes,
every model file's sha256 and the pooling code (`embed.py`), so a warm build embeds
nothing. Entries are written atomically and checked when read (JSON that parses, the
right name, model, count and size): a damaged entry is rebuilt, never published. Old
entries are left to the cache's eviction, which knows what each build used.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cache import write_atomic

log = logging.getLogger("mkdocs.plugins.fromscratch.runtime")

FORMAT = 1  # bump when the manifest or vector layout changes, to invalidate caches


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file."""


@dataclass(frozen=True)
class Built:
    name: str
    manifest: bytes
    vectors: bytes
    entries: list[Path] = field(default_factory=list)  # the cache files it came from or went to


def corpus_names(corpora_dir: Path) -> list[str]:
    return sorted(p.stem for p in corpora_dir.glob("*.json")) if corpora_dir.is_dir() else []


def load(path: Path, raw: bytes | None = None) -> dict:
    try:
        data = json.loads(path.read_bytes() if raw is None else raw)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not readable JSON: {exc}") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise CorpusError(f"{path}: needs a non-empty \"items\" list")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise CorpusError(f"{path}: item {i} needs a non-empty \"text\" string")
    if "embed" in data:
        for i, item in enumerate(items):
            embed_text(data, item, f"{path}: item {i}")
    return data


def embed_text(data: dict, item: dict, where: str = "") -> str:
    """What the model embeds for an item: the corpus's "embed" template filled from the item."""
    template = data.get("embed")
    if template is None:
        return item["text"]
    try:
        return str(template).format_map(item)
    except (KeyError, IndexError, ValueError) as exc:
        raise CorpusError(f"{where}: \"embed\" template {template!r} does not fit: {exc!r}") from None


def _pooling_code() -> bytes:
    """The Python that turns model outputs into vectors: a change to it means new vectors."""
    return Path(__file__).with_name("embed.py").read_bytes()


def cache_key(raw: bytes, model_files: Mapping[str, str], dims: int) -> str:
    payload = json.dumps({"format": FORMAT, "model": dict(sorted(model_files.items())), "dims": dims,
                          "pooling": hashlib.sha256(_pooling_code()).hexdigest()}, sort_keys=True)
    return hashlib.sha256(payload.encode() + b"\0" + raw).hexdigest()[:24]


def _valid(name: str, model_sha: str, dims: int, manifest: bytes, vectors: bytes) -> bool:
    try:
        data = json.loads(manifest)
        return (
            data["format"] == FORMAT and data["name"] == name and data["model_sha256"] == model_sha
            and data["dims"] == dims and len(data["items"]) == data["count"]
            and len(vectors) == data["count"] * dims * 4
            and bool(np.isfinite(np.frombuffer(vectors, dtype="<f4")).all())
        )
    except (ValueError, KeyError, TypeError):
        return False


def build(path: Path, model_files: Mapping[str, str], dims: int, cache_dir: Path | None,
          embed: Callable[[list[str]], np.ndarray], onnx: str = "onnx/model_quantized.onnx",
          raw: bytes | None = None) -> Built:
    """Manifest and vectors for one corpus, from the cache when the inputs are unchanged.

    `model_files` maps every model file to its sha256 (tokenizer and config change vectors
    as surely as the weights do); `onnx` names the weights, whose hash the manifest carries.
    `cache_dir` None: no cache. `raw`: the corpus made at build time (`path` then only names it).
    """
    raw = path.read_bytes() if raw is None else raw
    name = path.stem
    model_sha = model_files.get(onnx, "")
    key = cache_key(raw, model_files, dims)
    entries = [cache_dir / f"{name}-{key}.json", cache_dir / f"{name}-{key}.f32"] if cache_dir else []
    if entries and all(e.is_file() for e in entries):
        manifest, vectors = entries[0].read_bytes(), entries[1].read_bytes()
        if _valid(name, model_sha, dims, manifest, vectors):
            return Built(name, manifest, vectors, entries)
        log.info(f"cache: discarded damaged corpus entry {entries[0].name}; embedding {name} again")
        for entry in entries:  # rebuilt below
            entry.unlink(missing_ok=True)
    data = load(path, raw)
    items = data["items"]
    vectors = np.asarray(embed([embed_text(data, item) for item in items]), dtype="<f4")
    if vectors.shape != (len(items), dims):
        raise CorpusError(f"{path}: model gave vectors of shape {vectors.shape}, expected ({len(items)}, {dims})")
    manifest = {
        "format": FORMAT,
        "name": name,
        "title": data.get("title", name),
        "model_sha256": model_sha,
        "dims": dims,
        "count": len(items),
        "dtype": "float32",
        "vectors": f"{name}.f32",
        **({"embed": data["embed"]} if "embed" in data else {}),
        "items": items,
    }
    blob = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    if entries:
        write_atomic(entries[1], vectors.tobytes())  # vectors first: a manifest never names missing vectors
        write_atomic(entries[0], blob)
    return Built(name, blob, vectors.tobytes(), entries)


def read_vectors(manifest: dict, blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").reshape(manifest["count"], manifest["dims"])


# -- int8 vectors (the site's section search ships these: a quarter of float32's bytes) ----------

def to_int8(built: Built) -> Built:
    """The corpus with each vector stored as int8 and one scale per vector.

    Row i is `int8[i] * scales[i]`; the manifest says `"dtype": "int8"`, names `<name>.i8`
    and lists the scales (numbers) as "scales". A symmetric scale per row (its largest
    magnitude maps to 127) keeps every component to within half a step;
    benchmarks/site_search.py measures what it does to ranking.
    """
    manifest = json.loads(built.manifest)
    vectors = read_vectors(manifest, built.vectors)
    peaks = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0
    scales = [float(f"{s:.7g}") for s in peaks]  # as written in the JSON, so both sides agree
    q = np.clip(np.rint(vectors / np.asarray(scales)[:, None]), -127, 127).astype(np.int8)
    manifest.update(dtype="int8", vectors=f"{built.name}.i8", scales=scales)
    blob = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    return Built(built.name, blob, q.tobytes(), built.entries)


def read_int8(manifest: dict, blob: bytes) -> np.ndarray:
    """float32 rows from an int8 corpus (see to_int8)."""
    q = np.frombuffer(blob, dtype=np.int8).reshape(manifest["count"], manifest["dims"])
    return q.astype(np.float32) * np.asarray(manifest["scales"], dtype=np.float32)[:, None]
