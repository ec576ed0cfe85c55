"""Stage the browser runtime, the model and corpus vectors into the built site.

Only what the browser loads is staged: Transformers.js' `transformers.min.js`
and the two ONNX Runtime Web files it fetches, under one versioned folder
(`assets/runtime/transformers-<version>/`), plus the model under
`assets/models/<id>/` and `assets/runtime/runtime.json` that tells the widgets
where everything is. Files are staged like the other front-end packages (see
`assets.StagedFile`): hard-linked, and skipped when already current.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from .fetch import sha256_file

RUNTIME_ROOT = "assets/runtime"
MODELS_ROOT = "assets/models"
CORPORA_ROOT = "assets/corpora"
WASM = ("ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm")
LIBRARY = "transformers.min.js"


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


def runtime_folder(node_modules: Path) -> str:
    return f"{RUNTIME_ROOT}/transformers-{runtime_versions(node_modules)[0]}"


def runtime_files(node_modules: Path) -> dict[str, Path]:
    """Site path -> source file for the library and its WASM."""
    folder = runtime_folder(node_modules)
    staged = {f"{folder}/{LIBRARY}": node_modules / "@huggingface/transformers/dist" / LIBRARY}
    for name in WASM:
        staged[f"{folder}/{name}"] = node_modules / "onnxruntime-web/dist" / name
    for dest, src in staged.items():
        if not src.is_file():
            raise PluginError(f"{src} is missing (needed for {dest}): run `npm ci --ignore-scripts`")
    return staged


def model_files(model_dir: Path, model_id: str, files: list[str]) -> dict[str, Path]:
    return {f"{MODELS_ROOT}/{model_id}/{rel}": model_dir / rel for rel in files}


def runtime_manifest(runtime: dict[str, Path], model: dict, hashes: dict[str, str], model_dir: Path,
                     corpora: list[str]) -> dict:
    """What runtime.js reads on first use; every path is relative to the site root.

    Every file the worker downloads is listed with its size and sha256, so the progress
    bar knows the true total and the worker can verify (and cache) each one the same way.
    """
    library = next(dest for dest in runtime if dest.endswith(f"/{LIBRARY}"))
    folder = library.rsplit("/", 1)[0]
    return {
        "library": library,
        "wasm": {"mjs": f"{folder}/{WASM[0]}", "wasm": f"{folder}/{WASM[1]}"},
        "runtime_files": {dest: {"sha256": sha256_file(src), "bytes": src.stat().st_size}
                          for dest, src in runtime.items()},
        "model": {
            "id": model["id"],
            "root": f"{MODELS_ROOT}/",
            "dtype": model["dtype"],
            "dims": model["dims"],
            "onnx": model["onnx"],
            "files": {rel: {"sha256": hashes[rel], "bytes": (model_dir / rel).stat().st_size} for rel in hashes},
        },
        "corpora": {name: f"{CORPORA_ROOT}/{name}.json" for name in corpora},
    }


def add_generated(files: Files, config: MkDocsConfig, dest: str, content: bytes | str) -> None:
    existing = files.get_file_from_path(dest)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, dest, content=content))
