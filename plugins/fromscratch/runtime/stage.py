"""Stage every file the browser runtime downloads under a content-hashed URL.

Each staged file has a name (its key in `runtime.json`) and is served at
`<folder>/<sha256[:16]>/<file name>`: a new model, corpus or library version gets
a new URL, so no HTTP cache or Cache Storage entry of an older build can ever be
mixed with this one. `assets/runtime/runtime.json` is the one file at a fixed URL;
the browser fetches it with `cache: "no-cache"` and trusts only what it lists:

    {"format": 2,
     "files": {name: {"url", "sha256", "bytes", "code"}},   every staged file
     "embedding": {...},  which files make up the embedding runtime and model
     "corpora": {name: {"manifest": file name, "vectors": file name, "model_sha256"}}}

Adding files is declarative. A new consumer (a second model, a widget's weights)
registers a section with `@section("name")`: a function that returns the files it
stages (`npm_files()` for front-end package files, `model_files()` for a model
folder, `from_file()`/`generated()` for one file) and the section runtime.json
carries for it, which names those files. Its module only has to be imported
(hooks.py imports the runtime sections). In the browser, `download.js` gives any
worker the same verified, cached, timed-out downloads by file name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from .. import assets
from ..cache import Cache
from .fetch import sha256_file

FORMAT = 2  # runtime.js refuses a manifest of another format (a page older or newer than its data)
RUNTIME_ROOT = "assets/runtime"
MANIFEST = f"{RUNTIME_ROOT}/runtime.json"
MODELS_ROOT = "assets/models"
CORPORA_ROOT = "assets/corpora"
HASH_CHARS = 16  # 64 bits of sha256 in the URL; the full digest is in the manifest and checked


@dataclass(frozen=True)
class NpmFile:
    """A file of an installed npm package that the browser downloads on first use."""

    name: str  # key in runtime.json "files"
    package: str
    path: str  # inside the package
    code: bool = True  # JavaScript or WebAssembly: re-verified whenever read from Cache Storage


# ONNX Runtime's plain SIMD build (11 MB) instead of the asyncify one (27 MB) Transformers.js
# picks by default: asyncify exists for the WebGPU backend, which the widgets do not use
# (they ask for device "wasm"); tests/browser/test_widgets.py checks vectors still match
# Python onnxruntime. benchmarks/widgets.py measures both.
LIBRARIES: tuple[NpmFile, ...] = (
    NpmFile("transformers.min.js", "@huggingface/transformers", "dist/transformers.min.js"),
    NpmFile("ort-wasm-simd-threaded.mjs", "onnxruntime-web", "dist/ort-wasm-simd-threaded.mjs"),
    NpmFile("ort-wasm-simd-threaded.wasm", "onnxruntime-web", "dist/ort-wasm-simd-threaded.wasm"),
)
EMBEDDING_RUNTIME = {"library": "transformers.min.js",
                     "wasm": {"mjs": "ort-wasm-simd-threaded.mjs", "wasm": "ort-wasm-simd-threaded.wasm"}}


@dataclass(frozen=True)
class Staged:
    """One file of runtime.json: from a source file (hard-linked) or from bytes made at build time."""

    name: str
    folder: str  # site folder the hashed sub-folder goes in
    sha256: str
    size: int
    src: Path | None = None
    content: bytes | None = None
    code: bool = False

    @property
    def url(self) -> str:
        """Site path (relative to the site root), unique to the content."""
        basename = PurePosixPath(self.name).name
        return f"{self.folder}/{self.sha256[:HASH_CHARS]}/{basename}"

    def entry(self) -> dict:
        return {"url": self.url, "sha256": self.sha256, "bytes": self.size, "code": self.code}


def from_file(name: str, folder: str, src: Path, *, code: bool = False) -> Staged:
    if not src.is_file():
        raise PluginError(f"{src} is missing (needed for {name}): run `make setup`")
    return Staged(name, folder, sha256_file(src), src.stat().st_size, src=src, code=code)


def generated(name: str, folder: str, content: bytes) -> Staged:
    return Staged(name, folder, hashlib.sha256(content).hexdigest(), len(content), content=content)


def _package_json(path: Path) -> dict:
    try:
        return json.loads((path / "package.json").read_text(encoding="utf-8"))
    except OSError:
        raise PluginError(
            f"front-end package {path.name} is not installed: run `make setup` (npm ci --ignore-scripts)"
        ) from None


def runtime_versions(node_modules: Path) -> tuple[str, str]:
    """(transformers version, onnxruntime-web version), after checking they belong together."""
    tf = _package_json(node_modules / "@huggingface" / "transformers")
    ort = _package_json(node_modules / "onnxruntime-web")
    wanted = tf.get("dependencies", {}).get("onnxruntime-web")
    if wanted != ort["version"]:
        raise PluginError(
            f"@huggingface/transformers {tf['version']} needs onnxruntime-web {wanted}, but "
            f"node_modules has {ort['version']}: run `npm ci --ignore-scripts`"
        )
    return tf["version"], ort["version"]


def npm_files(node_modules: Path, libraries: Iterable[NpmFile]) -> list[Staged]:
    return [from_file(lib.name, RUNTIME_ROOT, node_modules / lib.package / lib.path, code=lib.code)
            for lib in libraries]


def library_files(node_modules: Path) -> list[Staged]:
    """Transformers.js and the ONNX Runtime build it runs, after checking their versions agree."""
    runtime_versions(node_modules)
    return npm_files(node_modules, LIBRARIES)


def model_files(model_id: str, model_dir: Path, files: Iterable[str]) -> list[Staged]:
    """A model folder's files, named `<model id>/<path in the folder>`."""
    return [from_file(f"{model_id}/{rel}", f"{MODELS_ROOT}/{model_id}", model_dir / rel) for rel in files]


