"""Build-time benchmark for executed notebooks: our cache vs mkdocs-jupyter's `execute: true`.

    .venv/bin/python benchmarks/build.py [--notebooks 4] [--write benchmarks/RESULTS-build.md]
    .venv/bin/python benchmarks/build.py --site     (the real site and its own notebooks)

Writes a throwaway project (the real mkdocs.yml and overrides, no nav) with a few synthetic
notebooks (numpy work of about a second plus a matplotlib plot each), then times whole
`mkdocs build` runs, start to finish, as an author would wait for them:

- ours, cold: empty cache, every notebook executed (in parallel)
- ours, warm: nothing changed
- ours, one notebook edited: one code cell changed
- mkdocs-jupyter `execute: true` (our executor off), without and with its own render cache
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import make_project as throwaway_project  # noqa: E402

EMBED = re.compile(r"\{%-?\s*notebook\b.*?%\}|\{\{\s*notebook\(.*?\)\s*\}\}", re.S)

WORK = """import numpy as np
rng = np.random.default_rng({seed})
a = rng.standard_normal((400, 400))
for _ in range({rounds}):
    a = np.tanh(a @ a.T / 400)
print("checksum", round(float(a.sum()), 3))"""
PLOT = """import matplotlib.pyplot as plt
plt.plot(np.sort(a[0]))
plt.title("notebook {seed}")
plt.show()"""


def notebook(seed: int, rounds: int) -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell(f"# Synthetic notebook {seed}"),
            new_code_cell(WORK.format(seed=seed, rounds=rounds)),
            new_code_cell(PLOT.format(seed=seed)),
        ]
    )


def make_project(base: Path, count: int, rounds: int) -> Path:
    """The tests' throwaway project (real overrides and model) with synthetic notebooks."""
    docs = {"index.md": "# Benchmark\n"}
    docs |= {f"nb{i}.ipynb": nbformat.writes(notebook(i, rounds)) for i in range(count)}
    return throwaway_project(base, docs)


def make_site_project(base: Path) -> Path:
    """The real site: its docs (with their notebooks) and its nav."""
    return throwaway_project(base, copy_docs=True)


def configure(project: Path, *, ours: bool, mj_cache: bool, keep_nav: bool = False) -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    if not keep_nav:
        config = re.sub(r"(?m)^nav:\n(?:[ \t]+.*\n|\n)*", "", config)  # automatic nav
    # one cache folder for everything (mkdocs-jupyter's renders included), switched on or off
    cache = project.parent / ("cache-ours" if ours else "cache-exec")
    notebooks = "" if ours else "      notebooks:\n        enabled: false\n"
    switch = "true" if (ours or mj_cache) else "false"
    entry = f"  - fromscratch:\n      cache_dir: {cache}\n      cache: {switch}\n" + notebooks
    config = config.replace("  - fromscratch:\n", entry, 1) if "  - fromscratch:\n" in config else (
        config.replace("  - fromscratch\n", entry, 1)
    )
    jupyter = (
        "  - mkdocs-jupyter:\n"
        '      include: ["*.ipynb"]\n'
        f"      execute: {'false' if ours else 'true'}\n"
        "      kernel_name: fromscratch\n"
    )
    config = re.sub(r"(?m)^  - mkdocs-jupyter:.*\n(?:      .*\n)*", jupyter, config)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")


def build(project: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(project / "site")],
        cwd=project, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stdout}{proc.stderr}")
    return seconds, proc.stdout + proc.stderr


def counts(log: str) -> str:
    executed = len(re.findall(r"notebook docs/\S+: executed", log))
    cached = len(re.findall(r"notebook docs/\S+: cached", log))
    if executed or cached:
        return f"{executed} executed, {cached} cached"
    by_them = len(re.findall(r"Converting notebook \(execute=True\)", log))
    return f"{by_them} executed by mkdocs-jupyter"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=200, help="numpy work per notebook")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each warm measurement")
    parser.add_argument("--write", type=Path, help="also write the table (Markdown) to this file")
    parser.add_argument("--site", action="store_true", help="benchmark the real site's own notebooks")
    args = parser.parse_args()

    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="fromscratch-bench-") as tmp:
        if args.site:
            project = make_site_project(Path(tmp))
        else:
            project = make_project(Path(tmp), args.notebooks, args.rounds)
        notebooks = sorted((project / "docs").rglob("*.ipynb"))

        def configure_as(**kwargs: bool) -> None:
            configure(project, keep_nav=args.site, **kwargs)

        configure_as(ours=True, mj_cache=True)
        seconds, log = build(project)
        rows.append(("fromscratch, cold (empty cache)", seconds, counts(log)))
        runs = [build(project) for _ in range(args.repeat)]
        rows.append(("fromscratch, warm (no change)", statistics.median(s for s, _ in runs), counts(runs[-1][1])))
        first = notebooks[0]
        nb = nbformat.read(first, as_version=4)
        code = next(cell for cell in nb.cells if cell.cell_type == "code")
        code.source += "\nprint('edited')"
        nbformat.write(nb, first)
        seconds, log = build(project)
        rows.append(("fromscratch, one notebook edited", seconds, counts(log)))

        if args.site:  # mkdocs-jupyter cannot show cells inside Markdown pages: drop the embeds
            for page in (project / "docs").rglob("*.md"):
                text = page.read_text(encoding="utf-8")
                page.write_text(EMBED.sub("", text), encoding="utf-8")
        configure_as(ours=False, mj_cache=False)
        runs = [build(project) for _ in range(max(1, args.repeat - 1))]
        rows.append(
            ("mkdocs-jupyter `execute: true`, no cache (every build)", statistics.median(s for s, _ in runs),
             counts(runs[-1][1]))
        )
        configure_as(ours=False, mj_cache=True)
        build(project)  # fill its render cache
        seconds, log = build(project)
        rows.append(("mkdocs-jupyter `execute: true`, its own cache, warm", seconds, "0 executed (HTML cache hit)"))

    baseline = rows[3][1]
    what = (f"the site's {len(notebooks)} notebooks" if args.site
            else f"{args.notebooks} synthetic notebooks (numpy + matplotlib)")
    lines = [
        f"{what}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}; whole `mkdocs build` wall time.",
        "",
        "| build | seconds | vs mkdocs-jupyter execute | notebooks |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, seconds, what in rows:
        lines.append(f"| {name} | {seconds:.2f} | {baseline / seconds:.1f}x faster | {what} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        args.write.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
