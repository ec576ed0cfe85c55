// <embedding-map corpus="words">: words placed on a flat map by PCA of their vectors
// (computed here, in the browser). The reader adds a point and sees where it lands.
import { fitPCA } from "./pca.js";
import { cosine, embed, loadCorpus } from "./runtime.js";
import { WidgetBase, field, h } from "./ui.js";

const W = 640;
const H = 400;
const PAD = 40;

// Label placement: try right, left, above and below the point (leftwards first on the right
// half, so labels stay inside the map) and take the first spot whose box overlaps no label
// already drawn. Widths are estimated from the length (about 0.6 em a character at 14 px).
function placeLabel(x, y, text, placed) {
  const w = text.length * 8.4;
  const hgt = 14;
  const right = { x: x + 9, y: y + 4, anchor: "start" };
  const left = { x: x - 9, y: y + 4, anchor: "end" };
  const above = { x, y: y - 9, anchor: "middle" };
  const below = { x, y: y + 18, anchor: "middle" };
  const tries = x > W / 2 ? [left, right, above, below] : [right, left, above, below];
  const box = (s) => {
    const x0 = s.anchor === "start" ? s.x : s.anchor === "end" ? s.x - w : s.x - w / 2;
    return { x0, x1: x0 + w, y0: s.y - hgt + 3, y1: s.y + 3 };
  };
  const free = (b) =>
    b.x0 >= 0 && b.x1 <= W && b.y0 >= 0 && b.y1 <= H &&
    placed.every((o) => b.x1 <= o.x0 || b.x0 >= o.x1 || b.y1 <= o.y0 || b.y0 >= o.y1);
  const spot = tries.find((s) => free(box(s))) || tries[0];
  placed.push(box(spot));
  return spot;
}

class EmbeddingMap extends WidgetBase {
  build() {
    this.corpusName = this.getAttribute("corpus") || "words";
    const { input, node } = field("Add a word or short sentence to the map", { placeholder: "for example: kingdom" });
    this.input = input;
    const button = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run" }, "Add to map");
    const form = h("form", { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.run()) }, node, button);
    this.svg = h("svg", { class: "fs-map", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Map of words: similar meanings sit close together" });
    this.summary = h("p", { class: "fs-widget__summary" }, "Loading the words…");
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.summary);
    this.append(h("p", { class: "fs-widget__title" }, "A map of meaning"), this.svg, form, this.output);
    this.added = [];
    this.prepare().catch((error) => this.showError(error));
  }

  async prepare() {
    this.corpus = await loadCorpus(this.corpusName);
    this.pca = fitPCA(this.corpus.rows);
    this.points = this.corpus.items.map((item, i) => ({
      label: item.text, group: item.group || "", xy: this.pca.project(this.corpus.rows[i]),
    }));
    this.draw();
    this.summary.textContent = `${this.points.length} words, placed by the two directions in which their 384-number vectors differ most.`;
  }

  scale() {
    const all = [...this.points, ...this.added].map((p) => p.xy);
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    return ([x, y]) => [
      PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD),
      H - PAD - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * PAD),
    ];
  }

  draw() {
    const at = this.scale();
    this.svg.replaceChildren();
    const groups = [...new Set(this.points.map((p) => p.group))];
    const placed = []; // label boxes drawn so far, so that no two labels overlap
    const mark = (p, cls) => {
      const [x, y] = at(p.xy);
      const spot = placeLabel(x, y, p.label, placed);
      const g = h("g", { svg: true, class: cls, "data-label": p.label, "data-x": x.toFixed(1), "data-y": y.toFixed(1) },
        h("circle", { svg: true, cx: x.toFixed(1), cy: y.toFixed(1), r: cls.includes("added") ? 7 : 5 }),
        h("text", { svg: true, x: spot.x.toFixed(1), y: spot.y.toFixed(1), "text-anchor": spot.anchor }, p.label));
      this.svg.append(g);
    };
    for (const p of this.points) mark(p, `fs-map__point fs-map__group-${groups.indexOf(p.group) % 6}`);
    for (const p of this.added) mark(p, "fs-map__point fs-map__point--added");
  }

  async compute() {
    const text = this.input.value.trim();
    if (!this.corpus) await this.prepare();
    if (!text) {
      this.summary.textContent = "Type a word or a short sentence to place it on the map.";
      return;
    }
    this.summary.textContent = `Placing “${text}” on this device…`;
    const [v] = await embed([text]);
    this.added.push({ label: text, xy: this.pca.project(v) });
    this.draw();
    const nearest = this.corpus.rows
      .map((row, i) => ({ label: this.corpus.items[i].text, s: cosine(v, row) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 3)
      .map((n) => n.label);
    this.summary.textContent = `“${text}” lands nearest to ${nearest.join(", ")}.`;
  }
}

customElements.define("embedding-map", EmbeddingMap);
