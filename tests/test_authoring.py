"""What an author meets: `make serve` on a busy port, problems shown while serving, one-line
errors, builds swapped in at once, and a deleted model fetched again by `make setup`."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, make_project, run_mkdocs_build
from fromscratch import build_site

SERVE = [sys.executable, "-m", "fromscratch.serve"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _nav(*entries: str):  # noqa: ANN202
    def edit(config: str) -> str:
        return "nav:\n" + "".join(f"  - {e}\n" for e in entries) + config

    return edit


def test_serve_on_a_busy_port_stops_at_once_naming_the_process(tmp_path):
    project = make_project(tmp_path, {"index.md": "# Home\n"})
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        started = time.monotonic()
        proc = subprocess.run([*SERVE, "--port", str(port)], cwd=project, capture_output=True,
                              text=True, timeout=60)
        took = time.monotonic() - started
    assert proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use by pid {os.getpid()}" in proc.stderr
    assert f"make serve PORT={port + 1}" in proc.stderr
    assert "Traceback" not in proc.stderr and "Building documentation" not in proc.stderr
    assert took < 30, f"it built first ({took:.0f} s)"  # a build of even this page takes longer


def test_make_serve_passes_port_through():
    out = subprocess.run(["make", "-n", "serve", "PORT=8123"], cwd=ROOT, capture_output=True, text=True)
    assert "fromscratch.serve --port 8123" in out.stdout


@pytest.fixture
def served(tmp_path):
    """Serve a small project with mistakes in it through `make serve`'s entry point."""
    docs = {
        "index.md": "# Home\n\nIntro.\n\nSee [vectors](/vector/) and [a bad anchor](/vectors/#nowhere).\n",
        "vectors.md": "# Vectors\n\n## Length\n",
        "forgotten.md": "# Left out of the nav\n",
    }
    project = make_project(tmp_path, docs, config_edit=_nav("index.md", "vectors.md"))
    port = _free_port()
    proc = subprocess.Popen([*SERVE, "--port", str(port)], cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(base, timeout=5) as resp:
                    html = resp.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stdout.read() if proc.stdout else "serve never answered") from None
                time.sleep(0.5)
        yield project, base, html
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_served_pages_show_each_problem_with_file_and_line(served):
    project, base, html = served
    assert 'class="fs-serve-report"' in html
    report = html.split('class="fs-serve-report"', 1)[1].split("</div>", 1)[0]
    assert "3 problems will fail" in report
    assert "docs/forgotten.md: not in the nav" in report
    assert "docs/index.md:5: link to &#x27;/vector/&#x27; points to no page" in report
    assert "did you mean /vectors/?" in report
    assert "#nowhere" in report and "docs/index.md:5" in report
    # the banner's styles come from a stylesheet the served site has (no inline style: CSP)
    href = html.split('<link rel="stylesheet" href="', 1)[0]  # noqa: F841 - order checked below
    assert 'href="assets/stylesheets/fromscratch-serve-report.css"' in html
    with urllib.request.urlopen(base + "assets/stylesheets/fromscratch-serve-report.css", timeout=5) as resp:
        assert b".fs-serve-report" in resp.read()
    assert "style=" not in report


