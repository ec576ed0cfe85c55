"""Stage the browser runtime, the model and corpus vectors into the built site.

Only what the browser loads is staged: Transformers.js' `transformers.min.js`
and the two ONNX Runtime Web files it fetches, under one versioned folder
(`assets/runtime/transformers-<version>/`), plus the model under
`assets/models/<id>/` and `assets/runtime/runtime.json` that tells the widgets
where everything is. Large files are hard-linked rather than copied (and skipped
when already current), so live reload stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

RUNTIME_ROOT = "assets/runtime"
MODELS_ROOT = "assets/models"
CORPORA_ROOT = "assets/corpora"
WASM = ("ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm")
LIBRARY = "transformers.min.js"


class StagedFile(File):
    """A static file placed by hard link when possible, and not at all when already current."""

    def copy_file(self, dirty: bool = False) -> None:
        src, dest = self.abs_src_path, self.abs_dest_path
        assert src is not None
        if os.path.isfile(dest):
            s, d = os.stat(src), os.stat(dest)
            if (s.st_ino == d.st_ino and s.st_dev == d.st_dev) or (
                s.st_size == d.st_size and d.st_mtime >= s.st_mtime
            ):
                return
            os.unlink(dest)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)


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


_digests: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a file, remembered by (path, size, mtime) so a rebuild does not re-read 27 MB of WASM."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _digests:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _digests[key] = h.hexdigest()
    return _digests[key]


def runtime_manifest(node_modules: Path, model: dict, hashes: dict[str, str], model_dir: Path,
                     corpora: list[str]) -> dict:
    """What runtime.js reads on first use; every path is relative to the site root.

    Every file the worker downloads is listed with its size and sha256, so the progress
    bar knows the true total and the worker can verify (and cache) each one the same way.
    """
    folder = runtime_folder(node_modules)
    runtime = runtime_files(node_modules)
    return {
        "library": f"{folder}/{LIBRARY}",
        "wasm": {"mjs": f"{folder}/{WASM[0]}", "wasm": f"{folder}/{WASM[1]}"},
        "wasm_bytes": sum((node_modules / "onnxruntime-web/dist" / n).stat().st_size for n in WASM),
        "runtime_files": {dest: {"sha256": file_digest(src), "bytes": src.stat().st_size}
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


def add(files: Files, config: MkDocsConfig, staged: dict[str, Path]) -> None:
    for dest, src in staged.items():
        existing = files.get_file_from_path(dest)
        if existing is not None:
            files.remove(existing)
        files.append(StagedFile.generated(config, dest, abs_src_path=str(src)))


def add_generated(files: Files, config: MkDocsConfig, dest: str, content: bytes | str) -> None:
    existing = files.get_file_from_path(dest)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, dest, content=content))
