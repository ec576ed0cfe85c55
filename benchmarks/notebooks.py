"""How long each notebook takes to run from scratch, one at a time, with the build's kernel.

    .venv/bin/python benchmarks/notebooks.py [NOTEBOOK ...] [--cells 3] [--kernel fromscratch]
    .venv/bin/python benchmarks/notebooks.py docs/content/ch1-rag/*.ipynb --cells 5

Every notebook under `docs/` by default. Each runs as the build runs it (nbclient, the
project's Jupyter kernel, the notebook's own folder as the working directory) but without
the build's notebook cache and never two at once, so its seconds are its own and not shared
with a neighbour. The issue's budget is two minutes a notebook on two cores; on a shared
machine the load average (before and after each run, from `os.getloadavg`) says how far
from idle the seconds are. `--cells N` also lists each notebook's N slowest cells (from
the timings nbclient records per cell), which is where to look when one is over budget.
Nothing is written back: the executed notebooks are thrown away.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 120.0  # seconds: the limit per notebook on two cores
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def cell_seconds(cell: nbformat.NotebookNode) -> float | None:
    """Seconds a cell ran, from the timestamps nbclient records in its metadata."""
    times = cell.get("metadata", {}).get("execution", {})
    start, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def first_line(cell: nbformat.NotebookNode, width: int = 60) -> str:
    line = next((s for s in cell.source.splitlines() if s.strip() and not s.startswith("#")), "")
    return line if len(line) <= width else line[: width - 1] + "…"


# Appended to the in-memory copy only: the kernel's own CPU time (its threads and any child
# processes), which a busy machine does not inflate the way it inflates wall-clock seconds.
CPU_CELL = """import resource as _r
_s, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN)
print("cpu-seconds", _s.ru_utime + _s.ru_stime + _c.ru_utime + _c.ru_stime)"""


def cpu_seconds(nb: nbformat.NotebookNode) -> float | None:
    for output in nb.cells[-1].get("outputs", []):
        match = re.search(r"cpu-seconds ([\d.]+)", output.get("text", ""))
        if match:
            return float(match.group(1))
    return None


def run(path: Path, kernel: str, timeout: int) -> tuple[float, float | None, str, nbformat.NotebookNode]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_CELL))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute(cwd=str(path.parent))
        status = "ok" if time.perf_counter() - start <= BUDGET else "over budget"
    except CellExecutionError as exc:
        status = "failed: " + ANSI.sub("", str(exc)).strip().splitlines()[-1][:80]
    seconds = time.perf_counter() - start
    return seconds, None if status.startswith("failed") else cpu_seconds(nb), status, nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every .ipynb under docs/")
    parser.add_argument("--kernel", default="fromscratch", help="the Jupyter kernel (the build's default)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds a cell may run")
    parser.add_argument("--cells", type=int, default=0, help="also list each notebook's N slowest cells")
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "docs").rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    if not paths:
        sys.exit("no notebooks given or found under docs/")

    print(f"{len(paths)} notebooks, one at a time, kernel {args.kernel!r}, {os.cpu_count()} CPUs, "
          f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n")
    rows, slow = [], []
    for path in paths:
        before = os.getloadavg()[0]
        seconds, cpu, status, nb = run(path, args.kernel, args.timeout)
        after = os.getloadavg()[0]
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        rows.append((name, seconds, cpu, before, after, status))
        print(f"  {name}: {seconds:.1f} s ({status})", file=sys.stderr, flush=True)
        if args.cells:
            timed = [(s, i + 1, first_line(c)) for i, c in enumerate(nb.cells[:-1])
                     if c.cell_type == "code" and (s := cell_seconds(c)) is not None]
            slow.append((name, sorted(timed, reverse=True)[: args.cells]))

    print("| notebook | seconds | CPU seconds | load before | load after | |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, seconds, cpu, before, after, status in rows:
        cpu_text = "" if cpu is None else f"{cpu:.1f}"
        print(f"| `{name}` | {seconds:.1f} | {cpu_text} | {before:.1f} | {after:.1f} | {status} |")
    print(f"\nBudget {BUDGET:.0f} s each (wall clock, kernel start to last cell). Load average: the one-minute")
    print("figure (2 means both cores busy). CPU seconds: the kernel's own user + system time, which")
    print("other jobs on the machine barely change; above the wall time where a cell used both cores.")
    for name, cells in slow:
        print(f"\nslowest cells of `{name}`:")
        for seconds, number, line in cells:
            print(f"  cell {number:>2}: {seconds:6.1f} s  {line}")


if __name__ == "__main__":
    main()
