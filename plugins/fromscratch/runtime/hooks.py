"""What the plugin does for the runtime at each build event; plugin.py only delegates here."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from .. import assets
from . import classifier, corpus, fetch, stage, widgets

log = logging.getLogger("mkdocs.plugins.fromscratch.runtime")


class Runtime:
    def __init__(self) -> None:
        self._embedder = None
        self._embedder_key: tuple | None = None

    def on_config(self, options: dict, root: Path) -> None:
        self.options = options
        self.root = root
        widgets.configure(options["corpora"])

    def on_files(self, files: Files, config: MkDocsConfig, node_modules: Path) -> None:
        model = self.options["model"]
        model_dir = fetch.model_dir(self.root, self.options)
        hashes = fetch.verify(model_dir, model["files"])
        runtime = stage.runtime_files(node_modules)
        assets.add_staged(files, config, runtime)
        assets.add_staged(files, config, stage.model_files(model_dir, model["id"], list(model["files"])))

        corpora_dir = Path(config.docs_dir) / self.options["corpora"]
        names = corpus.corpus_names(corpora_dir)
        for f in list(files):
            if f.src_uri.startswith(self.options["corpora"].strip("/") + "/") and f.src_uri.endswith(".json"):
                files.remove(f)  # served as built manifests under assets/corpora/ instead
        model_sha = hashes[model["onnx"]]
        for name in names:
            try:
                built = corpus.build(corpora_dir / f"{name}.json", model_sha, model["dims"],
                                     self.root / self.options["cache_dir"] / "embeddings",
                                     lambda texts: self._embed(model_dir, model["onnx"], texts))
            except corpus.CorpusError as exc:
                raise PluginError(str(exc)) from None
            stage.add_generated(files, config, f"{stage.CORPORA_ROOT}/{name}.json", built.manifest)
            stage.add_generated(files, config, f"{stage.CORPORA_ROOT}/{name}.f32", built.vectors)
        manifest = stage.runtime_manifest(runtime, model, hashes, model_dir, names)
        manifest["classifiers"] = self._classifiers(files, config, model_dir, model_sha)
        stage.add_generated(files, config, f"{stage.RUNTIME_ROOT}/runtime.json", json.dumps(manifest, indent=1))

    def _classifiers(self, files: Files, config: MkDocsConfig, model_dir: Path, model_sha: str) -> dict:
        """Train (or reuse) each classifier head; stage it; its path, size and sha256 for runtime.json."""
        model = self.options["model"]
        staged = {}
        for name, options in self.options["classifiers"].items():
            spec = classifier.Spec.from_options(name, options, self.root)
            if not spec.loader.is_file():
                log.debug(f"classifier {name}: {spec.loader} not in this project, skipped")
                continue
            try:
                blob = classifier.build(spec, self.root, self.root / self.options["cache_dir"] / "classifiers",
                                        model_sha, model["dims"],
                                        lambda texts: self._embed(model_dir, model["onnx"], texts))
            except classifier.ClassifierError as exc:
                raise PluginError(str(exc)) from None
            dest = f"{classifier.CLASSIFIERS_ROOT}/{name}.json"
            stage.add_generated(files, config, dest, blob)
            staged[name] = {"path": dest, "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
        widgets.CLASSIFIERS[:] = sorted(staged)
        return staged

    def _embed(self, model_dir: Path, onnx: str, texts: list[str]):  # noqa: ANN202
        from .embed import Embedder

        key = (str(model_dir), onnx)
        if self._embedder is None or self._embedder_key != key:
            self._embedder = Embedder(model_dir, onnx)
            self._embedder_key = key
        return self._embedder.embed(texts)
