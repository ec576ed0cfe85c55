// <similarity-playground>: two sentences in, one number out — their cosine similarity —
// and a strip that draws both 384-number vectors so "a vector" is something you can see.
import { cosine, embed } from "./runtime.js";
import { WidgetBase, field, h } from "./ui.js";

function drawStrip(canvas, vector) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width / vector.length;
  let max = 0;
  for (const x of vector) max = Math.max(max, Math.abs(x));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  vector.forEach((x, i) => {
    const t = max ? x / max : 0; // -1 .. 1
    ctx.fillStyle = t >= 0 ? `rgba(63, 81, 181, ${t})` : `rgba(255, 160, 0, ${-t})`;
    ctx.fillRect(i * w, 0, Math.ceil(w), canvas.height);
  });
}

// A page of the site, from Material's base path (the site may live under a sub-path).
function siteUrl(path) {
  let base = ".";
  try {
    base = JSON.parse(document.getElementById("__config").textContent).base || ".";
  } catch {
    // no Material config on this page: resolve from the page itself
  }
  return new URL(`${base.replace(/\/$/, "")}/${path}`, document.baseURI).href;
}

class SimilarityPlayground extends WidgetBase {
  build() {
    const a = field("First sentence", { value: "A cat is sleeping on the sofa." });
    const b = field("Second sentence", { value: "A kitten naps on the couch." });
    this.a = a.input;
    this.b = b.input;
    const button = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run" }, "Compare");
    const form = h("form", { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.run()) }, a.node, b.node, button);
    this.value = h("output", { class: "fs-similarity__value" }, "–");
    this.fillBar = h("span", { class: "fs-similarity__fill" });
    this.meaning = h("p", { class: "fs-widget__summary" }, "Press Compare to measure how close the two meanings are.");
    // Close vectors mean a shared topic, not agreement; the embeddings page shows why.
    this.caveat = h(
      "p",
      { class: "fs-similarity__caveat", hidden: true },
      "Close means the model sees a shared topic, not that the sentences agree: a sentence and its negation score high too. ",
      h("a", { href: siteUrl("content/ch0-fundamentals/embeddings/#searching-by-meaning") }, "Why negation barely moves the vector"),
      ".",
    );
    this.stripA = h("canvas", { class: "fs-strip", width: 768, height: 24, role: "img", "aria-label": "First sentence's vector" });
    this.stripB = h("canvas", { class: "fs-strip", width: 768, height: 24, role: "img", "aria-label": "Second sentence's vector" });
    this.output = h(
      "div",
      { class: "fs-widget__output", "aria-live": "polite" },
      h("p", { class: "fs-similarity" }, h("span", {}, "Cosine similarity: "), this.value),
      h("div", { class: "fs-similarity__bar", "aria-hidden": "true" }, this.fillBar),
      this.meaning,
      this.caveat,
    );
    this.strips = h(
      "figure",
      { class: "fs-strips", hidden: true },
      this.stripA,
      this.stripB,
      h("figcaption", {}, "Each sentence becomes 384 numbers. Blue stripes are positive numbers, amber negative; the stronger the colour, the larger the number."),
    );
    this.append(h("p", { class: "fs-widget__title" }, "How similar are two sentences?"), form, this.output, this.strips);
  }

  async compute() {
    const texts = [this.a.value.trim(), this.b.value.trim()];
    if (!texts[0] || !texts[1]) {
      this.meaning.textContent = "Type a sentence in both boxes.";
      return;
    }
    this.meaning.textContent = "Embedding both sentences on this device…";
    const [va, vb] = await embed(texts);
    const sim = cosine(va, vb);
    this.value.textContent = sim.toFixed(2);
    this.value.dataset.value = String(sim);
    this.fillBar.style.width = `${Math.max(0, Math.min(1, sim)) * 100}%`;
    // Say what the model sees, not what the sentences mean: a negation scores high too.
    this.meaning.textContent =
      sim > 0.7
        ? "The model places these very close."
        : sim > 0.4
          ? "The model places these fairly close."
          : sim > 0.15
            ? "The model places these somewhat apart."
            : "The model places these far apart, as it does unrelated sentences.";
    this.caveat.hidden = false;
    this.strips.hidden = false;
    drawStrip(this.stripA, va);
    drawStrip(this.stripB, vb);
  }
}

customElements.define("similarity-playground", SimilarityPlayground);
