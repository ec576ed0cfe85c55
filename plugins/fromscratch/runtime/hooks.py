"""What the plugin does for the runtime at each build event; plugin.py only delegates here."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from .. import assets
from ..textgen import answers
from . import corpus, fetch, generation, stage, widgets

log = logging.getLogger("mkdocs.plugins.fromscratch.runtime")


class Runtime:
    def __init__(self) -> None:
        self._embedder = None
        self._embedder_key: tuple | None = None

    def on_config(self, options: dict, root: Path) -> None:
        self.options = options
        self.root = root
        widgets.configure(options["corpora"])
        answers.configure(root, options)  # the `generated` shortcode's model and cache

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
        stage.add_generated(files, config, f"{stage.RUNTIME_ROOT}/runtime.json", json.dumps(manifest, indent=1))
        generation.stage_generation(files, config, self.root, self.options, node_modules)

    def _embed(self, model_dir: Path, onnx: str, texts: list[str]):  # noqa: ANN202
        from .embed import Embedder

        key = (str(model_dir), onnx)
        if self._embedder is None or self._embedder_key != key:
            self._embedder = Embedder(model_dir, onnx)
            self._embedder_key = key
        return self._embedder.embed(texts)
