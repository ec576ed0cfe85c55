"""`make serve` rebuilds only the page whose text was edited, and everything when more changed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import make_project
from fromscratch.fast_reload import page_edits, snapshot

SERVE = [sys.executable, "-m", "fromscratch.serve"]
FAST = "rebuilding that page only"


def test_only_in_place_edits_of_page_text_qualify(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    page, other = docs / "a.md", docs / "b.md"
    page.write_text("---\ntitle: A\n---\n# A\n\nBody.\n")
    other.write_text("# B\n")
    data = docs / "data.json"
    data.write_text("{}")
    before = snapshot([docs])
    assert page_edits(before, snapshot([docs]), docs) is None  # nothing changed

    page.write_text("---\ntitle: A\n---\n# A\n\nA longer body.\n")
    assert page_edits(before, snapshot([docs]), docs) == [str(page)]

    for edit in ("---\ntitle: Renamed\n---\n# A\n\nBody.\n", "---\ntitle: A\n---\n# Renamed\n\nBody.\n"):
        page.write_text(edit)  # what other pages' nav and the search index show of it
        assert page_edits(before, snapshot([docs]), docs) is None
    page.write_text("---\ntitle: A\n---\n# A\n\nBody, again.\n")

    data.write_text('{"x": 1}')  # a data file: widgets or notebooks may read it
    assert page_edits(before, snapshot([docs]), docs) is None
    data.write_text("{}")

    notebook = docs / "n.ipynb"
    notebook.write_text(_notebook("# N\n\nProse.", "print(6007 * 7)"))
    before = snapshot([docs])
    notebook.write_text(_notebook("# N\n\nOther prose.", "print(6007 * 7)"))  # same outputs
    assert page_edits(before, snapshot([docs]), docs) == [str(notebook)]
    notebook.write_text(_notebook("# N\n\nProse.", "print(6007 * 8)"))  # to be executed again
    assert page_edits(before, snapshot([docs]), docs) is None
    notebook.write_text(_notebook("# Renamed\n\nProse.", "print(6007 * 7)"))
    assert page_edits(before, snapshot([docs]), docs) is None
    notebook.write_text(_notebook("# N\n\nProse.", "print(6007 * 7)"))

    (docs / "new.md").write_text("# New\n")  # a new page changes the nav
    assert page_edits(before, snapshot([docs]), docs) is None
    (docs / "new.md").unlink()
    other.unlink()
    assert page_edits(before, snapshot([docs]), docs) is None


def _notebook(markdown: str, code: str) -> str:
    cells = [{"cell_type": "markdown", "id": "prose", "metadata": {}, "source": markdown},
             {"cell_type": "code", "id": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": code}]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                   "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5})


class Served:
    def __init__(self, project: Path, port: int) -> None:
        self.project = project
        self.base = f"http://127.0.0.1:{port}/"
        self.proc = subprocess.Popen([*SERVE, "--port", str(port)], cwd=project, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line)

    def get(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as resp:
                return resp.read().decode()
        except OSError:
            return None

    def wait_for(self, path: str, needle: str, limit: float = 300) -> str:
        deadline = time.monotonic() + limit
        while True:
            html = self.get(path)
            if html is not None and needle in html:
                return html
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{path} never showed {needle!r}:\n" + "".join(self.log)[-4000:])
            time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def served(tmp_path):
    docs = {
        "index.md": "# Home\n\nWelcome.\n",
        "a.md": "# Apples\n\nAbout apples.\n\n## Kinds\n\nMany kinds.\n",
        "b.md": "# Bananas\n\nAbout bananas.\n",
        "c.md": '# Cherries\n\n{% notebook "count.ipynb", cells="2" %}\n',
        "count.ipynb": _notebook("# Counting\n\nA sum.", "print(6007 * 7)"),
    }

    def nav(config: str) -> str:
        return "nav:\n  - index.md\n  - a.md\n  - b.md\n  - c.md\n  - count.ipynb\n" + config

    project = make_project(tmp_path, docs, config_edit=nav)
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = Served(project, port)
    try:
        server.wait_for("", "Welcome.")
        time.sleep(1)  # the watcher starts after the first build
        yield server
    finally:
        server.stop()


def test_a_page_edit_rebuilds_that_page_and_keeps_the_whole_search_index(served):
    page = served.project / "docs" / "a.md"
    page.write_text(page.read_text() + "\n## Orchards\n\nPlanted in rows: zebrawood.\n")
    served.wait_for("a/", "zebrawood")
    assert sum(FAST in line for line in served.log) == 1, "".join(served.log)[-3000:]
    assert not any("WARNING" in line and "dirty" in line for line in served.log)  # chosen, so not warned

    index = json.loads(served.get("search/search_index.json") or "{}")
    locations = {doc["location"] for doc in index["docs"]}
    assert {"a/#orchards", "a/#kinds", "b/", ""} <= locations  # the edited page's new section, and the rest
    assert "zebrawood" in json.dumps(index)
    # the other pages were not rendered again, but are still served whole
    assert "About bananas." in (served.get("b/") or "")
    # and search by meaning still has every page's sections, the new one included
    runtime = json.loads(served.get("assets/runtime/runtime.json") or "{}")
    manifest = runtime["files"][runtime["corpora"]["site-sections"]["manifest"]]["url"]
    items = json.loads(served.get(manifest) or "{}")["items"]
    assert {"a/#orchards", "a/#kinds", "b/"} <= {item["location"] for item in items}

    # a new title changes every page's nav: the whole site is rebuilt
    other = served.project / "docs" / "b.md"
    other.write_text(other.read_text().replace("# Bananas", "# Plantains"))
    served.wait_for("a/", "Plantains")  # the nav of a page that was not edited
    assert sum(FAST in line for line in served.log) == 1


def test_a_notebook_prose_edit_keeps_its_outputs_without_running_it(served):
    notebook = served.project / "docs" / "count.ipynb"
    assert ": executed, " in "".join(served.log)  # the first build ran it
    ran = "".join(served.log).count(": executed, ")
    notebook.write_text(_notebook("# Counting\n\nA sum, now explained: quetzal.", "print(6007 * 7)"))
    page = served.wait_for("count/", "quetzal")
    assert "42049" in page  # the output, merged into the new Markdown
    assert sum(FAST in line for line in served.log) == 1
    assert "".join(served.log).count(": executed, ") == ran  # no kernel
    assert "42049" in (served.get("c/") or "")  # the page that embeds its cell, rendered again

    notebook.write_text(_notebook("# Counting\n\nA sum, now explained: quetzal.", "print(6007 * 8)"))
    served.wait_for("count/", "48056")  # new code: the whole build, and the notebook runs
    assert "".join(served.log).count(": executed, ") == ran + 1
    assert "48056" in (served.get("c/") or "")
    assert sum(FAST in line for line in served.log) == 1


def test_the_served_folders_are_polled_five_times_as_often(tmp_path: Path) -> None:
    """MkDocs polls every 0.5 s; `make serve` moves the watched paths to a 0.1 s poll, and a
    saved page is still seen (it asks for a rebuild)."""
    from fromscratch.fast_reload import poll_often
    from mkdocs.livereload import LiveReloadServer

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(str(docs))
    old = server.observer
    poll_often(server)
    assert server.observer is not old and server.observer.timeout == 0.1
    server.observer.start()
    try:
        time.sleep(0.3)  # its first snapshot
        (docs / "a.md").write_text("# A\n\nEdited.\n")
        deadline = time.monotonic() + 2
        while not server._want_rebuild and time.monotonic() < deadline:  # MkDocs' own flag
            time.sleep(0.02)
        assert server._want_rebuild, "the edit was not seen"
    finally:
        server.observer.stop()
        server.observer.join()
        server.server_close()
