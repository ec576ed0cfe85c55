// <threshold-explorer classifier="spam">: the held-out test set's spam probabilities, shipped
// with the classifier head, and a slider for the threshold. No model runs: moving the slider
// recounts the confusion matrix, precision and recall. A second control replays the same
// scores at another spam share (each class's counts rescaled), to show precision fall when
// spam is rare.
import { confusion, loadClassifier, rates, trackState } from "./classifier.js";
import { WidgetBase, h, nextId } from "./ui.js";

const BINS = 20;
const W = 640;
const H = 150;
const SHARES = [["as tested", null], ["1 in 5 is spam", 0.2], ["1 in 20", 0.05], ["1 in 100", 0.01]];

const pct = (x) => `${(100 * x).toFixed(1)}%`;

class ThresholdExplorer extends WidgetBase {
  build() {
    trackState(this, { model: false });
    this.headName = this.getAttribute("classifier") || "spam";
    const sliderId = nextId("fs-threshold");
    this.slider = h("input", { id: sliderId, type: "range", min: 0.01, max: 0.99, step: 0.01, value: 0.5, class: "fs-threshold__slider",
      oninput: () => this.update() });
    this.value = h("output", { for: sliderId, class: "fs-threshold__value" }, "0.50");
    const shareId = nextId("fs-share");
    this.share = h("select", { id: shareId, class: "fs-widget__input", onchange: () => this.update() },
      ...SHARES.map(([label], i) => h("option", { value: i }, label)));
    const button = h("button", { type: "button", class: "md-button fs-widget__run", onclick: () => this.reset() }, "Reset to the model's threshold");
    const controls = h("div", { class: "fs-widget__form" },
      h("div", { class: "fs-widget__field" }, h("label", { for: sliderId, class: "fs-widget__label" }, "Threshold: call it spam when the probability is at least"), h("div", { class: "fs-threshold__row" }, this.slider, this.value)),
      h("div", { class: "fs-widget__field fs-threshold__share" }, h("label", { for: shareId, class: "fs-widget__label" }, "Spam share of the incoming messages"), this.share),
      button);
    this.hist = h("svg", { class: "fs-hist", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Test-set scores: spam above the axis, ham below, threshold as a line" });
    this.cells = {};
    const cell = (key, label) => (this.cells[key] = h("td", { "data-cell": key, class: `fs-cm__${key}` }, label));
    this.matrix = h("table", { class: "fs-cm" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { scope: "col" }, "called spam"), h("th", { scope: "col" }, "called ham"))),
      h("tbody", {},
        h("tr", {}, h("th", { scope: "row" }, "really spam"), cell("tp"), cell("fn")),
        h("tr", {}, h("th", { scope: "row" }, "really ham"), cell("fp"), cell("tn"))));
    this.stats = h("p", { class: "fs-threshold__stats" });
    this.summary = h("p", { class: "fs-widget__summary" }, "Loading the test-set scores…");
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.stats, this.summary);
    this.append(h("p", { class: "fs-widget__title" }, "Where should the line be?"), controls, this.hist,
      h("div", { class: "fs-threshold__grid" }, this.matrix, this.output));
    this.prepare().catch((error) => this.showError(error));
  }

  statusArea() {
    const area = super.statusArea();
    this._note.textContent = "No model runs here: these are the test-set scores the classifier produced when the site was built.";
    return area;
  }

  warm() {} // nothing to download but one small file

  async prepare() {
    this.head = await loadClassifier(this.headName);
    this.scores = this.head.test.scores;
    this.labels = this.head.test.labels;
    this.base = this.labels.reduce((a, b) => a + b, 0) / this.labels.length;
    this.slider.value = this.head.threshold;
    this.update();
    this.dataset.state = "done";
  }

  async compute() {
    if (!this.head) await this.prepare();
  }

  reset() {
    if (!this.head) return this.run();
    this.slider.value = this.head.threshold;
    this.share.value = "0";
    this.update();
  }

  update() {
    if (!this.head) return;
    const t = Number(this.slider.value);
    this.value.textContent = t.toFixed(2);
    const counts = confusion(this.scores, this.labels, t);
    const share = SHARES[Number(this.share.value)][1];
    // Rescale each true class to the chosen spam share, keeping the test set's size.
    let shown = counts;
    if (share !== null) {
      const n = this.scores.length;
      const ks = (share * n) / (counts.tp + counts.fn || 1);
      const kh = ((1 - share) * n) / (counts.fp + counts.tn || 1);
      shown = { tp: counts.tp * ks, fn: counts.fn * ks, fp: counts.fp * kh, tn: counts.tn * kh };
    }
    const r = rates(shown);
    for (const key of ["tp", "fn", "fp", "tn"]) {
      this.cells[key].textContent = share === null ? String(shown[key]) : shown[key].toFixed(1);
      this.cells[key].dataset.count = String(shown[key]);
    }
    Object.assign(this.output.dataset, {
      threshold: t.toFixed(2), precision: r.precision.toFixed(4), recall: r.recall.toFixed(4), f1: r.f1.toFixed(4),
      share: share === null ? this.base.toFixed(4) : String(share),
    });
    this.stats.replaceChildren(
      h("span", {}, "Precision ", h("strong", {}, pct(r.precision))),
      h("span", {}, "Recall ", h("strong", {}, pct(r.recall))),
      h("span", {}, "F1 ", h("strong", {}, r.f1.toFixed(3))),
      h("span", {}, "Accuracy ", h("strong", {}, pct(r.accuracy))));
    const flagged = shown.tp + shown.fp;
    this.summary.textContent = share === null
      ? `${this.scores.length} held-out messages (${pct(this.base)} spam). At ${t.toFixed(2)}, ${counts.fp} real message(s) land in the spam folder and ${counts.fn} spam message(s) get through.`
      : `The same scores with ${pct(share)} spam: of every ${flagged.toFixed(1)} messages flagged, ${shown.fp.toFixed(1)} are real mail. Precision falls when spam is rare; recall does not move.`;
    this.draw(t);
  }

  // Two histograms on one axis: spam scores above, ham scores below, the threshold as a line.
  draw(t) {
    const bins = [new Array(BINS).fill(0), new Array(BINS).fill(0)];
    this.scores.forEach((s, i) => (bins[this.labels[i]][Math.min(BINS - 1, Math.floor(s * BINS))] += 1));
    const top = Math.max(...bins[0], ...bins[1], 1);
    const mid = H / 2;
    const bw = (W - 20) / BINS;
    const bars = [];
    for (let b = 0; b < BINS; b++) {
      const x = 10 + b * bw;
      const hs = (bins[1][b] / top) * (mid - 14);
      const hh = (bins[0][b] / top) * (mid - 14);
      bars.push(h("rect", { svg: true, class: "fs-hist__spam", x: x + 1, y: mid - hs, width: bw - 2, height: hs }));
      bars.push(h("rect", { svg: true, class: "fs-hist__ham", x: x + 1, y: mid, width: bw - 2, height: hh }));
    }
    const tx = 10 + t * (W - 20);
    this.hist.replaceChildren(...bars,
      h("line", { svg: true, class: "fs-hist__axis", x1: 10, x2: W - 10, y1: mid, y2: mid }),
      h("line", { svg: true, class: "fs-hist__threshold", x1: tx, x2: tx, y1: 4, y2: H - 4 }),
      h("text", { svg: true, x: 12, y: 14 }, "spam ↑"), h("text", { svg: true, x: 12, y: H - 4 }, "ham ↓"),
      h("text", { svg: true, x: W - 12, y: 14, "text-anchor": "end" }, "score 1"),
      h("text", { svg: true, x: tx + 4, y: H - 4 }, "threshold"));
  }
}

customElements.define("threshold-explorer", ThresholdExplorer);