def embedding_section(model: Mapping) -> dict:
    """What the embedding worker needs besides file names: Transformers.js options. The
    sha256 of its ONNX file (in "files") is what every corpus's `model_sha256` must equal."""
    return {
        **EMBEDDING_RUNTIME,
        "model": {
            "id": model["id"],
            "dtype": model["dtype"],
            "dims": model["dims"],
            "onnx": model["onnx"],
            "files": {rel: f"{model['id']}/{rel}" for rel in model["files"]},
        },
    }


def runtime_manifest(staged: Iterable[Staged], **sections: object) -> dict:
    """runtime.json: every staged file by name, plus the sections that refer to them by name."""
    files: dict[str, dict] = {}
    for s in staged:
        if s.name in files:
            raise PluginError(f"two runtime files are named {s.name!r}")
        files[s.name] = s.entry()
    return {"format": FORMAT, "files": files, **sections}


def require(manifest: Mapping, *names: str) -> None:
    """Fail the build (not the reader's browser) when a section names a file that is not staged."""
    missing = [n for n in names if n not in manifest["files"]]
    if missing:
        raise PluginError(f"runtime.json refers to files that are not staged: {', '.join(missing)}")


@dataclass(frozen=True)
class StageContext:
    """What a section needs to find its files: the project root, node_modules, the plugin's
    `runtime:` options, the docs folder and the build's cache (None: a section caches nothing)."""

    root: Path
    node_modules: Path
    options: Mapping
    docs_dir: Path
    cache: Cache | None = None


SectionFn = Callable[[StageContext], tuple[list[Staged], dict]]
SECTIONS: dict[str, SectionFn] = {}  # runtime.json section -> what stages it (filled at import)


def section(name: str) -> Callable[[SectionFn], SectionFn]:
    """Register a runtime.json section: `@section("generation") def f(ctx) -> (files, section)`."""

    def register(fn: SectionFn) -> SectionFn:
        if name in SECTIONS and SECTIONS[name] is not fn:
            raise ValueError(f"runtime.json section {name!r} is registered twice")
        SECTIONS[name] = fn
        return fn

    return register


def referenced(section_value: object) -> list[str]:
    """File names a section uses: every string value under a key named "file", "files",
    "library", "mjs", "wasm", "model_file", "manifest" or "vectors" (lists and dicts walked)."""
    keys = {"file", "files", "library", "mjs", "wasm", "model_file", "manifest", "vectors"}
    found: list[str] = []

    def walk(value: object, named: bool) -> None:
        if isinstance(value, str):
            if named:
                found.append(value)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, named or k in keys)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v, named)

    walk(section_value, False)
    return found


def add_to_site(files: Files, config: MkDocsConfig, staged: Iterable[Staged]) -> None:
    """Hard-link source files and write generated ones at their hashed URLs."""
    linked = {}
    for s in staged:
        if s.src is not None:
            linked[s.url] = s.src
        else:
            add_generated(files, config, s.url, s.content or b"")
    assets.add_staged(files, config, linked)


def add_generated(files: Files, config: MkDocsConfig, dest: str, content: bytes | str) -> None:
    existing = files.get_file_from_path(dest)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, dest, content=content))
