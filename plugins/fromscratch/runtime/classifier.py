"""Classifier heads for widgets: MiniLM sentence vectors in, one logistic-regression layer out.

Trained at build time on the site's own data (the chapter's `datasets.py` loaders, loaded
by path so the plugin and the notebooks parse the data with the very same code), then
shipped as one small JSON file: weights, bias, threshold and the held-out test set's
scores and labels, so the browser can classify with a dot product after embedding the
reader's text, and the evaluation page can explore thresholds without any model.

The result is cached in `.cache/classifiers/` by a hash of everything that shapes it:
this file, the loader, the declared input files, the model file and the options. The
notebooks call `head_from_config()` and so read the same cached file the site ships.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cache import write_atomic

FORMAT = 1  # bump when the output layout changes
CLASSIFIERS_ROOT = "assets/classifiers"


class ClassifierError(ValueError):
    """The classifier's data or options are wrong; the message names the file or option."""


@dataclass(frozen=True)
class Spec:
    """One `classifiers:` entry of the plugin config, paths resolved against the project root."""

    name: str
    loader: Path
    sources: list[dict]
    inputs: list[str]
    positive: str
    max_chars: int
    steps: int
    learning_rate: float
    l2: float
    test_fraction: float
    seed: int

    @classmethod
    def from_options(cls, name: str, options: Mapping, root: Path) -> Spec:
        return cls(
            name=name,
            loader=root / options["loader"],
            sources=[dict(s) for s in options["sources"]],
            inputs=list(options["inputs"]),
            positive=options["positive"],
            max_chars=options["max_chars"],
            steps=options["steps"],
            learning_rate=options["learning_rate"],
            l2=options["l2"],
            test_fraction=options["test_fraction"],
            seed=options["seed"],
        )

    def settings(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("loader", "inputs")}


def _input_files(root: Path, patterns: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        matches = sorted(p for p in root.glob(pattern) if p.is_file())
        if not matches:
            raise ClassifierError(f"classifiers: input {pattern!r} matches no file under {root}")
        found.extend(matches)
    return found


def cache_key(spec: Spec, root: Path, model_sha: str) -> str:
    h = hashlib.sha256(f"{FORMAT}:{model_sha}:".encode())
    h.update(Path(__file__).read_bytes())
    h.update(spec.loader.read_bytes())
    for path in _input_files(root, spec.inputs):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    h.update(json.dumps(spec.settings(), sort_keys=True).encode())
    return h.hexdigest()[:20]


def load_module(path: Path):  # noqa: ANN201 - a module
    """Import the chapter's datasets.py by path (it lives with the pages, not in a package)."""
    if not path.is_file():
        raise ClassifierError(f"classifiers: loader {path} does not exist")
    name = f"_fromscratch_loader_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the loader's own bug: name it, no traceback
        sys.modules.pop(name, None)
        raise ClassifierError(f"{path}: failed to import: {type(exc).__name__}: {exc}") from None
    return module


def _items(spec: Spec, module) -> list[dict]:  # noqa: ANN001
    """Every (text, label, source) the head learns from, `limit` per source drawn with a fixed seed."""
    out = []
    for source in spec.sources:
        func = getattr(module, source["load"], None)
        if not callable(func):
            raise ClassifierError(f"{spec.loader}: has no function {source['load']}() (classifiers.{spec.name}.sources)")
        try:
            rows = list(func())
        except Exception as exc:
            raise ClassifierError(f"{spec.loader}: {source['load']}() failed: {type(exc).__name__}: {exc}") from None
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping) or not isinstance(row.get("text"), str) or "label" not in row:
                raise ClassifierError(f"{spec.loader}: {source['load']}() item {i} needs \"text\" and \"label\"")
        limit = source.get("limit")
        if limit and len(rows) > limit:
            rows = _stratified_sample(rows, limit, spec.seed)
        tag = source.get("name", source["load"])
        out.extend({"id": str(r.get("id", i)), "text": r["text"][: spec.max_chars], "label": r["label"],
                    "source": tag} for i, r in enumerate(rows))
    return out


