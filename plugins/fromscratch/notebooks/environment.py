"""What the kernel has installed that can change a notebook's outputs: part of its cache key.

Not requirements.lock as a whole: it also pins linters and test tools, and upgrading one of
them re-ran every notebook. Asked of the kernel's own Python (it may not be the build's):
the distributions reachable from the project's runtime dependencies (`packages_from`, the
project's own distribution), with their installed versions. When that distribution is not
installed in the kernel, every installed distribution counts: more re-runs, never a stale
output.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from mkdocs.exceptions import PluginError

from ..cache import Cache

_PROBE = r"""
import json, re, sys
from importlib import metadata

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

try:
    from packaging.requirements import Requirement
except ImportError:
    Requirement = None

def names(dist):
    for text in dist.requires or []:
        if Requirement is not None:
            try:
                req = Requirement(text)
            except Exception:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue  # an extra's or another platform's requirement
            yield req.name
        else:
            name, _, marker = text.partition(";")
            if "extra" not in marker:
                yield re.split(r"[\s\[<>=!~(]", name.strip(), maxsplit=1)[0]

found = {}
todo = [sys.argv[1]]
while todo:
    try:
        dist = metadata.distribution(todo.pop())
    except metadata.PackageNotFoundError:
        continue
    key = norm(dist.metadata["Name"])
    if key in found:
        continue
    found[key] = dist.version
    todo.extend(names(dist))
if not found:
    found = {norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
print(json.dumps({"python": sys.version.split()[0], "packages": dict(sorted(found.items()))}))
"""


def kernel_environment(python: str, packages_from: str, cache: Cache | None = None,
                       before_probe: Callable[[], object] | None = None) -> tuple[str, dict[str, str]]:
    """(Python version, {distribution: version}) of the kernel's interpreter.

    Asked once per state of the interpreter and its site-packages folders (a `pip install`
    changes their mtime, and with it the answer): in this process, and across builds through
    the cache's `kernels` kind. Starting the interpreter to ask costs a second or more on a
    busy machine, on every warm build, for an answer that changes only with an install.
    `before_probe` runs before the interpreter is asked (a check with a clearer error)."""
    state = _state(python)
    key = hashlib.sha256(json.dumps([python, packages_from, state, _PROBE]).encode()).hexdigest()[:32]
    name = f"env-{key}.json"
    found = cache.read("kernels", name, _parse_environment) if cache is not None else None
    if found is None:
        if before_probe is not None:
            before_probe()
        found = _probe(python, packages_from, state)
        if cache is not None:
            cache.write("kernels", name, json.dumps({"python": found[0], "packages": found[1]}))
    return found


def _state(python: str) -> tuple:
    """What changes when the interpreter or its installed packages change."""
    try:
        exe = Path(python).resolve().stat()
    except OSError:
        return (python, None, _site_packages_state(python))  # the probe will say what is wrong
    return (python, (exe.st_size, exe.st_mtime_ns), _site_packages_state(python))


def _parse_environment(data: bytes) -> tuple[str, dict[str, str]]:
    entry = json.loads(data)
    python, packages = entry["python"], entry["packages"]
    if not isinstance(python, str) or not isinstance(packages, dict) or not packages or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in packages.items()
    ):
        raise ValueError("not a kernel environment")
    return python, packages


def _site_packages_state(python: str) -> tuple[tuple[str, int], ...]:
    prefix = Path(python).parent.parent  # <venv>/bin/python -> <venv>
    folders = sorted(prefix.glob("lib/python*/site-packages"))
    return tuple((str(f), f.stat().st_mtime_ns) for f in folders)


@lru_cache(maxsize=8)
def _probe(python: str, packages_from: str, _state: tuple) -> tuple[str, dict[str, str]]:
    try:
        out = subprocess.run(
            [python, "-c", _PROBE, packages_from], capture_output=True, text=True, timeout=120, check=True
        )
        data = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise PluginError(f"cannot list the packages of the kernel's Python {python!r}: {exc}") from None
    return data["python"], data["packages"]
