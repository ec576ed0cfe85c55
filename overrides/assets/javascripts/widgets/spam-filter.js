// <spam-filter classifier="spam">: the reader's message is embedded on this device and scored
// by a logistic-regression head trained at build time on the site's SMS and email data. Then
// each word (or, in a long text, each run of words) is left out in turn and the message scored
// again: the change in probability is how hard that word pushed the verdict (occlusion).
import { loadClassifier, predict, trackState } from "./classifier.js";
import { embed } from "./runtime.js";
import { WidgetBase, field, h } from "./ui.js";

const MAX_PARTS = 24; // at most this many re-embeddings for the word influences
const EXAMPLES = [
  ["Parcel", "Your parcel is held at our depot. Pay the 1.99 redelivery fee today: parcel-redeliver.info"],
  ["Login code", "Your sign-in code is 482913. It expires in 10 minutes. Never share it with anyone."],
  ["New number", "Hi mum, this is my new number, my phone broke. Can you send me some money for the bill?"],
  ["Friend's link", "lol look at this video of the cat falling off the shelf https://youtu.be/x7Q"],
  ["Polite spam", "Dear customer, we are pleased to inform you that you have been selected for an exclusive reward."],
  ["Email", "Subject: Minutes from Tuesday\n\nHi all, attached are the notes from the planning meeting. Please check the action items before Friday."],
];

// Split into words with their trailing spaces, so leaving one out keeps the rest readable.
function words(text) {
  return text.match(/\S+\s*/g) || [];
}

// Contiguous runs of words, at most MAX_PARTS of them.
function parts(tokens) {
  const size = Math.ceil(tokens.length / MAX_PARTS);
  const out = [];
  for (let i = 0; i < tokens.length; i += size) out.push([i, Math.min(tokens.length, i + size)]);
  return out;
}

class SpamFilter extends WidgetBase {
  build() {
    trackState(this);
    this.headName = this.getAttribute("classifier") || "spam";
    const { input, node } = field("A message: an SMS, a chat message, or an email's subject and first lines", {
      multiline: true, value: EXAMPLES[0][1],
    });
    input.rows = 3;
    this.input = input;
    const button = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run" }, "Check");
    const form = h("form", { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.run()) }, node, button);
    const examples = h("p", { class: "fs-examples" }, h("span", { class: "fs-examples__label" }, "Try to fool it: "),
      ...EXAMPLES.map(([label, text]) => h("button", {
        type: "button", class: "md-button fs-examples__button",
        onclick: () => { this.input.value = text; this.run(); },
      }, label)));
    this.verdict = h("p", { class: "fs-verdict", "data-verdict": "" }, "Press Check to classify the message.");
    this.meter = h("meter", { class: "fs-verdict__meter", min: 0, max: 1, low: 0.5, high: 0.5, optimum: 0, value: 0, "aria-label": "Spam probability" });
    this.why = h("p", { class: "fs-widget__summary" });
    this.influence = h("p", { class: "fs-influence", role: "group", "aria-label": "How much each word pushed the verdict" });
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.verdict, this.meter, this.why, this.influence);
    this.append(h("p", { class: "fs-widget__title" }, "Is it spam?"), form, examples, this.output);
  }

  async compute() {
    const text = this.input.value.trim();
    if (!text) {
      this.verdict.textContent = "Type a message to classify.";
      return;
    }
    this.dataset.state = "running";
    const head = await loadClassifier(this.headName);
    const clipped = text.slice(0, head.max_chars);
    const [v] = await embed([clipped]);
    const p = predict(head, v);
    const spam = p >= head.threshold;
    this.verdict.dataset.verdict = spam ? head.positive : head.negative;
    this.verdict.dataset.score = p.toFixed(4);
    this.verdict.textContent = `${spam ? "Spam" : "Not spam (ham)"}: spam probability ${(100 * p).toFixed(1)}%`;
    this.verdict.className = `fs-verdict fs-verdict--${spam ? "spam" : "ham"}`;
    this.meter.value = p;
    this.why.textContent = text.length > clipped.length
      ? `Only the first ${head.max_chars} characters count, as in training. Working out which words pushed it…`
      : "Working out which words pushed it…";
    await this.explain(head, clipped, p);
    this.dataset.state = "done";
  }

  // Occlusion: score the text with each part left out; the drop in probability is its push.
  async explain(head, text, p) {
    const tokens = words(text);
    if (tokens.length < 2) {
      this.influence.replaceChildren();
      this.why.textContent = "A single word: nothing to leave out.";
      return;
    }
    const spans = parts(tokens);
    const started = performance.now();
    const vectors = await embed(spans.map(([a, b]) => [...tokens.slice(0, a), ...tokens.slice(b)].join("").trim() || "."));
    const ms = performance.now() - started;
    const pushes = vectors.map((v) => p - predict(head, v));
    const strongest = Math.max(...pushes.map(Math.abs), 1e-9);
    this.influence.replaceChildren(...spans.map(([a, b], i) => {
      const push = pushes[i];
      const level = Math.min(4, Math.round((4 * Math.abs(push)) / strongest));
      return h("span", {
        class: `fs-influence__word fs-influence--${push >= 0 ? "spam" : "ham"}-${level}`,
        "data-push": push.toFixed(4),
        title: `${push >= 0 ? "+" : "−"}${Math.abs(100 * push).toFixed(1)} points of spam probability`,
      }, tokens.slice(a, b).join(""));
    }));
    const top = pushes.map((push, i) => ({ push, i })).sort((x, y) => Math.abs(y.push) - Math.abs(x.push))[0];
    const [a, b] = spans[top.i];
    this.why.textContent =
      `Leaving out each ${spans.length < tokens.length ? "run of words" : "word"} in turn (${spans.length} re-scorings, ` +
      `${Math.round(ms)} ms): “${tokens.slice(a, b).join("").trim()}” moved it most, ` +
      `${top.push >= 0 ? "towards spam" : "towards ham"} by ${Math.abs(100 * top.push).toFixed(1)} points. ` +
      "Red words pushed towards spam, blue towards ham.";
  }
}

customElements.define("spam-filter", SpamFilter);
