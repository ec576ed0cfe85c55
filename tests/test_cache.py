"""Caches that can never serve wrong output: keys, damaged entries, one folder, eviction."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, make_project, run_mkdocs_build
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PRINT_DATA = new_notebook(cells=[new_markdown_cell("# Data"), new_code_cell("print('data:', open('data.txt').read().strip())")])


def cache_at(cache: Path, *, enabled: bool = True, extra: str = ""):  # noqa: ANN201
    """mkdocs.yml edit: the plugin's one cache folder (and switch) in the test's temp folder."""

    def edit(config: str) -> str:
        entry = (
            f"  - fromscratch:\n      cache_dir: {cache}\n      cache: {'true' if enabled else 'false'}\n"
            f"      notebooks:\n        workers: 2\n{extra}"
        )
        return config.replace("  - fromscratch:\n", entry, 1)

    return edit


def states(output: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r"notebook (docs/\S+\.ipynb): (executed|cached|failed)", output)}


# -- the notebook cache key (reproduced: a's output on b's page) ------------------------------


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    tmp = tmp_path_factory.mktemp("twins")
    cache = tmp / "cache"
    declared = new_notebook(
        cells=[new_code_cell("print('shared:', open('../shared/value.txt').read().strip())")],
        metadata={"fromscratch": {"inputs": ["../shared/*.txt"]}},
    )
    project = make_project(
        tmp,
        {
            "index.md": "# Home\n",
            "a/nb.ipynb": nbformat.writes(PRINT_DATA),
            "a/data.txt": "alpha\n",
            "a/notes.md": "# Notes\n",
            "b/nb.ipynb": nbformat.writes(PRINT_DATA),
            "b/data.txt": "beta\n",
            "c/reads.ipynb": nbformat.writes(declared),
            "shared/value.txt": "one\n",
        },
        config_edit=cache_at(cache),
    )
    cold = run_mkdocs_build(project)
    assert cold.ok, cold.output
    return project, cache, cold


def test_identical_notebooks_in_two_folders_show_their_own_output(twins) -> None:  # noqa: ANN001
    project, _, cold = twins
    assert "data: alpha" in cold.page("a/nb/") and "data: beta" in cold.page("b/nb/")
    warm = run_mkdocs_build(project)
    assert warm.ok, warm.output
    assert set(states(warm.output).values()) == {"cached"}
    assert "data: beta" in warm.page("b/nb/") and "data: alpha" not in warm.page("b/nb/")
    assert "data: alpha" in warm.page("a/nb/")


def test_a_file_beside_the_notebook_or_a_declared_input_reruns_it(twins) -> None:  # noqa: ANN001
    project, _, _ = twins
    (project / "docs/a/notes.md").write_text("# Notes\n\nprose only\n", encoding="utf-8")
    prose = run_mkdocs_build(project)
    assert prose.ok, prose.output
    assert states(prose.output)["docs/a/nb.ipynb"] == "cached"  # a page beside it is no input

    (project / "docs/a/data.txt").write_text("gamma\n", encoding="utf-8")
    (project / "docs/shared/value.txt").write_text("two\n", encoding="utf-8")
    edited = run_mkdocs_build(project)
    assert edited.ok, edited.output
    assert states(edited.output) == {
        "docs/a/nb.ipynb": "executed", "docs/b/nb.ipynb": "cached", "docs/c/reads.ipynb": "executed",
    }
    assert "data: gamma" in edited.page("a/nb/") and "shared: two" in edited.page("c/reads/")


def test_a_declared_input_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell("print(1)")], metadata={"fromscratch": {"inputs": ["../data/*.csv"]}})
    project = make_project(tmp_path, {"index.md": "# Home\n", "ch/nb.ipynb": nbformat.writes(nb)},
                           config_edit=cache_at(tmp_path / "cache"))
    result = run_mkdocs_build(project)
    assert not result.ok and "Traceback" not in result.output
    assert "docs/ch/nb.ipynb: metadata.fromscratch.inputs: '../data/*.csv' matches no file" in result.output


def test_a_glob_inside_an_npm_package_stands_for_the_package_npm_installed(tmp_path: Path) -> None:
    from fromscratch.errors import SourceError
    from fromscratch.notebooks.inputs import notebook_inputs

    modules = tmp_path / "node_modules"
    for rel in ("@corp/spam/data/a.txt", "@corp/spam/data/b.txt", "loose/x.json"):
        (modules / rel).parent.mkdir(parents=True, exist_ok=True)
        (modules / rel).write_text(rel, encoding="utf-8")

    def record(integrity: str, mtime: int) -> None:
        lock = {"packages": {"node_modules/@corp/spam": {"version": "1.2.0", "integrity": integrity}}}
        (modules / ".package-lock.json").write_text(json.dumps(lock), encoding="utf-8")
        os.utime(modules / ".package-lock.json", ns=(mtime, mtime))  # as npm's rewrite moves it

    def inputs(*globs: str) -> dict[str, str]:
        nb = new_notebook(metadata={"fromscratch": {"inputs": list(globs)}})
        (tmp_path / "ch").mkdir(exist_ok=True)
        return notebook_inputs(tmp_path / "ch/nb.ipynb", nb, "docs/ch/nb.ipynb")

    record("sha512-one", 10**18)
    assert inputs("../node_modules/@corp/spam/**") == {"npm:@corp/spam": "1.2.0 sha512-one"}
    assert inputs("../node_modules/@corp/spam/data/a.txt") == {"npm:@corp/spam": "1.2.0 sha512-one"}
    record("sha512-two", 2 * 10**18)  # npm installed other bytes: another key
    assert inputs("../node_modules/@corp/spam/**") == {"npm:@corp/spam": "1.2.0 sha512-two"}
    # a package npm does not list is hashed file by file
    assert list(inputs("../node_modules/loose/*.json")) == ["../node_modules/loose/x.json"]
    with pytest.raises(SourceError, match="matches no file"):
        inputs("../node_modules/@corp/spam/*.csv")


def test_key_holds_path_inputs_and_runtime_packages_only() -> None:
    from fromscratch.notebooks.cache import Environment, notebook_key

    env = Environment("fromscratch", "3.11.7", {"numpy": "2.0.0"})
    nb = new_notebook(cells=[new_code_cell("print(1)")])
    key = notebook_key(nb, env, "a/nb.ipynb", {"data.txt": "1"})
    assert notebook_key(nb, env, "b/nb.ipynb", {"data.txt": "1"}) != key
    assert notebook_key(nb, env, "a/nb.ipynb", {"data.txt": "2"}) != key
    assert notebook_key(nb, Environment("fromscratch", "3.11.7", {"numpy": "2.0.1"}), "a/nb.ipynb",
                        {"data.txt": "1"}) != key


def test_kernel_packages_are_the_runtime_dependency_closure() -> None:
    from fromscratch.notebooks.environment import kernel_environment

    python = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
    version, packages = kernel_environment(python, "fromscratch")
    assert re.fullmatch(r"3\.\d+\.\d+", version)
    assert {"numpy", "matplotlib", "nbclient", "onnxruntime"} <= set(packages)  # what notebooks import
    assert packages["numpy"] == np.__version__
    assert not {"ruff", "pytest", "nbstripout", "pre-commit"} & set(packages)  # dev tools re-run nothing


def test_chapter0_notebooks_declare_what_they_read_outside_their_folder() -> None:
    nb = nbformat.read(ROOT / "docs/content/ch0-fundamentals/embeddings-notebook.ipynb", as_version=4)
    inputs = nb.metadata["fromscratch"]["inputs"]
    folder = ROOT / "docs/content/ch0-fundamentals"
    matched = {p.resolve() for pattern in inputs for p in folder.glob(pattern) if p.is_file()}
    model = ROOT / ".cache/models/all-MiniLM-L6-v2"
    if model.is_dir():
        assert (model / "onnx/model_quantized.onnx").resolve() in matched
        assert (model / "tokenizer.json").resolve() in matched


# -- corpus vectors ----------------------------------------------------------------------------


def _fake_embed(texts: list[str]) -> np.ndarray:
    rng = np.random.default_rng(len(texts))
    v = rng.normal(size=(len(texts), 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


MODEL = {"config.json": "c1", "tokenizer.json": "t1", "onnx/model.onnx": "m1"}


def test_a_truncated_corpus_entry_is_rebuilt_not_published(tmp_path: Path) -> None:
    from fromscratch.runtime import corpus

    src = tmp_path / "pets.json"
    src.write_text(json.dumps({"items": [{"text": "a cat"}, {"text": "a dog"}]}))
    cache = tmp_path / "cache"
    first = corpus.build(src, MODEL, 8, cache, _fake_embed)
    for entry in cache.iterdir():
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 3])  # a kill during the write
    again = corpus.build(src, MODEL, 8, cache, _fake_embed)
    assert json.loads(again.manifest) == json.loads(first.manifest) and again.vectors == first.vectors
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_corpus_key_holds_every_model_file_and_entries_of_similar_names_survive(tmp_path: Path) -> None:
    from fromscratch.runtime import corpus

    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return _fake_embed(texts)

    for name in ("pets", "pets-large"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"items": [{"text": f"{name} one"}]}))
    cache = tmp_path / "cache"
    corpus.build(tmp_path / "pets-large.json", MODEL, 8, cache, embed)
    corpus.build(tmp_path / "pets.json", MODEL, 8, cache, embed)
    corpus.build(tmp_path / "pets.json", {**MODEL, "tokenizer.json": "t2"}, 8, cache, embed)
    assert len(calls) == 3  # a new tokenizer is a new model
    corpus.build(tmp_path / "pets-large.json", MODEL, 8, cache, embed)
    assert len(calls) == 3  # pets did not wipe pets-large's entry


# -- damaged entries of the render cache and the styles cache; one folder; eviction -----------


@pytest.fixture(scope="module")
def one_notebook(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    tmp = tmp_path_factory.mktemp("onenb")
    cache = tmp / "cache"
    project = make_project(
        tmp,
        {"index.md": "# Home\n", "nb.ipynb": nbformat.writes(new_notebook(cells=[new_code_cell("print('hello ' * 2)")])),
         "gone.ipynb": nbformat.writes(new_notebook(cells=[new_code_cell("print('to be deleted')")]))},
        config_edit=cache_at(cache),
    )
    first = run_mkdocs_build(project)
    assert first.ok, first.output
    return project, cache


def test_every_cache_lives_in_one_folder_with_a_manifest(one_notebook) -> None:  # noqa: ANN001
    project, cache = one_notebook
    kinds = {p.name for p in cache.iterdir() if p.is_dir()}
    assert {"notebooks", "renders", "styles"} <= kinds
    assert not (project / ".cache/renders").exists()  # not beside the project as well
    manifest = json.loads((cache / "manifest.json").read_text())
    used = {entry for build in manifest["builds"].values() for entry in build["entries"]}
    for entry in used:
        assert (cache / entry).is_file(), entry
    assert any(e.startswith("renders/") for e in used) and any(e.startswith("styles/") for e in used)


def test_damaged_render_and_style_entries_are_discarded_and_rebuilt(one_notebook) -> None:  # noqa: ANN001
    project, cache = one_notebook
    damaged = list((cache / "renders").rglob("*.json")) + list((cache / "styles").glob("*.json"))
    assert len(damaged) >= 3
    for entry in damaged:
        entry.write_bytes(entry.read_bytes()[:40])
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    assert "hello hello" in result.page("nb/")
    for entry in damaged:
        json.loads(entry.read_text(encoding="utf-8"))  # written again, whole


def test_a_warm_build_renders_no_notebook_page_and_loads_no_converter(one_notebook) -> None:  # noqa: ANN001
    """Notebook pages come from the render cache: nbconvert (and mkdocs-jupyter, jupytext) cost
    0.4 s to import, so a warm build must not even load them; nor nbclient, as no kernel runs."""
    project, cache = one_notebook
    renders = {p: p.stat().st_mtime_ns for p in (cache / "renders").rglob("*.json")}
    assert renders
    result = run_mkdocs_build(project, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.ok, result.output
    assert "hello hello" in result.page("nb/")
    assert {p: p.stat().st_mtime_ns for p in (cache / "renders").rglob("*.json")} == renders  # none written again
    imported = set(re.findall(r"^import time:.*\|\s*(\S+)\s*$", result.output, re.M))
    assert "fromscratch.notebooks.render" in imported  # the import log is there to read
    assert not {"nbconvert", "mkdocs_jupyter", "jupytext", "nbclient"} & imported


def test_entries_the_build_did_not_use_are_evicted(one_notebook) -> None:  # noqa: ANN001
    project, cache = one_notebook
    models = project / ".cache" / "models"
    before = {p for p in cache.rglob("*") if p.is_file()}
    (project / "docs/gone.ipynb").unlink()
    result = run_mkdocs_build(project)
    assert result.ok, result.output
    after = {p for p in cache.rglob("*") if p.is_file()}

    def site_sections(paths: set[Path]) -> set[Path]:
        # search by meaning's corpus is made of every page at once: one page fewer is a new
        # entry, and the old one must go like any other
        return {p for p in paths if p.parent.name == "corpora" and p.name.startswith("site-sections-")}

    assert after - site_sections(after) < before - site_sections(before)
    assert site_sections(before) and site_sections(after).isdisjoint(site_sections(before))
    assert not any("gone" in p.name for p in after)
    executed = list((cache / "notebooks" / "executed").glob("*.ipynb"))
    assert len(executed) == 1
    assert len(list((cache / "renders").rglob("*.json"))) == 1
    if models.exists():
        assert (models / "all-MiniLM-L6-v2" / "tokenizer.json").is_file()  # fetched by make: kept


def test_cache_switched_off_reads_and_keeps_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    docs = {"index.md": "# Home\n", "nb.ipynb": nbformat.writes(new_notebook(cells=[new_code_cell("print(7 * 6)")]))}
    project = make_project(tmp_path, docs, config_edit=cache_at(cache, enabled=False))
    for _ in range(2):
        result = run_mkdocs_build(project)
        assert result.ok, result.output
        assert states(result.output) == {"docs/nb.ipynb": "executed"}
        assert "42" in result.page("nb/")
    assert not list(cache.glob("notebooks/executed/*")) and not list(cache.rglob("renders/**/*.json"))


# -- two builds in one process ----------------------------------------------------------------


def test_two_builds_of_different_projects_in_one_process(tmp_path: Path) -> None:
    """Project one's build is interrupted, after its notebooks ran, by a whole build of project
    two (as a script building another project next to `mkdocs serve` would): each site must
    still show its own notebook."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    configs = {}
    for name in ("one", "two"):
        nb = new_notebook(cells=[new_markdown_cell(f"# {name}"), new_code_cell(f"print('project {name}')")])
        docs = {"index.md": f"# {name}\n\n{{% notebook \"nb.ipynb\", \"2\" %}}\n", "nb.ipynb": nbformat.writes(nb)}
        (tmp_path / name).mkdir()
        project = make_project(tmp_path / name, docs, config_edit=cache_at(tmp_path / name / "cache"))
        configs[name] = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site"))

    ours = configs["one"].plugins["fromscratch"]
    handlers = configs["one"].plugins.events["files"]
    position = next(i for i, h in enumerate(handlers) if getattr(h, "__self__", None) is ours)
    on_files = handlers[position]

    def then_build_two(files, **kwargs):  # noqa: ANN001, ANN003, ANN202
        result = on_files(files, **kwargs)
        build(configs["two"])
        return result

    handlers[position] = then_build_two
    cwd = os.getcwd()
    failure: list[BaseException] = []

    def run() -> None:
        # in a thread of its own: a browser test earlier in the session may have left an
        # event loop running in the main thread, where nbclient's asyncio.run() would refuse
        try:
            build(configs["one"])
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            failure.append(exc)

    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        os.chdir(cwd)
    if failure:
        raise failure[0]
    for name, other in (("one", "two"), ("two", "one")):
        site = Path(configs[name].site_dir)
        for page in ("index.html", "nb/index.html"):
            html = (site / page).read_text(encoding="utf-8")
            assert f"project {name}" in html and f"project {other}" not in html, (name, page)
        assert 'class="nb-runinfo"' in (site / "nb/index.html").read_text(encoding="utf-8"), name


