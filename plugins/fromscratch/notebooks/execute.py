"""Run notebooks with a real Jupyter kernel (nbclient), several at once, failing in one line.

All kernels are driven from one asyncio loop: each kernel is its own process, so this is
real parallelism without threads or a process pool, and a failure in one notebook lets
the others finish (their results are still worth caching).
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO

from jupyter_core.paths import jupyter_path
from mkdocs.exceptions import PluginError
from nbformat import NotebookNode

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(r"Cell In\s*\[\d*\],\s*line (\d+)")


@dataclass
class Job:
    """One notebook to execute: its display path, its folder (the cwd) and its cells."""

    name: str  # e.g. "docs/content/ch0-fundamentals/vector-store.ipynb"
    folder: Path
    nb: NotebookNode
    key: str = ""


@dataclass
class Outcome:
    job: Job
    seconds: float
    nb: NotebookNode | None = None
    error: str | None = None  # one line, already naming the cell
    extra: dict = field(default_factory=dict)


@lru_cache(maxsize=8)
def kernel_executable(kernel: str) -> str:
    """The interpreter the kernel runs (argv[0] of its spec); clear error if it is missing.

    Read from the spec's file in Jupyter's kernel folders, in the order jupyter_client searches
    them: its KernelSpecManager also imports IPython and loads every kernel provisioner's entry
    point, a tenth of a second of each warm build, to answer the same question."""
    argv = None
    for folder in jupyter_path("kernels"):
        try:
            argv = json.loads((Path(folder) / kernel.lower() / "kernel.json").read_text(encoding="utf-8"))["argv"]
            break
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError):
            break
    if not argv or not isinstance(argv[0], str):
        raise PluginError(
            f"Jupyter kernel {kernel!r} is not installed: run `make setup`, or "
            f"`.venv/bin/python -m ipykernel install --sys-prefix --name {kernel}`"
        )
    return argv[0]


@lru_cache(maxsize=8)
def kernel_python(kernel: str) -> str:
    """The Python version the kernel runs; clear error if it cannot run."""
    exe = kernel_executable(kernel)
    try:
        out = subprocess.run(
            [exe, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True, text=True, timeout=60, check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PluginError(f"Jupyter kernel {kernel!r} cannot start {exe!r}: {exc}") from None
    return out.stdout.strip()


def default_workers() -> int:
    return os.cpu_count() or 1


def execute_all(
    jobs: list[Job],
    *,
    kernel: str,
    timeout: int,
    workers: int,
    on_done: Callable[[Outcome], None],
) -> list[Outcome]:
    """Execute `jobs` at most `workers` at a time; `on_done` sees each outcome as it lands."""
    if not jobs:
        return []
    return asyncio.run(_execute_all(jobs, kernel, timeout, max(1, workers), on_done))


async def _execute_all(
    jobs: list[Job], kernel: str, timeout: int, workers: int, on_done: Callable[[Outcome], None]
) -> list[Outcome]:
    gate = asyncio.Semaphore(workers)

    async def one(job: Job) -> Outcome:
        async with gate:
            start = time.perf_counter()
            started_at = datetime.now(UTC)
            try:
                nb = await _run(job, kernel, timeout)
            except _Failed as exc:
                outcome = Outcome(job, time.perf_counter() - start, error=str(exc))
            except Exception as exc:  # noqa: BLE001 - one notebook's surprise must not hide the others
                outcome = Outcome(job, time.perf_counter() - start,
                                  error=f"the notebook could not run: {exc.__class__.__name__}: {exc}")
            else:
                seconds = time.perf_counter() - start
                nb.metadata["fromscratch"] = {
                    **nb.metadata.get("fromscratch", {}),
                    "executed_at": started_at.isoformat(timespec="seconds"),
                    "seconds": round(seconds, 2),
                    "kernel": kernel,
                    "python": kernel_python(kernel),
                }
                outcome = Outcome(job, seconds, nb=nb)
            on_done(outcome)
            return outcome

    return list(await asyncio.gather(*(one(job) for job in jobs)))


class _Failed(Exception):
    pass


async def _run(job: Job, kernel: str, timeout: int) -> NotebookNode:
    # imported here: a warm build runs no kernel, and nbclient costs 40 ms to import
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = copy.deepcopy(job.nb)
    current = {"index": -1}

    def on_cell_execute(cell: NotebookNode, cell_index: int) -> None:
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        allow_errors=False,  # only cells tagged raises-exception may fail
        resources={"metadata": {"path": str(job.folder)}},
        on_cell_execute=on_cell_execute,
    )
    # The kernel's stderr: start-up chatter when all is well (dropped), the cause when the
    # kernel cannot start or dies (shown, its last lines).
    with tempfile.TemporaryFile(mode="w+b") as stderr:
        try:
            await client.async_execute(cwd=str(job.folder), stderr=stderr)
        except CellExecutionError:
            raise _Failed(describe_failure(nb, current["index"])) from None
        except CellTimeoutError:
            raise _Failed(
                f"cell {current['index'] + 1} ran longer than {timeout} s (the per-cell timeout; "
                "raise `notebooks: timeout:` in mkdocs.yml if it is meant to)"
            ) from None
        except DeadKernelError:
            raise _Failed(
                f"cell {current['index'] + 1}: the kernel died (out of memory, or a crash)" + _tail(stderr)
            ) from None
        except Exception as exc:  # noqa: BLE001 - jupyter_client raises RuntimeError, TimeoutError ...
            if current["index"] >= 0:
                raise _Failed(
                    f"cell {current['index'] + 1}: the kernel failed ({exc.__class__.__name__}: {exc})"
                    + _tail(stderr)
                ) from None
            raise _Failed(
                f"the Jupyter kernel {kernel!r} did not start ({exc.__class__.__name__}: {exc}); "
                "its stderr is below; `make setup` re-installs the project's kernel" + _tail(stderr)
            ) from None
        finally:
            # nbclient's exit hook would clean up a kernel that is gone already and print a
            # traceback as the build exits
            atexit.unregister(client._cleanup_kernel)
    return nb


def _tail(stderr: IO[bytes], lines: int = 12) -> str:
    """The last lines the kernel wrote to stderr, indented under the one-line message."""
    stderr.seek(0)
    text = _ANSI.sub("", stderr.read().decode("utf-8", "replace")).rstrip()
    if not text:
        return " (the kernel wrote nothing to stderr)"
    tail = text.splitlines()[-lines:]
    return "\n  kernel stderr, last lines:\n" + "\n".join(f"    {line}" for line in tail)


def describe_failure(nb: NotebookNode, index: int) -> str:
    """`cell N (In [k]), line L: `source line`: Type: message` from the cell's error output."""
    cell = nb.cells[index]
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    where = f"cell {index + 1}"
    if cell.get("execution_count"):
        where += f" (In [{cell.execution_count}])"
    if error is None:
        return f"{where} failed"
    what = f"{error.get('ename', 'Error')}: {error.get('evalue', '')}".rstrip(": ")
    traceback = _ANSI.sub("", "\n".join(error.get("traceback", [])))
    m = _CELL_LINE.search(traceback)
    if m:
        number = int(m.group(1))
        lines = cell.source.splitlines()
        if 1 <= number <= len(lines):
            return f"{where}, line {number} `{lines[number - 1].strip()}`: {what}"
    return f"{where}: {what}"