def test_a_build_never_has_the_banner(tmp_path):
    docs = {"index.md": "# Home\n\n[x](/vector/)\n", "vectors.md": "# V\n"}
    project = make_project(tmp_path, docs)
    env = {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir", "site"], cwd=project,
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "did you mean /vectors/?" in proc.stderr  # the warning is there ...
    assert not (project / "site/assets/stylesheets/fromscratch-serve-report.css").exists()
    assert "fs-serve-report" not in (project / "site/index.html").read_text()  # ... the banner is not
    # and Material's end-of-life notice is silenced by mkdocs.yml itself, not only by the Makefile
    assert "end of life" not in proc.stderr


def test_a_shortcode_error_is_one_line(tmp_path):
    project = make_project(tmp_path, {"index.md": "# Home\n\n{% ahamoment \"abc, \"Label\" %}\n"})
    result = run_mkdocs_build(project)
    assert not result.ok
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert errors == ["ERROR   -  docs/index.md:3: ahamoment: expected a comma or %} after an argument, found 'L'"]


# -- make build: a scratch folder of its own, swapped in at once --------------------------------

def _fake_build(site: Path, label: str) -> Path:
    scratch = build_site.scratch_dir(site)
    for i in range(50):
        (scratch / f"page{i}.html").write_text(label)
    (scratch / "index.html").write_text(label)
    return scratch


def test_concurrent_swaps_never_leave_a_moment_without_a_site(tmp_path):
    site = tmp_path / "site"
    build_site.swap_in(_fake_build(site, "first"), site)
    seen_missing: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                (site / "index.html").read_text()
            except OSError as exc:
                seen_missing.append(str(exc))

    def builder(n: int) -> None:
        for round_ in range(10):
            build_site.swap_in(_fake_build(site, f"build {n} round {round_}"), site)

    watch = threading.Thread(target=reader)
    watch.start()
    builders = [threading.Thread(target=builder, args=(n,)) for n in range(4)]
    for t in builders:
        t.start()
    for t in builders:
        t.join()
    stop.set()
    watch.join()
    assert seen_missing == []
    label = (site / "index.html").read_text()
    assert label.startswith("build ")
    assert {p.read_text() for p in site.glob("page*.html")} == {label}  # one build, not a mix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no scratch or old site left
    assert oct(site.stat().st_mode & 0o777) != oct(0o700)  # readable by a web server, not mkdtemp's 0700


def test_a_failed_build_leaves_the_site_as_it_was(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old")
    cwd = os.getcwd()
    os.chdir(tmp_path)  # no mkdocs.yml here: mkdocs fails at once
    try:
        assert build_site.main(["--site-dir", "site"]) != 0
    finally:
        os.chdir(cwd)
    assert (site / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# -- make setup: the model step notices a deleted or changed model file --------------------------

def test_make_setup_fetches_a_deleted_or_changed_model_again(tmp_path):
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "package.json", "package-lock.json",
                 ".npmrc", "mkdocs.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    model = tmp_path / ".cache/models/m"
    model.mkdir(parents=True)
    for name in ("config.json", "model.onnx"):
        (model / name).write_text(name)
    stamps = [tmp_path / ".venv/.installed", tmp_path / "node_modules/.installed", tmp_path / ".cache/models/.stamp"]
    for stamp in stamps:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    stamps[-1].write_text(".cache/models/m/config.json\n.cache/models/m/model.onnx\n")
    later = time.time() + 5
    for i, stamp in enumerate(stamps):
        os.utime(stamp, (later + i, later + i))

    def fetch_planned() -> bool:
        out = subprocess.run(["make", "-n", "setup"], cwd=tmp_path, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return "fromscratch.runtime.fetch" in out.stdout

    assert not fetch_planned()  # everything current: nothing runs
    (model / "model.onnx").unlink()
    assert fetch_planned()  # deleted: fetched again
    (model / "model.onnx").write_text("model.onnx")
    os.utime(model / "model.onnx", (later + 10, later + 10))
    assert fetch_planned()  # changed since it was verified: verified (and fetched) again


def test_fetch_stamp_lists_the_verified_model_files(tmp_path):
    project = make_project(tmp_path, {"index.md": "# Home\n"})
    if not (project / ".cache/models").exists():
        pytest.skip("the model is fetched by `make setup` first")
    stamp = project / ".cache/stamp"
    proc = subprocess.run([sys.executable, "-m", "fromscratch.runtime.fetch", "--config", "mkdocs.yml",
                           "--stamp", str(stamp)], cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    listed = stamp.read_text().split()
    assert any(name.endswith("onnx/model_quantized.onnx") for name in listed)
    assert all((project / name).is_file() for name in listed)


def test_mkdocs_own_link_warnings_get_their_line(tmp_path):
    from fromscratch.serve_report import problems

    (tmp_path / "a.md").write_text("# A\n\nintro\n\nsee [b](b.md#nowhere)\n")
    records = [
        logging.LogRecord("mkdocs.structure.pages", logging.WARNING, "", 0,
                          "Doc file 'a.md' contains a link 'b.md#nowhere', but the doc 'b.md' does not "
                          "contain an anchor '#nowhere'.", None, None),
        logging.LogRecord("mkdocs.structure.nav", logging.WARNING, "", 0,
                          'The following pages exist in the docs directory, but are not included in the '
                          '"nav" configuration:\n  - a.md\n  - nb/x.ipynb', None, None),
    ]
    found = problems(records, tmp_path)
    assert found[0].startswith("docs/a.md:5: Doc file 'a.md' contains a link 'b.md#nowhere'")
    assert found[1].startswith("docs/a.md: not in the nav")
    assert found[2].startswith("docs/nb/x.ipynb: not in the nav")


# -- the versions README states are the versions the locked packages need ------------------------

def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) if p.isdigit() else 0 for p in text.lstrip("v=").split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def _admits(node_range: str, version: tuple[int, ...]) -> bool:
    """npm's engines ranges as the lock has them (>=, >, <, <=, ^, ~, plain, *), joined by ||."""
    for alternative in node_range.split("||"):
        tokens = re.findall(r"(>=|<=|>|<|\^|~|=)?\s*(v?[\dx*][\w.*]*)", alternative)
        ok = True
        for op, ver in tokens:
            if ver in ("*", "x"):
                continue
            want = _version(ver)
            if op == ">=":
                ok &= version >= want
            elif op == ">":
                ok &= version > want
            elif op == "<":
                ok &= version < want
            elif op == "<=":
                ok &= version <= want
            elif op == "^":
                ok &= want <= version < ((want[0] + 1, 0, 0) if want[0] else (0, want[1] + 1, 0))
            elif op == "~":
                ok &= want <= version < (want[0], want[1] + 1, 0)
            else:
                ok &= version[: len(ver.split("."))] == want[: len(ver.split("."))]
        if ok:
            return True
    return False


def test_the_stated_node_version_is_enough_for_every_locked_package():
    stated = re.search(r"Node\.js (\d+(?:\.\d+)*)\+", (ROOT / "README.md").read_text())
    assert stated, "README names the Node.js version it needs"
    minimum = _version(stated.group(1))
    assert json.loads((ROOT / "package.json").read_text())["engines"]["node"] == ">=" + ".".join(map(str, minimum))
    lock = json.loads((ROOT / "package-lock.json").read_text())
    too_new = {
        name: meta["engines"]["node"]
        for name, meta in lock["packages"].items()
        if isinstance(meta.get("engines"), dict) and "node" in meta["engines"] and not meta.get("optional")
        and not _admits(meta["engines"]["node"], minimum)
    }
    assert not too_new, f"these need a newer Node.js than README's {stated.group(1)}: {too_new}"


def test_the_stated_python_version_is_enough_for_every_installed_package():
    from importlib.metadata import distributions

    from packaging.specifiers import SpecifierSet

    stated = re.search(r"Python (\d+\.\d+(?:\.\d+)?)\+", (ROOT / "README.md").read_text())
    assert stated, "README names the Python version it needs"
    minimum = stated.group(1)
    assert f'requires-python = ">={stated.group(1)}"' in (ROOT / "pyproject.toml").read_text()
    locked = {line.split("==")[0].lower().replace("_", "-") for line in
              (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    too_new = {}
    for dist in distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        needs = dist.metadata["Requires-Python"]
        if name in locked and needs and minimum not in SpecifierSet(needs):
            too_new[name] = needs
    assert not too_new, f"these need a newer Python than README's {stated.group(1)}: {too_new}"
