"""What the plugin does for the runtime at each build event; plugin.py only delegates here."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from ..ask import settings as _ask  # noqa: F401 - registers runtime.json's "ask" section
from ..cache import Cache
from ..rag.stage import stage_rag
from ..textgen import answers as _answers  # noqa: F401 - registers the `generated` shortcode
from . import classifier, corpus, fetch, generation, stage  # noqa: F401 - generation registers its section

log = logging.getLogger("mkdocs.plugins.fromscratch.runtime")


class Runtime:
    def __init__(self) -> None:
        self.classifiers: list[str] = []  # heads staged by the last on_files
        self.rag = None  # what the last on_files prepared for <rag-qa> (rag/stage.py), if anything

    def on_config(self, options: dict, root: Path, cache: Cache) -> None:
        self.options = options
        self.root = root
        self.cache = cache  # the build's cache folder (corpus vectors under corpora/)

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
        self.rag = stage_rag(self.options, self.root, self.cache, hashes, model["dims"], model["onnx"],
                             lambda texts: self._embed(model_dir, model["onnx"], texts))
        if self.rag is not None:  # the license passages: a corpus like the others, plus settings
            staged += self.rag.staged
            corpora[self.rag.name] = self.rag.corpus_entry
        sections: dict[str, object] = {"embedding": stage.embedding_section(model), "corpora": corpora,
                                       "rag": self.rag.section if self.rag is not None else {}}
        sections["classifiers"], heads = self._classifiers(model_dir, model_sha)
        staged += heads
        context = stage.StageContext(self.root, node_modules, self.options, Path(config.docs_dir), self.cache)
        for name, make in stage.SECTIONS.items():  # other models and libraries, declared in their modules
            extra, sections[name] = make(context)
            staged += extra
        manifest = stage.runtime_manifest(staged, idle_timeout_ms=int(self.options["idle_timeout"] * 1000),
                                          **sections)
        for value in sections.values():
            stage.require(manifest, *stage.referenced(value))
        stage.add_to_site(files, config, staged)
        stage.add_generated(files, config, stage.MANIFEST, json.dumps(manifest, indent=1))

    def _classifiers(self, model_dir: Path, model_sha: str) -> tuple[dict, list[stage.Staged]]:
        """Train (or reuse) each classifier head: runtime.json's entries (the content-hashed
        path, size and sha256 that classifier.js checks) and the files to stage."""
        model = self.options["model"]
        staged: dict[str, dict] = {}
        heads: list[stage.Staged] = []
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
            head = stage.generated(f"classifier/{name}.json", f"{classifier.CLASSIFIERS_ROOT}/{name}", blob)
            heads.append(head)
            staged[name] = {"path": head.url, "bytes": head.size, "sha256": head.sha256}
        self.classifiers = sorted(staged)  # the plugin hands them to the build for the shortcode
        return staged, heads

    def embed(self, model_dir: Path, onnx: str, texts: list[str]):  # noqa: ANN201
        """Texts as unit vectors with the ONNX file the browser runs."""
        return self._embed(model_dir, onnx, texts)

    def _embed(self, model_dir: Path, onnx: str, texts: list[str]):  # noqa: ANN202
        return _embedder(model_dir, onnx).embed(texts)


_EMBEDDER: dict[tuple, object] = {}  # the last ONNX session, kept by the process


def _embedder(model_dir: Path, onnx: str):  # noqa: ANN202
    """One ONNX session per state of the model file, for the whole process: a `make serve`
    rebuild after a page edit embeds that page's few sections, and loading the session (half a
    second or more) would cost more than embedding them. A re-fetched file (new size or mtime)
    gets a new session."""
    from .embed import Embedder

    st = (model_dir / onnx).stat()
    key = (str(model_dir), onnx, st.st_size, st.st_mtime_ns)
    if key not in _EMBEDDER:
        _EMBEDDER.clear()
        _EMBEDDER[key] = Embedder(model_dir, onnx)
    return _EMBEDDER[key]
