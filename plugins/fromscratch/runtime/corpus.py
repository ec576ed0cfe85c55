"""Corpora for widgets: texts under docs/data/corpora/, vectors computed at build time.

Each `<name>.json` holds `{"title": ..., "items": [{"text": ..., ...metadata}]}`.
The build writes two files per corpus: a manifest (JSON: model sha256,
dimensions, count, texts and metadata) and the vectors as little-endian float32,
row after row. Both are cached in .cache/embeddings/ by a hash of the corpus
bytes and the model, so a warm build embeds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = 1  # bump when the manifest or vector layout changes, to invalidate caches


class CorpusError(ValueError):
    """A corpus file is malformed; the message names the file."""


@dataclass(frozen=True)
class Built:
    name: str
    manifest: bytes
    vectors: bytes


def corpus_names(corpora_dir: Path) -> list[str]:
    return sorted(p.stem for p in corpora_dir.glob("*.json")) if corpora_dir.is_dir() else []


def load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not readable JSON: {exc}") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise CorpusError(f"{path}: needs a non-empty \"items\" list")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise CorpusError(f"{path}: item {i} needs a non-empty \"text\" string")
    return data


def build(path: Path, model_sha: str, dims: int, cache_dir: Path,
          embed: Callable[[list[str]], np.ndarray]) -> Built:
    """Manifest and vectors for one corpus, from the cache when the inputs are unchanged."""
    raw = path.read_bytes()
    key = hashlib.sha256(f"{FORMAT}:{model_sha}:".encode() + raw).hexdigest()[:20]
    cached_json = cache_dir / f"{path.stem}-{key}.json"
    cached_bin = cache_dir / f"{path.stem}-{key}.f32"
    if cached_json.is_file() and cached_bin.is_file():
        return Built(path.stem, cached_json.read_bytes(), cached_bin.read_bytes())
    data = load(path)
    items = data["items"]
    vectors = np.asarray(embed([item["text"] for item in items]), dtype="<f4")
    if vectors.shape != (len(items), dims):
        raise CorpusError(f"{path}: model gave vectors of shape {vectors.shape}, expected ({len(items)}, {dims})")
    manifest = {
        "format": FORMAT,
        "name": path.stem,
        "title": data.get("title", path.stem),
        "model_sha256": model_sha,
        "dims": dims,
        "count": len(items),
        "dtype": "float32",
        "vectors": f"{path.stem}.f32",
        "items": items,
    }
    blob = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob(f"{path.stem}-*"):
        old.unlink()
    cached_bin.write_bytes(vectors.tobytes())
    cached_json.write_bytes(blob)
    return Built(path.stem, blob, vectors.tobytes())


def read_vectors(manifest: dict, blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").reshape(manifest["count"], manifest["dims"])