def _stratified_sample(rows: list, limit: int, seed: int) -> list:
    """`limit` rows keeping each label's share (the email corpus is larger than the SMS set)."""
    by_label: dict[str, list] = {}
    for r in rows:
        by_label.setdefault(r["label"], []).append(r)
    rng = random.Random(seed)
    chosen = []
    for label in sorted(by_label):
        group = by_label[label]
        k = round(limit * len(group) / len(rows))
        chosen.extend(rng.sample(group, min(k, len(group))))
    return chosen


def split(items: list[dict], module, spec: Spec) -> tuple[list[dict], list[dict]]:  # noqa: ANN001
    """Train/test per source with the chapter's own stratified split, so every source is tested."""
    splitter: Callable | None = getattr(module, "stratified_split", None)
    train, test = [], []
    for tag in dict.fromkeys(i["source"] for i in items):
        group = [i for i in items if i["source"] == tag]
        if splitter is not None:
            a, b = splitter(group, test_fraction=spec.test_fraction, seed=spec.seed)
        else:
            rng = random.Random(spec.seed)
            shuffled = group[:]
            rng.shuffle(shuffled)
            cut = round(len(group) * spec.test_fraction)
            a, b = shuffled[cut:], shuffled[:cut]
        train.extend(a)
        test.extend(b)
    return train, test


def train_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, steps: int, lr: float,
                   l2: float) -> tuple[np.ndarray, float, list[float]]:
    """Full-batch gradient descent on weighted log loss + L2, on standardised features.

    Written out (rather than scikit-learn) because the chapter teaches exactly this loop,
    and because the weights fold back to raw embeddings for a plain dot product in the browser.
    """
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 1e-6
    z = (x - mean) / std
    w = np.zeros(x.shape[1])
    b = 0.0
    weight = weight / weight.sum()
    losses = []
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        eps = 1e-7
        losses.append(float(-(weight * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))).sum()
                            + 0.5 * l2 * (w @ w)))
        g = weight * (p - y)
        w -= lr * (z.T @ g + l2 * w)
        b -= lr * float(g.sum())
    # w.(x - mean)/std + b  ==  (w/std).x + (b - w.mean/std)
    return w / std, b - float((w / std) @ mean), losses


def sigmoid(t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-t))


