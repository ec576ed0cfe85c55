"""What the plugin does for the runtime at each build event; plugin.py only delegates here."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from ..cache import Cache
from . import corpus, fetch, stage, widgets

log = logging.getLogger("mkdocs.plugins.fromscratch.runtime")


class Runtime:
    def __init__(self) -> None:
        self._embedder = None
        self._embedder_key: tuple | None = None

    def on_config(self, options: dict, root: Path, cache: Cache) -> None:
        self.options = options
        self.root = root
        self.cache = cache  # the build's cache folder (corpus vectors under corpora/)
        widgets.configure(options["corpora"])

    def on_files(self, files: Files, config: MkDocsConfig, node_modules: Path) -> None:
        model = self.options["model"]
        model_dir = fetch.model_dir(self.root, self.options)
        hashes = fetch.verify(model_dir, model["files"])
        model_sha = hashes[model["onnx"]]
        # Every file the browser downloads, by name: libraries, model files, corpora.
        staged = stage.library_files(node_modules) + stage.model_files(model["id"], model_dir, model["files"])

        corpora_dir = Path(config.docs_dir) / self.options["corpora"]
        names = corpus.corpus_names(corpora_dir)
        for f in list(files):
            if f.src_uri.startswith(self.options["corpora"].strip("/") + "/") and f.src_uri.endswith(".json"):
                files.remove(f)  # served as built manifests under assets/corpora/ instead
        corpora = {}
        for name in names:
            try:
                built = corpus.build(corpora_dir / f"{name}.json", hashes, model["dims"],
                                     self.cache.root / "corpora" if self.cache.enabled else None,
                                     lambda texts: self._embed(model_dir, model["onnx"], texts), model["onnx"])
            except corpus.CorpusError as exc:
                raise PluginError(str(exc)) from None
            for entry in built.entries:
                self.cache.use(entry)
            folder = f"{stage.CORPORA_ROOT}/{name}"
            staged += [stage.generated(f"corpus/{name}.json", folder, built.manifest),
                       stage.generated(f"corpus/{name}.f32", folder, built.vectors)]
            corpora[name] = {"manifest": f"corpus/{name}.json", "vectors": f"corpus/{name}.f32",
                             "model_sha256": model_sha}
        sections: dict[str, object] = {"embedding": stage.embedding_section(model), "corpora": corpora}
        context = stage.StageContext(self.root, node_modules, self.options, Path(config.docs_dir))
        for name, make in stage.SECTIONS.items():  # other models and libraries, declared in their modules
            extra, sections[name] = make(context)
            staged += extra
        manifest = stage.runtime_manifest(staged, idle_timeout_ms=int(self.options["idle_timeout"] * 1000),
                                          **sections)
        for value in sections.values():
            stage.require(manifest, *stage.referenced(value))
        stage.add_to_site(files, config, staged)
        stage.add_generated(files, config, stage.MANIFEST, json.dumps(manifest, indent=1))

    def _embed(self, model_dir: Path, onnx: str, texts: list[str]):  # noqa: ANN202
        from .embed import Embedder

        key = (str(model_dir), onnx)
        if self._embedder is None or self._embedder_key != key:
            self._embedder = Embedder(model_dir, onnx)
            self._embedder_key = key
        return self._embedder.embed(texts)