def test_shortcodes_emit_final_relative_urls_without_the_link_rewrite(tmp_path: Path) -> None:
    """With check_links off nothing rewrites the HTML later: the figure and the embed's link
    to its notebook must already be relative to the page (so the site works under a sub-path)."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
    nb = new_notebook(cells=[new_code_cell("print('embedded')")])
    page = '# Page\n\n{% figure "img/pic.svg", "a picture", "cap" %}\n\n{% notebook "../nb/run.ipynb", "1" %}\n'
    docs = {"index.md": "# Home\n", "ch/page.md": page, "ch/img/pic.svg": svg, "nb/run.ipynb": nbformat.writes(nb)}

    def edit(config: str) -> str:
        return cache_at(tmp_path / "cache")(config).replace("  - fromscratch:\n", "  - fromscratch:\n      check_links: false\n", 1)

    result = run_mkdocs_build(make_project(tmp_path, docs, config_edit=edit))
    assert result.ok, result.output
    html = result.page("ch/page/")
    assert 'src="../img/pic.svg"' in html
    assert re.search(r'<a href="\.\./\.\./nb/run/">In \[1\] of run\.ipynb', html)
    assert "embedded" in html


@pytest.mark.parametrize("where", ["docs/.cache", "site/cache"])
def test_a_cache_inside_docs_or_the_site_is_refused(tmp_path: Path, where: str) -> None:
    project = make_project(tmp_path, {"index.md": "# Home\n"}, config_edit=cache_at(Path(where)))
    result = run_mkdocs_build(project)
    assert not result.ok and "Traceback" not in result.output
    assert f"fromscratch: cache_dir '{project / where}' is inside" in result.output


def test_page_renders_are_kept_per_renderer_version_and_stylesheet(monkeypatch: pytest.MonkeyPatch) -> None:
    """An nbconvert upgrade, or CSS moved to another stylesheet, must not serve old HTML."""
    from fromscratch.notebooks import render
    from fromscratch.notebooks.styles import Stylesheet

    text = nbformat.writes(new_notebook(cells=[new_code_cell("1")]))
    sheet = Stylesheet("assets/stylesheets/jupyter.1a2b3c4d.css")
    before = render.render_key(text, sheet)
    assert render.render_key(text, sheet) == before
    assert render.render_key(text + " ", sheet) != before
    assert render.render_key(text, Stylesheet("assets/stylesheets/jupyter.ffffffff.css")) != before
    monkeypatch.setattr(render, "renderer_versions", lambda: "nbconvert=99.0")
    assert render.render_key(text, sheet) != before


# -- what warm builds and reloads no longer redo (issue 12) -----------------------------------


def test_a_partial_build_adds_to_the_manifest_and_evicts_nothing_it_did_not_see(tmp_path: Path) -> None:
    from fromscratch.cache import Cache

    project = str(tmp_path / "mkdocs.yml")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    full = Cache(tmp_path / "cache", enabled=True, project=project)
    full.write("embeds", "a.json", "{}")
    full.write("embeds", "b.json", "{}")
    full.finish()
    dirty = Cache(tmp_path / "cache", enabled=True, project=project)  # `mkdocs serve --dirty`: one page
    dirty.write("embeds", "c.json", "{}")
    dirty.finish(partial=True)
    assert sorted(p.name for p in (tmp_path / "cache/embeds").iterdir()) == ["a.json", "b.json", "c.json"]
    clean = Cache(tmp_path / "cache", enabled=True, project=project)  # a full build again
    clean.path("embeds", "c.json")
    clean.finish()
    assert [p.name for p in (tmp_path / "cache/embeds").iterdir()] == ["c.json"]


def test_file_digests_persist_by_path_size_mtime_and_inode(tmp_path: Path) -> None:
    import hashlib

    from fromscratch.runtime import fetch

    data = tmp_path / "model.bin"
    data.write_bytes(b"weights one")
    fetch.load_digests(tmp_path / "cache")
    assert fetch.sha256_file(data) == hashlib.sha256(b"weights one").hexdigest()
    fetch.save_digests(tmp_path / "cache")
    saved = json.loads((tmp_path / "cache" / fetch.DIGESTS).read_text())
    assert saved["files"][str(data)][3] == hashlib.sha256(b"weights one").hexdigest()

    fetch._digests.clear()  # a new process: the digest comes from the file the last build saved
    fake = "0" * 64
    saved["files"][str(data)][3] = fake  # (proof that the saved digest is used, not a re-read)
    (tmp_path / "cache" / fetch.DIGESTS).write_text(json.dumps(saved))
    fetch.load_digests(tmp_path / "cache")
    assert fetch.sha256_file(data) == fake
    stat = data.stat()
    data.write_bytes(b"weights two")  # same size, new content
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert fetch.sha256_file(data) == hashlib.sha256(b"weights two").hexdigest()
    replaced = tmp_path / "new.bin"
    replaced.write_bytes(b"weights 3!!")
    os.utime(replaced, ns=(stat.st_atime_ns, data.stat().st_mtime_ns))
    os.replace(replaced, data)  # same size and mtime, another inode
    assert fetch.sha256_file(data) == hashlib.sha256(b"weights 3!!").hexdigest()
    (tmp_path / "cache" / fetch.DIGESTS).write_text("{not json")
    fetch._digests.clear()
    fetch.load_digests(tmp_path / "cache")  # a damaged file is ignored: everything is hashed again
    assert fetch.sha256_file(data) == hashlib.sha256(b"weights 3!!").hexdigest()


def test_kernel_environment_is_asked_once_per_state_of_its_site_packages(tmp_path: Path) -> None:
    from fromscratch.cache import Cache
    from fromscratch.notebooks import environment

    python = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
    cache = Cache(tmp_path / "cache", enabled=True, project=str(tmp_path / "mkdocs.yml"))
    probes: list[int] = []
    first = environment.kernel_environment(python, "fromscratch", cache, before_probe=lambda: probes.append(1))
    environment._probe.cache_clear()  # a new process
    again = environment.kernel_environment(python, "fromscratch", cache, before_probe=lambda: probes.append(1))
    assert again == first and probes == [1]  # the second answer came from the cache
    [entry] = (tmp_path / "cache" / "kernels").iterdir()
    entry.write_text('{"python": "3.11.7"}')  # damaged: asked again
    environment._probe.cache_clear()
    assert environment.kernel_environment(python, "fromscratch", cache, before_probe=lambda: probes.append(1)) == first
    assert probes == [1, 1]


def test_material_search_entries_are_reused_for_unchanged_pages_only(tmp_path: Path) -> None:
    pages = {"index.md": "# Home\n\nWelcome.\n\n## Vectors\n\nArrows with a length.\n",
             "notes.md": "# Notes\n\nPlain prose about cosine similarity.\n"}
    cache = tmp_path / "cache"
    project = make_project(tmp_path, pages, config_edit=cache_at(cache))
    index = project / "site/search/search_index.json"
    cold = run_mkdocs_build(project)
    assert cold.ok, cold.output
    first = json.loads(index.read_text(encoding="utf-8"))
    assert any(d["location"] == "#vectors" and "Arrows" in d["text"] for d in first["docs"])
    warm = run_mkdocs_build(project)
    assert warm.ok, warm.output
    assert json.loads(index.read_text(encoding="utf-8")) == first  # the same index, from the cache

    # proof that a warm build reads the cache: mark every stored entry, build, find the marks
    stored = sorted((cache / "search").glob("*.json"))
    assert len(stored) == 2
    for entry in stored:
        marked = [{**e, "text": e["text"] + " MARKED"} for e in json.loads(entry.read_text(encoding="utf-8"))]
        entry.write_text(json.dumps(marked), encoding="utf-8")
    (project / "docs/notes.md").write_text("# Notes\n\nEdited prose about dot products.\n", encoding="utf-8")
    edited = run_mkdocs_build(project)
    assert edited.ok, edited.output
    docs = {d["location"]: d["text"] for d in json.loads(index.read_text(encoding="utf-8"))["docs"]}
    assert docs["#vectors"].endswith("MARKED")  # unchanged page: its stored entries
    assert docs["notes/"] == "<p>Edited prose about dot products.</p>"  # edited page: indexed again
    # a damaged entry is discarded and the page indexed again
    for entry in (cache / "search").glob("*.json"):
        entry.write_text("[not json", encoding="utf-8")
    damaged = run_mkdocs_build(project)
    assert damaged.ok, damaged.output
    assert "MARKED" not in index.read_text(encoding="utf-8")


def test_an_executed_entry_is_checked_when_read_and_a_damaged_one_run_again(tmp_path: Path) -> None:
    from fromscratch.cache import Cache
    from fromscratch.notebooks.cache import NotebookCache

    store = NotebookCache(Cache(tmp_path / "cache", enabled=True, project=str(tmp_path / "mkdocs.yml")))
    nb = new_notebook(cells=[new_markdown_cell("# Run"), new_code_cell("print(1)")],
                      metadata={"fromscratch": {"executed_at": "2026-11-29T10:00:00+00:00", "seconds": 0.5}})
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    store.store("k", nb)
    loaded = store.load("k")
    assert loaded is not None and loaded.cells[1].outputs[0].text == "1\n" and loaded.cells[0].source == "# Run"
    entry = tmp_path / "cache/notebooks/executed/k.ipynb"
    good = entry.read_text(encoding="utf-8")
    no_outputs = json.loads(good)
    del no_outputs["cells"][1]["outputs"]
    no_record = json.loads(good)
    del no_record["metadata"]["fromscratch"]
    for damaged in (good[: len(good) // 2], json.dumps(no_outputs), json.dumps(no_record), '{"nbformat": 3, "cells": []}'):
        entry.write_text(damaged, encoding="utf-8")
        assert store.load("k") is None  # not trusted: the notebook runs again
        assert not entry.exists()


def test_a_notebook_that_breaks_the_schema_is_named_before_it_runs(tmp_path: Path) -> None:
    nb = json.loads(nbformat.writes(new_notebook(cells=[new_code_cell("print('ran')")])))
    nb["cells"][0]["execution_count"] = "one"  # must be a number or null
    project = make_project(tmp_path, {"index.md": "# Home\n", "ch/nb.ipynb": json.dumps(nb)},
                           config_edit=cache_at(tmp_path / "cache"))
    result = run_mkdocs_build(project)
    assert not result.ok and "Traceback" not in result.output  # strict: the warning stops the build
    assert "docs/ch/nb.ipynb: not a valid notebook (" in result.output
    assert "fix that field" in result.output