def metrics(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    pred = scores >= threshold
    tp = int((pred & (labels == 1)).sum())
    fp = int((pred & (labels == 0)).sum())
    fn = int((~pred & (labels == 1)).sum())
    tn = int((~pred & (labels == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(labels)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "accuracy": (tp + tn) / n, "precision": precision,
            "recall": recall, "f1": f1, "majority": max(labels.mean(), 1 - labels.mean())}


def train(spec: Spec, model_sha: str, dims: int, embed: Callable[[list[str]], np.ndarray]) -> dict:
    module = load_module(spec.loader)
    items = _items(spec, module)
    labels = {i["label"] for i in items}
    if spec.positive not in labels or len(labels) != 2:
        raise ClassifierError(f"classifiers.{spec.name}: needs two labels, one of them {spec.positive!r}; "
                              f"the data has {sorted(map(str, labels))}")
    negative = next(iter(labels - {spec.positive}))
    train_items, test_items = split(items, module, spec)
    x = np.asarray(embed([i["text"] for i in train_items]), dtype=np.float64)
    if x.shape != (len(train_items), dims):
        raise ClassifierError(f"classifiers.{spec.name}: model gave vectors of shape {x.shape}")
    y = np.array([i["label"] == spec.positive for i in train_items], dtype=np.float64)
    # Each (source, label) cell carries the same total weight, times its source's `weight`:
    # spam counts as much as ham (so 0.5 is a sensible threshold) and the short messages the
    # widget mostly sees are not drowned by the longer email set.
    cells = [(i["source"], i["label"]) for i in train_items]
    counts = {c: cells.count(c) for c in set(cells)}
    source_weight = {s.get("name", s["load"]): float(s.get("weight") or 1.0) for s in spec.sources}
    weight = np.array([source_weight[c[0]] / counts[c] for c in cells])
    w, b, losses = train_logistic(x, y, weight, spec.steps, spec.learning_rate, spec.l2)
    xt = np.asarray(embed([i["text"] for i in test_items]), dtype=np.float64)
    yt = np.array([i["label"] == spec.positive for i in test_items], dtype=int)
    scores = sigmoid(xt @ w + b)
    threshold = 0.5
    by_source = {}
    for tag in dict.fromkeys(i["source"] for i in test_items):
        mask = np.array([i["source"] == tag for i in test_items])
        by_source[tag] = metrics(scores[mask], yt[mask], threshold)
    return {
        "format": FORMAT,
        "name": spec.name,
        "model_sha256": model_sha,
        "dims": dims,
        "positive": spec.positive,
        "negative": negative,
        "max_chars": spec.max_chars,
        "weights": [round(float(v), 6) for v in w],
        "bias": round(b, 6),
        "threshold": threshold,
        "train": {"count": len(train_items), "positives": int(y.sum()),
                  "sources": {t: sum(1 for i in train_items if i["source"] == t)
                              for t in dict.fromkeys(i["source"] for i in train_items)},
                  "loss": [round(v, 5) for v in losses[:: max(1, len(losses) // 50)]]},
        "test": {
            "count": len(test_items),
            "ids": [i["id"] for i in test_items],
            "sources": [i["source"] for i in test_items],
            "labels": yt.tolist(),
            "scores": [round(float(s), 5) for s in scores],
            "metrics": metrics(scores, yt, threshold),
            "by_source": by_source,
        },
    }


def build(spec: Spec, root: Path, cache_dir: Path, model_sha: str, dims: int,
          embed: Callable[[list[str]], np.ndarray]) -> bytes:
    """The head's JSON, from the cache when nothing that shapes it changed."""
    key = cache_key(spec, root, model_sha)
    cached = cache_dir / f"{spec.name}-{key}.json"
    if cached.is_file():
        try:
            blob = cached.read_bytes()
            if json.loads(blob).get("format") == FORMAT:
                return blob
        except (OSError, ValueError):
            pass  # damaged: rebuild below
    blob = json.dumps(train(spec, model_sha, dims, embed), separators=(",", ":")).encode()
    write_atomic(cached, blob)  # a notebook and the build may train at the same time
    for old in cache_dir.glob(f"{spec.name}-*.json"):
        # only this head's older entries: "spam" must not delete "spam-sms-<key>.json"
        if old != cached and len(old.stem) == len(cached.stem):
            old.unlink(missing_ok=True)
    return blob


def head_from_config(name: str = "spam", start: Path | None = None) -> dict:
    """For notebooks: the head the site ships, read through mkdocs.yml (trained if not cached)."""
    from mkdocs.config import load_config

    from .embed import Embedder
    from .fetch import model_dir, verify

    here = (start or Path.cwd()).resolve()
    root = next((p for p in (here, *here.parents) if (p / "mkdocs.yml").is_file()), None)
    if root is None:
        raise ClassifierError(f"no mkdocs.yml above {here}")
    config = load_config(str(root / "mkdocs.yml"))
    runtime = config.plugins["fromscratch"].config.runtime
    options = runtime["classifiers"][name]
    model = runtime["model"]
    mdir = model_dir(root, runtime)
    hashes = verify(mdir, model["files"])
    embedder: list = []

    def embed(texts: list[str]) -> np.ndarray:
        if not embedder:
            embedder.append(Embedder(mdir, model["onnx"]))
        return embedder[0].embed(texts)

    blob = build(Spec.from_options(name, options, root), root, root / runtime["cache_dir"] / "classifiers",
                 hashes[model["onnx"]], model["dims"], embed)
    return json.loads(blob)
