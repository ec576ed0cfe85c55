"""The chunking lab on the real chunking page: its controls change the recall it shows, and what it
shows is the row of the measurements table the build embedded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser.conftest import Server, serve

pytestmark = pytest.mark.browser

PAGE = "content/ch1-rag/chunking/"


@pytest.fixture(scope="module")
def site_server(built_site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: ANN001
    yield from serve(built_site.site, tmp_path_factory.mktemp("ch1-lab-www"))


def _shown(page) -> dict[str, str]:  # noqa: ANN001
    return page.evaluate("() => ({...document.querySelector('chunking-lab .fs-widget__output').dataset})")


def test_changing_size_and_overlap_changes_the_recall_shown(browser, site_server: Server) -> None:  # noqa: ANN001
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(site_server.base + PAGE)
        lab = page.locator("chunking-lab")
        page.wait_for_function("el => el.dataset.state === 'done'", arg=lab.element_handle())
        table = page.evaluate("""() => [...document.querySelectorAll('table[data-chunking-lab] tr[data-size]')]
            .map(r => ({...r.dataset}))""")
        assert len(table) >= 4
        def key(d: dict) -> tuple[int, float]:
            return int(d["size"]), float(d["overlap"])

        rows = {key(r): r for r in table}

        seen = {}
        slider = page.get_by_label("Chunk size (words)")
        overlap = page.get_by_label("Overlap between neighbouring chunks")
        slider.focus()
        slider.press("Home")  # keyboard only: the smallest size
        for step in range(len({r["size"] for r in table})):
            if step:
                slider.press("ArrowRight")
            for value in page.eval_on_selector_all("chunking-lab select option", "os => os.map(o => o.value)"):
                overlap.select_option(value)
                shown = _shown(page)
                row = rows[key(shown)]
                # the lab shows exactly the measured row for the chosen setting
                assert [float(shown[k]) for k in ("recall", "coverage", "chunks")] == \
                    [float(row[k]) for k in ("recall", "coverage", "chunks")]
                assert float(shown["overlap"]) == float(value)
                seen[key(shown)] = shown["recall"]
        assert set(seen) == set(rows), "every measured setting is reachable from the keyboard"
        assert len(set(seen.values())) > 1, "different settings show different recall"
        # the live region says it in words too
        summary = page.locator("chunking-lab .fs-widget__summary").inner_text()
        assert "chunks" in summary and "%" in summary
        assert page.locator("chunking-lab .fs-widget__output").get_attribute("aria-live") == "polite"

        page.get_by_role("button", name="Show the best recall@5").click()
        best = max(table, key=lambda r: float(r["recall"]))
        assert float(_shown(page)["recall"]) == float(best["recall"])
        assert not errors, errors
    finally:
        ctx.close()
