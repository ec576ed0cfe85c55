"""What the kernel has installed that can change a notebook's outputs: part of its cache key.

Not requirements.lock as a whole: it also pins linters and test tools, and upgrading one of
them re-ran every notebook. Asked of the kernel's own Python (it may not be the build's):
the distributions reachable from the project's runtime dependencies (`packages_from`, the
project's own distribution), with their installed versions. When that distribution is not
installed in the kernel, every installed distribution counts: more re-runs, never a stale
output.
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path

from mkdocs.exceptions import PluginError

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


def kernel_environment(python: str, packages_from: str) -> tuple[str, dict[str, str]]:
    """(Python version, {distribution: version}) of the kernel's interpreter.

    Asked once per process and state of the kernel's site-packages folders: a `pip install`
    during `mkdocs serve` changes their mtime, and with it the answer."""
    return _probe(python, packages_from, _site_packages_state(python))


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
