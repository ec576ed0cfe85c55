"""Serve front-end packages (fonts, KaTeX, Mermaid, coi-serviceworker) from the site itself.

Material loads Google Fonts and Mermaid from public CDNs by default; the site
promises that nothing leaves the reader's origin. The files come from
`node_modules` (installed by `npm ci`) and are added to MkDocs' file list as
`StagedFile`s (the runtime stages the model and WASM the same way): hard-linked into
the site, skipped when already current, and `mkdocs serve` watches nothing extra.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

VENDOR_ROOT = "assets/vendor"


@dataclass(frozen=True)
class Package:
    name: str  # npm name
    slug: str  # folder under assets/vendor/
    files: tuple[str, ...]  # paths inside the package; CSS pulls in what it references


PACKAGES = (
    Package(
        "@fontsource/inter",
        "inter",
        ("latin-400.css", "latin-400-italic.css", "latin-500.css", "latin-600.css", "latin-700.css"),
    ),
    Package("@fontsource/space-grotesk", "space-grotesk", ("latin-500.css", "latin-700.css")),
    Package("katex", "katex", ("dist/katex.min.css", "dist/katex.min.js", "dist/contrib/auto-render.min.js")),
    Package("mermaid", "mermaid", ("dist/mermaid.min.js",)),
)

# Files served at the site root rather than under assets/vendor/: a service worker controls
# only the pages at or below its own URL, and coi-serviceworker's must control the whole site.
# Its URL must also stay the same from build to build (a new URL would register a second worker),
# so it is not content-hashed; browsers re-check a worker's bytes on every navigation.
ROOT_FILES = {"coi-serviceworker.js": ("coi-serviceworker", "coi-serviceworker.js")}

_CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:|https?:|//)([^'\")?#]+)[^)]*\)")


def package_dir(node_modules: Path, name: str) -> Path:
    path = node_modules / name
    if not (path / "package.json").is_file():
        raise PluginError(
            f"front-end package {name} is not installed in {node_modules}/: "
            "run `make build` (or `npm ci --ignore-scripts`) first"
        )
    return path


def vendor_files(node_modules: Path) -> dict[str, Path]:
    """Map site paths (assets/vendor/..., and ROOT_FILES) to the files in node_modules that they serve."""
    staged: dict[str, Path] = {}
    for pkg in PACKAGES:
        root = package_dir(node_modules, pkg.name)
        todo = [(rel, "package.json") for rel in pkg.files]
        while todo:
            ref, named_by = todo.pop()
            src = inside_package(root, ref, pkg.name, named_by)
            rel = src.relative_to(root.resolve()).as_posix()
            if f"{VENDOR_ROOT}/{pkg.slug}/{rel}" in staged:
                continue
            if not src.is_file():
                raise PluginError(f"{pkg.name} has no file {rel}: reinstall with `npm ci --ignore-scripts`")
            staged[f"{VENDOR_ROOT}/{pkg.slug}/{rel}"] = src
            if rel.endswith(".css"):
                for url in _CSS_URL.findall(src.read_text(encoding="utf-8")):
                    todo.append((posixpath.join(posixpath.dirname(rel), url), rel))
    for dest, (name, rel) in ROOT_FILES.items():
        src = inside_package(package_dir(node_modules, name), rel, name, "package.json")
        if not src.is_file():
            raise PluginError(f"{name} has no file {rel}: reinstall with `npm ci --ignore-scripts`")
        staged[dest] = src
    return staged


def inside_package(root: Path, ref: str, name: str, named_by: str) -> Path:
    """The file `ref` (relative to the package) names, refused when it resolves outside the
    package: a stylesheet's `url(/etc/passwd)` or `url(../../x)`, or a symlink, would
    otherwise copy any local file into the published site."""
    top = root.resolve()
    src = (top / ref).resolve()  # an absolute ref replaces top: caught below
    if not src.is_relative_to(top):
        raise PluginError(
            f"{name}: {named_by} refers to {ref!r}, which is outside the package "
            f"({root}); only the package's own files are served"
        )
    return src


class StagedFile(File):
    """A static file placed by hard link when possible, and not at all when already current:
    MkDocs would otherwise copy every megabyte (Mermaid, the WASM, the model) on each rebuild."""

    def copy_file(self, dirty: bool = False) -> None:
        assert self.abs_src_path is not None
        place(self.abs_src_path, self.abs_dest_path)


def place(src: str | os.PathLike, dest: str | os.PathLike) -> None:
    """Put `src` at `dest` in the site: nothing when already there, else a hard link (a copy
    across file systems). Sources are replaced by rename, never rewritten in place, so a link
    never shows a later version of the file."""
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


def add_staged(files: Files, config: MkDocsConfig, staged: dict[str, Path]) -> None:
    """Serve each source file at its site path, replacing any file already listed there."""
    for dest, src in staged.items():
        existing = files.get_file_from_path(dest)
        if existing is not None:
            files.remove(existing)
        files.append(StagedFile.generated(config, dest, abs_src_path=str(src)))


def add_vendor_files(files: Files, config: MkDocsConfig, node_modules: Path) -> None:
    add_staged(files, config, vendor_files(node_modules))
