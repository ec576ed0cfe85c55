"""Chapter 1 pages as a reader meets them: in the chapter's nav with the badge, notebook cells
embedded where the page discusses them, and the notebooks' key results computed afresh by the
build (word2vec's loss falls; int8 keeps the float32 ranking; HNSW's ef buys recall; a selective
post-filter loses results)."""

from __future__ import annotations

import html
import re

import pytest

CH1 = "content/ch1-rag/"
PAGES = {  # page -> (its notebook, cell tags the page embeds)
    "embeddings-from-scratch": ("word2vec-notebook", ["corpus", "pairs", "train", "neighbours", "sentences"]),
    "storage": ("storage-notebook", ["int8", "small", "large", "sweep", "filters"]),
}


def text_of(page_html: str) -> str:
    """The visible text of a page's article, without tags."""
    article = page_html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def nav_of(page_html: str) -> str:
    return page_html.split('data-md-type="navigation"', 1)[1].split('data-md-type="toc"', 1)[0]


@pytest.mark.parametrize("name", PAGES)
def test_page_is_in_the_chapter_nav_with_badge_embeds_and_aha(built_site, name):
    page = built_site.page(CH1 + name + "/")
    nav = nav_of(page)
    for other in [*PAGES, "retrieval", "overview"]:
        assert re.search(rf'href="(\.\./)?{other}/"|href="\./"', nav), (name, other)
    assert 'class="chapter-badge"' in page
    assert 'class="aha-card"' in page
    notebook, tags = PAGES[name]
    assert page.count('class="nb-embed"') >= len(tags)
    assert f'href="../{notebook}/"' in page  # the full notebook is linked
    assert any(img.startswith(b"\x89PNG") for img in built_site.images(CH1 + name + "/"))
    assert 'class="mermaid"' in page or "<svg" in page  # a diagram besides the notebook figures


def test_word2vec_comes_before_retrieval_and_storage_after_it(built_site):
    nav = nav_of(built_site.page(CH1 + "overview/"))
    order = [nav.find(f"{p}/") for p in ("embeddings-from-scratch", "retrieval", "storage")]
    assert -1 not in order and order == sorted(order), order


@pytest.mark.parametrize("notebook", [nb for nb, _ in PAGES.values()])
def test_notebook_page_ends_with_exercises(built_site, notebook):
    page = built_site.page(CH1 + notebook + "/")
    assert "Download .ipynb" in page
    assert re.search(r"<h2[^>]*>.*Exercises", page)


def test_word2vec_loss_falls_and_neighbours_are_listed(built_site):
    text = text_of(built_site.page(CH1 + "embeddings-from-scratch/"))
    first, last = (float(x) for x in re.search(r"loss per pair: epoch 1 ([\d.]+) -> epoch \d+ ([\d.]+)", text).groups())
    guessing = float(re.search(r"a model that knows nothing scores ([\d.]+)", text).group(1))
    assert last < first < guessing
    neighbours = dict(re.findall(r"^(distribute|terminate)\s+\(\s*\d+x\): (.+)$", text, re.M))
    assert set(neighbours) == {"distribute", "terminate"}
    # the page's claims: the permission verbs cluster, and termination finds its noun
    assert re.search(r"\b(modify|sublicense|redistribute|propagate)\b", neighbours["distribute"])
    assert "termination" in neighbours["terminate"]
    assert re.search(r"money\s+seen\s+0 times -> word2vec: no vector", text)
    gaps = dict(re.findall(r"^(word2vec avg|MiniLM): .* gap (-?[\d.]+)$", text, re.M))
    assert float(gaps["MiniLM"]) > float(gaps["word2vec avg"])  # the page says MiniLM's gap is wider


def test_int8_keeps_the_float32_ranking_at_a_quarter_of_the_bytes(built_site):
    text = text_of(built_site.page(CH1 + "storage/"))
    rows = {name: (int(size.replace(",", "")), float(recall), float(hit)) for name, size, recall, hit in
            re.findall(r"^(float32|int8 per vector|int8 per dimension)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)", text, re.M)}
    assert set(rows) == {"float32", "int8 per vector", "int8 per dimension"}
    for name in ("int8 per vector", "int8 per dimension"):
        size, recall, hit = rows[name]
        assert recall >= 0.9, name
        assert size < rows["float32"][0] / 3
        assert abs(hit - rows["float32"][2]) <= 0.05


def test_hnsw_ef_buys_recall_on_the_large_collection(built_site):
    text = text_of(built_site.page(CH1 + "storage-notebook/"))
    assert re.search(r"synthetic collection: \(200000, 384\)", text)
    sweep = {int(ef): float(r) for ef, r in re.findall(r"HNSW\s+ef=(\d+)\s+[\d.]+ ms/query\s+recall@10 ([\d.]+)", text)}
    # the last "HNSW ef=..." row with a size is the large collection's (the first is the 284 passages')
    chosen = re.findall(r"^HNSW ef=(\d+)\s+[\d,]+ bytes\s+[\d.]+ ms/query\s+recall@10 ([\d.]+)", text, re.M)[-1]
    assert min(sweep) <= 10 and len(sweep) >= 4
    assert float(chosen[1]) > sweep[min(sweep)]
    assert sweep[max(sweep)] >= 0.8 and sweep[max(sweep)] > sweep[min(sweep)]
    ivf = [float(r) for r in re.findall(r"IVF\s+nprobe=\d+\s+[\d.]+ ms/query\s+recall@10 ([\d.]+)", text)]
    assert len(ivf) >= 3 and ivf == sorted(ivf)


def test_small_corpus_shows_every_method_is_exact_enough(built_site):
    text = text_of(built_site.page(CH1 + "storage/"))
    small = text.split("At 284 passages", 1)[1].split("Where it starts to matter", 1)[0]
    recalls = [float(r) for r in re.findall(r"bytes\s+[\d.]+ ms/query\s+recall@10 ([\d.]+)", small)]
    assert len(recalls) == 3 and min(recalls) >= 0.85


def test_post_filter_loses_results_when_the_filter_is_selective(built_site):
    text = text_of(built_site.page(CH1 + "storage/"))
    rows = {name: (float(share), float(pre), float(post), int(empty)) for name, share, pre, post, empty in
            re.findall(r"^(GPL family|ISC only)\s+([\d.]+)%\s+([\d.]+)\s+([\d.]+)\s+(\d+) of \d+", text, re.M)}
    assert set(rows) == {"GPL family", "ISC only"}
    share, pre, post, empty = rows["ISC only"]
    assert share < 5 and pre == 10 and post < 5 and empty > 0
    assert rows["GPL family"][2] > post  # a broad filter loses less
    assert re.search(r"pre-filter then exact search: [\d.]+ ms/query, 10 results each", text)
