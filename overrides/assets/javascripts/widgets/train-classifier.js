// <train-classifier>: the reader's labelled examples are embedded on this device, then a
// classifier is trained on their 384-number vectors right here, one gradient-descent step at a
// time: the loss curve falls and the decision boundary moves on a 2-D map (the plane of the
// examples' two principal directions). Every fourth example of each label is held out, so the
// accuracy shown is on sentences the model never trained on.
import { fitPCA } from "./pca.js";
import { sigmoid, trackState } from "./classifier.js";
import { embed } from "./runtime.js";
import { PRESETS } from "./train-presets.js";
import { WidgetBase, field, h, nextId } from "./ui.js";

const STEPS = 150;
const DRAW_EVERY = 5;
const MAP_W = 640;
const MAP_H = 360;
const PAD = 24;
const GRID_X = 24;
const GRID_Y = 14;
const CHART_W = 640;
const CHART_H = 140;

// A small seeded random generator, so the network starts the same way every time.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseExamples(text) {
  const rows = [];
  const problems = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const at = line.indexOf(":");
    if (at < 1 || !line.slice(at + 1).trim()) problems.push(i + 1);
    else rows.push({ label: line.slice(0, at).trim().toLowerCase(), text: line.slice(at + 1).trim() });
  });
  return { rows, problems };
}

// Logistic regression: p = sigmoid(w·z + b) on standardised vectors z.
class Logistic {
  constructor(dims) {
    this.w = new Float64Array(dims);
    this.b = 0;
  }
  prob(z) {
    let t = this.b;
    for (let i = 0; i < z.length; i++) t += this.w[i] * z[i];
    return sigmoid(t);
  }
  step(zs, ys, lr, l2) {
    const gw = new Float64Array(this.w.length);
    let gb = 0;
    zs.forEach((z, n) => {
      const g = (this.prob(z) - ys[n]) / zs.length;
      for (let i = 0; i < z.length; i++) gw[i] += g * z[i];
      gb += g;
    });
    for (let i = 0; i < gw.length; i++) this.w[i] -= lr * (gw[i] + l2 * this.w[i]);
    this.b -= lr * gb;
  }
}

// One hidden layer of tanh units, then a sigmoid: backpropagation written out.
class SmallMLP {
  constructor(dims, hidden = 16, seed = 1) {
    const rand = random(seed);
    const scale = 1 / Math.sqrt(dims);
    this.W = Array.from({ length: hidden }, () => Float64Array.from({ length: dims }, () => (rand() * 2 - 1) * scale));
    this.c = new Float64Array(hidden);
    this.v = Float64Array.from({ length: hidden }, () => (rand() * 2 - 1) / Math.sqrt(hidden));
    this.b = 0;
  }
  hiddenOf(z) {
    return this.W.map((row, j) => {
      let t = this.c[j];
      for (let i = 0; i < z.length; i++) t += row[i] * z[i];
      return Math.tanh(t);
    });
  }
  prob(z) {
    const a = this.hiddenOf(z);
    let t = this.b;
    for (let j = 0; j < a.length; j++) t += this.v[j] * a[j];
    return sigmoid(t);
  }
  step(zs, ys, lr, l2) {
    const H = this.W.length;
    const gW = this.W.map((row) => new Float64Array(row.length));
    const gc = new Float64Array(H);
    const gv = new Float64Array(H);
    let gb = 0;
    zs.forEach((z, n) => {
      const a = this.hiddenOf(z);
      let t = this.b;
      for (let j = 0; j < H; j++) t += this.v[j] * a[j];
      const g = (sigmoid(t) - ys[n]) / zs.length; // dLoss/dt
      gb += g;
      for (let j = 0; j < H; j++) {
        gv[j] += g * a[j];
        const gh = g * this.v[j] * (1 - a[j] * a[j]); // back through tanh
        gc[j] += gh;
        const row = gW[j];
        for (let i = 0; i < z.length; i++) row[i] += gh * z[i];
      }
    });
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < gW[j].length; i++) this.W[j][i] -= lr * (gW[j][i] + l2 * this.W[j][i]);
      this.c[j] -= lr * gc[j];
      this.v[j] -= lr * (gv[j] + l2 * this.v[j]);
    }
    this.b -= lr * gb;
  }
}

