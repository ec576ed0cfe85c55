"""Chapter 2's model pages as a reader meets them: in the nav with the chapter badge, the
executed notebooks embedded, and the key results, computed afresh by the build, making sense."""

from __future__ import annotations

import html
import re

import pytest

CH2 = "content/ch2-text-classification/"
PAGES = {
    "naive-bayes": "naive-bayes-notebook",
    "logistic-regression": "logistic-regression-notebook",
    "geometry": "geometry-notebook",
    "neural-network": "neural-network-notebook",
}
NUMBER = r"(\d+\.\d+)"
# "model | data", then on the next line (so that it fits an output box) "accuracy | precision | recall | F1"
REPORT = re.compile(rf"^\s*(.+?) \| (SMS|e-mail)\s*\n\s*(?:accuracy {NUMBER} \| )?precision {NUMBER} \| "
                    rf"recall {NUMBER} \| F1 {NUMBER}\s*$", re.M)


def text_of(page_html: str) -> str:
    """The visible text of a page's article, without tags."""
    article = page_html.split('<article class="md-content__inner', 1)[1].split("</article>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", article))


def reports(text: str) -> dict[tuple[str, str], tuple[float, float, float]]:
    """Every 'model | data | precision | recall | F1' line a page shows."""
    return {(m.group(1).strip(), m.group(2)): (float(m.group(4)), float(m.group(5)), float(m.group(6)))
            for m in REPORT.finditer(text)}


@pytest.mark.parametrize("name", PAGES)
def test_page_is_in_the_chapter_nav_with_badge_notebook_and_aha(built_site, name):
    page = built_site.page(CH2 + name + "/")
    nav = page.split('data-md-type="navigation"', 1)[1].split('data-md-type="toc"', 1)[0]
    for other in PAGES:
        assert re.search(rf'href="(\.\./)?{other}/"|href="\./"', nav), (name, other)
    assert 'class="chapter-badge"' in page
    assert page.count('class="nb-embed"') >= 4
    assert 'class="aha-card"' in page
    assert f'href="../{PAGES[name]}/"' in page  # the full notebook is linked
    assert any(img.startswith(b"\x89PNG") for img in built_site.images(CH2 + name + "/"))


@pytest.mark.parametrize("name", PAGES.values())
def test_notebook_page_ends_with_exercises(built_site, name):
    page = built_site.page(CH2 + name + "/")
    assert "Download .ipynb" in page
    assert re.search(r"<h2[^>]*>.*Exercises", page)


def test_every_model_reports_consistent_scores_on_the_shared_split(built_site):
    found = {}
    for name in PAGES:
        found.update(reports(text_of(built_site.page(CH2 + name + "/"))))
    models = {model for model, _ in found}
    assert {"naive Bayes", "logistic regression"} <= models
    assert any(m.startswith("MLP") for m in models) and any("384-D" in m for m in models)
    for (model, data), (precision, recall, f1) in found.items():
        assert 0 <= precision <= 1 and 0 <= recall <= 1, (model, data)
        expected = 2 * precision * recall / (precision + recall) if precision + recall else 0
        assert abs(f1 - expected) < 0.003, (model, data)  # F1 is their harmonic mean
        assert f1 > 0.5, (model, data)  # far above the majority class, whose spam F1 is 0
    for model in ("naive Bayes", "logistic regression"):
        assert (model, "SMS") in found and (model, "e-mail") in found


def test_naive_bayes_agrees_with_scikit_learn_and_shows_underflow(built_site):
    text = text_of(built_site.page(CH2 + "naive-bayes/"))
    checks = re.findall(r"predictions agree on ([\d.]+)% of (\d+) test messages;\s+"
                        r"largest log-probability difference ([\d.e+-]+)", text)
    assert len(checks) == 2
    for agree, n, gap in checks:
        assert float(agree) >= 99 and int(n) > 50 and float(gap) < 1e-6
    assert re.search(r"product of P\(word \| spam\): 0\.0 ", text)
    assert float(re.search(r"sum of log P\(word \| spam\): (-\d+\.\d)", text).group(1)) < -700


def test_logistic_regression_loss_falls_and_a_nudge_flips_a_verdict(built_site):
    text = text_of(built_site.page(CH2 + "logistic-regression/"))
    for data in ("SMS", "e-mail"):
        first, last = map(float, re.search(rf"{data} loss:\s+first ([\d.]+), last ([\d.]+)", text).groups())
        assert last < first / 5
    curves = {label: list(map(float, values.split(", "))) for label, values in
              re.findall(r"^\s*(too small|about right|too big) \(η = [\d.]+\)\s+loss after [\d, ]+ steps:\s+"
                         r"([\d., ]+)$", text, re.M)}
    assert set(curves) == {"too small", "about right", "too big"}
    assert curves["about right"] == sorted(curves["about right"], reverse=True)  # down every step
    assert curves["about right"][-1] < curves["too small"][-1]
    assert max(curves["too big"][1:3]) > curves["too big"][0]  # an overshoot makes it worse first
    formula, numeric = map(float, re.search(r"formula (-?[\d.]+), finite difference (-?[\d.]+)", text).groups())
    assert abs(formula - numeric) < 1e-4
    probabilities = [float(p) for p in re.findall(r"-> [+-][\d.]+: P\(spam\) = ([\d.]+)", text)]
    assert probabilities and probabilities[-1] < 0.5 and all(p > 0.5 for p in probabilities[:-1])
    assert "the verdict flipped" in text


def test_geometry_boundaries(built_site):
    text = text_of(built_site.page(CH2 + "geometry/"))
    scores = reports(text)
    flat = next(v for k, v in scores.items() if "2-D" in k[0])
    full = next(v for k, v in scores.items() if "384-D" in k[0])
    assert full[2] > flat[2]  # the page says the 384-D hyperplane beats the 2-D line
    linear = dict(re.findall(r"linear boundary \| (two moons|two rings) \| test accuracy ([\d.]+)", text))
    lifted = float(re.search(r"x1²\+x2²\) \| two rings \| test accuracy ([\d.]+)", text).group(1))
    assert float(linear["two rings"]) < 0.7 < 0.9 < lifted
    assert float(linear["two moons"]) > 0.7


def test_neural_network_gradients_and_what_the_hidden_layer_buys(built_site):
    text = text_of(built_site.page(CH2 + "neural-network/"))
    checked, worst = re.search(r"checked (\d+) weights; largest relative difference[^:]*: ([\d.e+-]+)", text).groups()
    assert int(checked) > 20 and float(worst) < 1e-4
    toy = {name: (float(lin), float(mlp)) for name, lin, mlp in
           re.findall(r"(two moons|two rings): test accuracy logistic regression ([\d.]+), MLP ([\d.]+)", text)}
    assert set(toy) == {"two moons", "two rings"}
    for name, (linear, network) in toy.items():
        assert network > linear, name
    assert toy["two rings"][1] > 0.9
    assert {data for _, data in reports(text)} == {"SMS", "e-mail"}
