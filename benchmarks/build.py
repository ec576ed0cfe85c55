"""Build-time benchmark for executed notebooks: our cache vs mkdocs-jupyter's `execute: true`.

    .venv/bin/python benchmarks/build.py [--notebooks 4] [--write benchmarks/RESULTS-build.md]
    .venv/bin/python benchmarks/build.py --site     (the real site and its own notebooks)
    .venv/bin/python benchmarks/build.py --site --workdir DIR --phase cold   (then --phase warm)

Writes two throwaway projects (the real mkdocs.yml and overrides) with the same notebooks
(synthetic ones: numpy work of about a second plus a matplotlib plot each; or the site's
own): ours (our executor and page renderer; mkdocs-jupyter not loaded) and the anchor
(mkdocs-jupyter `execute: true` executes and renders, our executor off, the Markdown pages' embeds removed since mkdocs-jupyter
cannot show cells in a Markdown page), each with its own cache folder. Then times whole
`mkdocs build` runs, start to finish, as an author would wait for them:

- cold: both projects with empty caches, side by side (so both see the same machine load;
  `--sequential` for one after the other)
- warm: nothing changed, both projects, interleaved, median of `--repeat`
- ours, one notebook edited: one code cell changed

With `--workdir` the projects and caches stay, and `--phase warm` can time a later commit's
warm builds on the caches a cold phase filled (the table names both commits).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
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
    """The site's mkdocs.yml for one side; run again before a later commit's warm builds."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    if not keep_nav:
        config = re.sub(r"(?m)^nav:\n(?:[ \t]+.*\n|\n)*", "", config)  # automatic nav
    # our cache folder, switched on or off; mkdocs-jupyter's beside it (ours would evict it)
    cache = project.parent / ("cache-ours" if ours else "cache-exec")
    notebooks = "" if ours else "      notebooks:\n        enabled: false\n"
    switch = "true" if (ours or mj_cache) else "false"
    entry = f"  - fromscratch:\n      cache_dir: {cache}\n      cache: {switch}\n" + notebooks
    config = config.replace("  - fromscratch:\n", entry, 1) if "  - fromscratch:\n" in config else (
        config.replace("  - fromscratch\n", entry, 1)
    )
    jupyter = "" if ours else (  # jupytext reads no Markdown page (as the site had it)
        "  - mkdocs-jupyter:\n"
        '      include: ["*.ipynb"]\n'
        '      ignore: ["*.md", "*.py"]\n'
        "      execute: true\n"
        "      kernel_name: fromscratch\n"
        f"      cache: {switch}\n"
        f"      cache_dir: {project.parent / 'mkdocs-jupyter-cache'}\n"
    )
    assert "  - macros:\n" in config
    config = config.replace("  - macros:\n", jupyter + "  - macros:\n", 1)
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


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


COLD_OURS = "fromscratch, cold (empty cache)"
COLD_THEIRS = "mkdocs-jupyter `execute: true`, cold (empty cache; what it does on every build without its cache)"


