// <chunking-lab>: pick a chunk size and an overlap, see recall@5 and coverage on the gold set.
// No model runs in the page: every setting was cut, embedded and measured when the site was
// built (the chunking notebook's last cells), and its results are the table the page shows below the
// lab (`table[data-chunking-lab]`, one row per setting). The lab reads that table, so what it
// shows and what the notebook printed cannot differ.
import { WidgetBase, h, nextId } from "./ui.js";

const pct = (x) => `${Math.round(100 * x)}%`;

function readTable() {
  const table = document.querySelector("table[data-chunking-lab]");
  if (!table) return null;
  return [...table.querySelectorAll("tr[data-size]")].map((row) => ({
    size: Number(row.dataset.size),
    overlap: Number(row.dataset.overlap),
    chunks: Number(row.dataset.chunks),
    recall: Number(row.dataset.recall),
    coverage: Number(row.dataset.coverage),
  }));
}

class ChunkingLab extends WidgetBase {
  build() {
    this.dataset.state = "idle";
    this.rows = readTable() || [];
    this.sizes = [...new Set(this.rows.map((r) => r.size))].sort((a, b) => a - b);
    this.overlaps = [...new Set(this.rows.map((r) => r.overlap))].sort((a, b) => a - b);
    const sizeId = nextId("fs-lab-size");
    this.size = h("input", { id: sizeId, type: "range", min: 0, max: Math.max(0, this.sizes.length - 1), step: 1,
      value: Math.min(1, Math.max(0, this.sizes.length - 1)), class: "fs-threshold__slider", "aria-valuetext": "",
      oninput: () => this.update() });
    this.sizeValue = h("output", { for: sizeId, class: "fs-threshold__value" });
    const overlapId = nextId("fs-lab-overlap");
    this.overlap = h("select", { id: overlapId, class: "fs-widget__input", onchange: () => this.update() },
      ...this.overlaps.map((o) => h("option", { value: String(o) }, o === 0 ? "none" : `${pct(o)} of a chunk`)));
    const best = h("button", { type: "button", class: "md-button fs-widget__run", onclick: () => this.showBest() },
      "Show the best recall@5");
    const controls = h("div", { class: "fs-widget__form" },
      h("div", { class: "fs-widget__field" }, h("label", { for: sizeId, class: "fs-widget__label" }, "Chunk size (words)"),
        h("div", { class: "fs-threshold__row" }, this.size, this.sizeValue)),
      h("div", { class: "fs-widget__field fs-threshold__share" },
        h("label", { for: overlapId, class: "fs-widget__label" }, "Overlap between neighbouring chunks"), this.overlap),
      best);
    this.bars = h("div", { class: "fs-lab__bars" });
    this.summary = h("p", { class: "fs-widget__summary" });
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.bars, this.summary);
    this.append(h("p", { class: "fs-widget__title" }, "Chunking lab"), controls, this.output);
    if (!this.rows.length) {
      this.dataset.state = "error";
      queueMicrotask(() => this.showError({ kind: "config", message: "The lab's measurements are missing from this page." }));
      return;
    }
    this.dataset.state = "ready";
    this.update();
  }

  statusArea() {
    const area = super.statusArea();
    this._note.textContent = "No model runs here: every setting was cut, embedded and measured when the site was built.";
    return area;
  }

  warm() {} // nothing to download

  retry() {
    this.clearError();
    this.rows = readTable() || [];
    if (this.rows.length) this.update();
  }

  current() {
    const size = this.sizes[Number(this.size.value)];
    const overlap = Number(this.overlap.value);
    return this.rows.find((r) => r.size === size && r.overlap === overlap);
  }

  showBest() {
    const top = this.rows.reduce((a, b) => (b.recall > a.recall ? b : a));
    this.size.value = String(this.sizes.indexOf(top.size));
    this.overlap.value = String(top.overlap);
    this.update();
  }

  update() {
    this.dataset.state = "running";
    const row = this.current();
    const size = this.sizes[Number(this.size.value)];
    this.sizeValue.textContent = String(size);
    this.size.setAttribute("aria-valuetext", `${size} words`);
    if (!row) {
      this.summary.textContent = "This setting was not measured.";
      this.dataset.state = "done";
      return;
    }
    const bar = (label, value, key) => {
      const fill = h("span", { class: `fs-lab__fill fs-lab__fill--${key}` });
      fill.style.width = `${(100 * value).toFixed(1)}%`; // CSSOM, not a style attribute: allowed by the CSP
      return h("div", { class: "fs-lab__bar", "data-measure": key },
        h("span", { class: "fs-lab__label" }, label), h("span", { class: "fs-lab__track" }, fill),
        h("strong", { class: "fs-lab__value" }, value.toFixed(3)));
    };
    this.bars.replaceChildren(bar("recall@5", row.recall, "recall"), bar("coverage in 300 words", row.coverage, "coverage"));
    Object.assign(this.output.dataset, {
      size: String(row.size), overlap: String(row.overlap), chunks: String(row.chunks),
      recall: String(row.recall), coverage: String(row.coverage),
    });
    const overlap = row.overlap === 0 ? "no overlap" : `${pct(row.overlap)} overlap`;
    this.summary.textContent = `${row.size}-word chunks with ${overlap}: ${row.chunks} chunks to embed and store. `
      + `For ${pct(row.recall)} of the answerable questions a chunk in the top 5 holds part of the answer; `
      + `on average ${pct(row.coverage)} of the answering section fits in the 300 words the generator reads.`;
    this.dataset.state = "done";
  }
}

customElements.define("chunking-lab", ChunkingLab);