function logLoss(model, zs, ys) {
  let s = 0;
  zs.forEach((z, n) => {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, model.prob(z)));
    s -= ys[n] ? Math.log(p) : Math.log(1 - p);
  });
  return s / zs.length;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

class TrainClassifier extends WidgetBase {
  build() {
    trackState(this);
    this.cache = new Map(); // text -> vector, so retraining re-embeds only new lines
    const presetId = nextId("fs-preset");
    this.preset = h("select", { id: presetId, class: "fs-widget__input", onchange: () => this.usePreset() },
      ...Object.keys(PRESETS).map((name) => h("option", { value: name }, name)));
    const modelId = nextId("fs-model");
    this.modelKind = h("select", { id: modelId, class: "fs-widget__input" },
      h("option", { value: "logistic" }, "Logistic regression"),
      h("option", { value: "mlp" }, "Small neural network (16 hidden units)"));
    const examples = field("Labelled examples, one per line as “label: text” (exactly two labels)", { multiline: true });
    examples.input.rows = 8;
    this.examples = examples.input;
    const train = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run" }, "Train");
    const form = h("form", { class: "fs-widget__form fs-train__form", onsubmit: (e) => (e.preventDefault(), this.run()) },
      h("div", { class: "fs-widget__field" }, h("label", { for: presetId, class: "fs-widget__label" }, "Example set"), this.preset),
      h("div", { class: "fs-widget__field" }, h("label", { for: modelId, class: "fs-widget__label" }, "Model"), this.modelKind),
      examples.node, train);
    this.chart = h("svg", { class: "fs-loss", viewBox: `0 0 ${CHART_W} ${CHART_H}`, role: "img", "aria-label": "Training loss, step by step" });
    this.map = h("svg", { class: "fs-map fs-train__map", viewBox: `0 0 ${MAP_W} ${MAP_H}`, role: "img",
      "aria-label": "Examples on a 2-D map, shaded by what the model predicts" });
    this.summary = h("p", { class: "fs-widget__summary fs-train__summary" }, "Pick an example set, then press Train.");
    const tryField = field("Test it on a new sentence", { placeholder: "for example: Win a free phone today" });
    this.tryInput = tryField.input;
    this.tryButton = h("button", { type: "submit", class: "md-button fs-widget__run" }, "Classify");
    this.tryResult = h("p", { class: "fs-train__result" });
    const tryForm = h("form", { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.runTry()) }, tryField.node, this.tryButton);
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.summary, this.tryResult);
    this.append(h("p", { class: "fs-widget__title" }, "Train a classifier in your browser"), form,
      h("div", { class: "fs-train__plots" }, this.chart, this.map), this.output, tryForm);
    this.usePreset();
  }

  usePreset() {
    this.examples.value = PRESETS[this.preset.value];
  }

  standardise(v) {
    return Float64Array.from(v, (x, i) => (x - this.mean[i]) / this.std[i]);
  }

  async compute() {
    this.dataset.state = "running";
    const { rows, problems } = parseExamples(this.examples.value);
    const labels = [...new Set(rows.map((r) => r.label))];
    if (problems.length || labels.length !== 2) {
      this.summary.textContent = problems.length
        ? `Line ${problems[0]} is not “label: text”. Write one example per line, like “spam: win a prize”.`
        : `Use exactly two labels (found ${labels.length ? labels.join(", ") : "none"}).`;
      this.dataset.state = "done";
      return;
    }
    // Hold out every fourth example of each label.
    const seen = {};
    for (const r of rows) {
      seen[r.label] = (seen[r.label] || 0) + 1;
      r.heldOut = seen[r.label] % 4 === 0;
    }
    if (labels.some((l) => rows.filter((r) => r.label === l && !r.heldOut).length < 2)) {
      this.summary.textContent = "Give at least three examples of each label.";
      this.dataset.state = "done";
      return;
    }
    this.labels = labels;
    const fresh = rows.map((r) => r.text).filter((t) => !this.cache.has(t));
    if (fresh.length) {
      this.summary.textContent = `Embedding ${fresh.length} example(s) on this device…`;
      const vectors = await embed(fresh);
      fresh.forEach((t, i) => this.cache.set(t, vectors[i]));
    }
    for (const r of rows) r.v = this.cache.get(r.text);
    const train = rows.filter((r) => !r.heldOut);
    const test = rows.filter((r) => r.heldOut);
    const dims = train[0].v.length;
    this.mean = new Float64Array(dims);
    this.std = new Float64Array(dims);
    for (const r of train) r.v.forEach((x, i) => (this.mean[i] += x / train.length));
    for (const r of train) r.v.forEach((x, i) => (this.std[i] += (x - this.mean[i]) ** 2 / train.length));
    this.std = this.std.map((s) => Math.sqrt(s) + 1e-6);
    const zs = train.map((r) => this.standardise(r.v));
    const ys = train.map((r) => (r.label === labels[1] ? 1 : 0));
    const mlp = this.modelKind.value === "mlp";
    const model = mlp ? new SmallMLP(dims) : new Logistic(dims);
    const lr = mlp ? 0.2 : 0.1;
    const l2 = 0.01;
    this.pca = fitPCA(rows.map((r) => r.v));
    this.cells = null;
    this.rows = rows;
    this.model = null;
    const losses = [logLoss(model, zs, ys)];
    const started = performance.now();
    for (let s = 1; s <= STEPS; s++) {
      model.step(zs, ys, lr, l2);
      losses.push(logLoss(model, zs, ys));
      if (s % DRAW_EVERY === 0 || s === STEPS) {
        this.drawLoss(losses);
        this.drawMap(model);
        this.summary.textContent = `Step ${s} of ${STEPS}: loss ${losses[s].toFixed(3)}`;
        await nextFrame();
      }
    }
    const ms = performance.now() - started;
    this.model = model;
    const right = test.filter((r) => (model.prob(this.standardise(r.v)) >= 0.5) === (r.label === labels[1])).length;
    const majority = Math.max(...labels.map((l) => test.filter((r) => r.label === l).length));
    Object.assign(this.summary.dataset, {
      firstLoss: losses[0].toFixed(4), lastLoss: losses[STEPS].toFixed(4), steps: String(STEPS),
      heldout: String(test.length), heldoutCorrect: String(right), majority: String(majority),
    });
    this.summary.textContent =
      `Trained ${mlp ? "a small neural network" : "logistic regression"} on ${train.length} examples in ${STEPS} steps ` +
      `(${Math.round(ms)} ms): loss ${losses[0].toFixed(3)} → ${losses[STEPS].toFixed(3)}. ` +
      `On the ${test.length} held-out examples (hollow circles) it got ${right} right; ` +
      `always answering the commoner label would get ${majority}.`;
    this.dataset.state = "done";
  }

  async runTry() {
    const text = this.tryInput.value.trim();
    if (!this.model) {
      this.tryResult.textContent = "Train a model first.";
      return;
    }
    if (!text) {
      this.tryResult.textContent = "Type a sentence to classify.";
      return;
    }
    this.dataset.state = "running";
    this.setBusy(true);
    try {
      const [v] = await embed([text]);
      const p = this.model.prob(this.standardise(v));
      const label = p >= 0.5 ? this.labels[1] : this.labels[0];
      this.tryResult.dataset.label = label;
      this.tryResult.dataset.score = p.toFixed(4);
      this.tryResult.textContent = `“${text}” → ${label} (${(100 * Math.max(p, 1 - p)).toFixed(1)}% sure)`;
      this.rows.push({ text, label: "?", v, added: true });
      this.drawMap(this.model);
      this.dataset.state = "done";
    } catch (error) {
      this.showError(error.kind ? error : { kind: "crash", message: "Something went wrong while classifying." });
    } finally {
      this.setBusy(false);
    }
  }

  drawLoss(losses) {
    const top = Math.max(...losses);
    const x = (i) => 30 + (i / STEPS) * (CHART_W - 40);
    const y = (l) => 10 + (1 - l / (top || 1)) * (CHART_H - 30);
    const points = losses.map((l, i) => `${x(i).toFixed(1)},${y(l).toFixed(1)}`).join(" ");
    this.chart.dataset.losses = losses.length;
    this.chart.replaceChildren(
      h("line", { svg: true, class: "fs-loss__axis", x1: 30, y1: CHART_H - 20, x2: CHART_W - 10, y2: CHART_H - 20 }),
      h("line", { svg: true, class: "fs-loss__axis", x1: 30, y1: 10, x2: 30, y2: CHART_H - 20 }),
      h("polyline", { svg: true, class: "fs-loss__line", points }),
      h("text", { svg: true, x: 34, y: 20 }, `loss ${top.toFixed(2)}`),
      h("text", { svg: true, x: CHART_W - 10, y: CHART_H - 4, "text-anchor": "end" }, `step ${losses.length - 1}`));
  }

  drawMap(model) {
    const xy = this.rows.map((r) => this.pca.project(r.v));
    // The frame is set by the training examples; a tested sentence outside it sits on the edge.
    const base = xy.filter((_, i) => !this.rows[i].added);
    const xs = base.map((p) => p[0]);
    const ys = base.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    const sx = (x) => clamp(PAD + ((x - x0) / (x1 - x0 || 1)) * (MAP_W - 2 * PAD), 6, MAP_W - 6);
    const sy = (y) => clamp(MAP_H - PAD - ((y - y0) / (y1 - y0 || 1)) * (MAP_H - 2 * PAD), 6, MAP_H - 6);
    const [a1, a2] = this.pca.axes;
    const mean = this.pcaMean();
    const cw = MAP_W / GRID_X;
    const ch = MAP_H / GRID_Y;
    if (!this.cells || this.cellsFor !== this.pca) {
      // The plane's grid, taken back to 384 numbers once per training; only the colours change.
      this.cellsFor = this.pca;
      this.cells = [];
      for (let gx = 0; gx < GRID_X; gx++) {
        for (let gy = 0; gy < GRID_Y; gy++) {
          const px = x0 + (((gx + 0.5) * cw - PAD) / (MAP_W - 2 * PAD)) * (x1 - x0);
          const py = y0 + ((MAP_H - PAD - (gy + 0.5) * ch) / (MAP_H - 2 * PAD)) * (y1 - y0);
          const z = this.standardise(Float64Array.from(mean, (m, i) => m + px * a1[i] + py * a2[i]));
          const node = h("rect", { svg: true, class: "fs-train__cell", x: (gx * cw).toFixed(1), y: (gy * ch).toFixed(1),
            width: (cw + 0.5).toFixed(1), height: (ch + 0.5).toFixed(1) });
          this.cells.push({ z, node });
        }
      }
    }
    // Shade the plane: each cell's centre scored by the model as it is now.
    for (const { z, node } of this.cells) {
      const p = model.prob(z);
      node.setAttribute("class", `fs-train__cell fs-train__cell--${p >= 0.5 ? "b" : "a"}`);
      node.setAttribute("fill-opacity", (Math.abs(p - 0.5) * 0.9).toFixed(2));
    }
    const cells = this.cells.map((c) => c.node);
    const points = this.rows.map((r, i) => {
      const cls = r.added ? "fs-train__point--added" : `fs-train__point--${r.label === this.labels[1] ? "b" : "a"}`;
      return h("g", { svg: true, class: `fs-train__point ${cls}${r.heldOut ? " fs-train__point--heldout" : ""}` },
        h("circle", { svg: true, cx: sx(xy[i][0]).toFixed(1), cy: sy(xy[i][1]).toFixed(1), r: r.added ? 7 : 5 }),
        h("title", { svg: true }, `${r.label}: ${r.text}`));
    });
    const legend = h("text", { svg: true, x: 8, y: 16, class: "fs-train__legend" },
      `shaded: model says ${this.labels[1]} (orange) or ${this.labels[0]} (blue)`);
    this.map.replaceChildren(...cells, ...points, legend);
  }

  pcaMean() {
    if (!this._pcaMean || this._pcaRows !== this.rows.length) {
      // The map's centre: the mean of the examples (fitPCA centres on it as well).
      const base = this.rows.filter((r) => !r.added);
      this._pcaMean = new Float64Array(base[0].v.length);
      for (const r of base) r.v.forEach((x, i) => (this._pcaMean[i] += x / base.length));
      this._pcaRows = this.rows.length;
    }
    return this._pcaMean;
  }
}

customElements.define("train-classifier", TrainClassifier);