def prepare(work: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    """Two projects: ours (our executor and renderer) and the anchor
    (mkdocs-jupyter executes; our executor off; the Markdown pages' embeds removed, as
    mkdocs-jupyter cannot show cells inside a Markdown page). Each has its own cache folder."""
    projects = []
    for name, ours in (("ours", True), ("anchor", False)):
        base = work / name
        base.mkdir(parents=True)
        project = make_site_project(base) if args.site else make_project(base, args.notebooks, args.rounds)
        configure(project, ours=ours, mj_cache=True, keep_nav=args.site)
        if args.site and not ours:
            for page in (project / "docs").rglob("*.md"):
                text = page.read_text(encoding="utf-8")
                page.write_text(EMBED.sub("", text), encoding="utf-8")
        projects.append(project)
    return projects[0], projects[1]


def cold(ours: Path, anchor: Path, side_by_side: bool) -> list[tuple[str, float, str]]:
    """Both cold builds; side by side (at the same time) they share whatever load the
    machine has, which a shared machine's load, changing by the minute, otherwise skews."""
    if not side_by_side:
        a = build(ours)
        b = build(anchor)
    else:
        with ThreadPoolExecutor(2) as pool:
            fa, fb = pool.submit(build, ours), pool.submit(build, anchor)
            a, b = fa.result(), fb.result()
    theirs = len(list((anchor / "docs").rglob("*.ipynb")))  # its log lines are silenced by our plugin
    return [(COLD_OURS, a[0], counts(a[1])), (COLD_THEIRS, b[0], f"{theirs} executed by mkdocs-jupyter")]


def same_pages(ours: Path, keep_nav: bool) -> Path:
    """Our project with the anchor's pages (the Markdown pages' embeds removed) and a copy of
    our warm cache: our notebook machinery against mkdocs-jupyter's on identical pages."""
    base = ours.parent.parent / "same"
    if not base.exists():
        shutil.copytree(ours.parent, base, symlinks=True)
        configure(base / "project", ours=True, mj_cache=True, keep_nav=keep_nav)
        for page in (base / "project" / "docs").rglob("*.md"):
            page.write_text(EMBED.sub("", page.read_text(encoding="utf-8")), encoding="utf-8")
        build(base / "project")  # settles the cache to these pages (not timed)
    return base / "project"


def warm(ours: Path, anchor: Path, repeat: int, keep_nav: bool) -> list[tuple[str, float, str]]:
    for project, mine in ((ours, True), (anchor, False), (ours.parent.parent / "same" / "project", True)):
        if project.exists():  # this commit's configuration, on the caches a cold phase filled
            configure(project, ours=mine, mj_cache=True, keep_nav=keep_nav)
            build(project)  # settles the caches to this commit (a new render format, the last edit): not timed
    rows = []
    runs = []
    same = same_pages(ours, keep_nav)
    for _ in range(repeat):  # interleaved, so all see the same load
        runs.append((build(ours), build(anchor), build(same)))
    mine = [r[0] for r in runs]
    theirs = [r[1] for r in runs]
    alike = [r[2] for r in runs]
    rows.append(("fromscratch, warm (no change)", statistics.median(s for s, _ in mine), counts(mine[-1][1])))
    rows.append(("mkdocs-jupyter `execute: true`, its own cache, warm", statistics.median(s for s, _ in theirs),
                 "0 executed (HTML cache hit)"))
    rows.append(("fromscratch, warm, the anchor's pages (the Markdown pages' embeds removed)",
                 statistics.median(s for s, _ in alike), counts(alike[-1][1])))
    notebooks = sorted((ours / "docs").rglob("*.ipynb"))
    first = notebooks[0]
    original = first.read_bytes()
    nb = nbformat.read(first, as_version=4)
    code = next(cell for cell in nb.cells if cell.cell_type == "code")
    code.source += "\nprint('edited')"
    nbformat.write(nb, first)
    seconds, log = build(ours)
    first.write_bytes(original)
    rows.append((f"fromscratch, one notebook edited ({first.relative_to(ours / 'docs')})", seconds, counts(log)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=200, help="numpy work per notebook")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each warm measurement")
    parser.add_argument("--write", type=Path, help="also write the table (Markdown) to this file")
    parser.add_argument("--site", action="store_true", help="benchmark the real site's own notebooks")
    parser.add_argument("--sequential", action="store_true",
                        help="run the two cold builds one after the other instead of side by side")
    parser.add_argument("--workdir", type=Path,
                        help="keep the projects and their caches here (default: a temporary folder)")
    parser.add_argument("--phase", choices=("all", "cold", "warm"), default="all",
                        help="cold: the two cold builds only; warm: the warm rows on a --workdir whose "
                             "cold phase has run (a later commit's warm builds on the same caches)")
    args = parser.parse_args()
    if args.phase != "all" and args.workdir is None:
        parser.error("--phase cold|warm needs --workdir")

    with tempfile.TemporaryDirectory(prefix="fromscratch-bench-") as tmp:
        work = args.workdir or Path(tmp)
        results = work / "results.json"
        if args.phase in ("all", "cold"):
            if work.exists() and any(work.iterdir()):
                raise SystemExit(f"{work} is not empty: the cold phase needs empty caches")
            work.mkdir(parents=True, exist_ok=True)
            ours, anchor = prepare(work, args)
            load = load_average()
            rows = cold(ours, anchor, side_by_side=not args.sequential)
            results.write_text(json.dumps({"cold": rows, "cold_load": load,
                                           "cold_commit": commit()}), encoding="utf-8")
        if args.phase in ("all", "warm"):
            ours, anchor = work / "ours" / "project", work / "anchor" / "project"
            data = json.loads(results.read_text(encoding="utf-8"))
            load = load_average()
            data["warm"] = warm(ours, anchor, args.repeat, keep_nav=args.site)
            data["warm_load"], data["warm_commit"] = load, commit()
            results.write_text(json.dumps(data), encoding="utf-8")
        data = json.loads(results.read_text(encoding="utf-8"))
        notebooks = len(list((work / "ours" / "project" / "docs").rglob("*.ipynb")))

    rows = [tuple(r) for r in data["cold"] + data.get("warm", [])]
    baseline = rows[1][1]
    what = (f"the site's {notebooks} notebooks" if args.site
            else f"{args.notebooks} synthetic notebooks (numpy + matplotlib)")
    lines = [
        f"{what}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; whole `mkdocs build` wall time. "
        f"Cold builds {'one after the other' if args.sequential else 'side by side'} at commit "
        f"{data['cold_commit']}, load average {data['cold_load']} (1/5/15 min) at their start"
        + (f"; warm builds at commit {data['warm_commit']}, load average {data['warm_load']}, "
           f"median of {args.repeat} interleaved runs each." if "warm" in data else "."),
        "",
        "| build | seconds | vs mkdocs-jupyter cold | notebooks |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, seconds, what in rows:
        lines.append(f"| {name} | {seconds:.2f} | {baseline / seconds:.1f}x faster | {what} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        args.write.write_text(table + "\n", encoding="utf-8")


def commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or "?"


if __name__ == "__main__":
    main()
