// <rag-qa>: Chapter 1's whole RAG pipeline on the license corpus, in the reader's browser.
// Retrieve (keywords with BM25, meaning with MiniLM, or both fused by reciprocal rank), show the
// exact prompt the language model will read, then stream its answer and check its citations.
//
// Every setting (BM25's k1 and b, the fusion constant, top k, the threshold, the prompt template
// and its token budget) comes from runtime.json's "rag" section, which the build made from
// docs/data/rag/pipeline.json, the file the chapter's notebooks read too; the passages and their
// vectors are a corpus staged beside it. The example questions were answered when the page was
// built (rag/widget.py wrote them into the page); this script offers them as buttons.
//
// <ask-site> (ask-site.js) is this element over another corpus: it overrides the getters and
// the few methods marked "overridable" below (which settings, the words, how a hit is shown).
import { asciiWords, BM25 } from "./bm25.js";
import { chatPrompt, generate, load as loadLanguageModel, loadTokenizer, modelSize } from "./generation.js";
import { dot, embed, loadCorpus, runtimeConfig, stats } from "./runtime.js";
import { WidgetBase, field, formatBytes, h, nextId } from "./ui.js";

const MODES = [
  ["hybrid", "Both, fused (hybrid)"],
  ["semantic", "Meaning (MiniLM)"],
  ["keyword", "Keywords (BM25)"],
];
const NOT_FOUND = "Not found in these documents.";
const TEXTS = {
  title: "Ask the licenses: retrieve, build the prompt, generate",
  label: "Your question about a software license",
  placeholder: "For example: can I sell software that uses GPL code?",
  notFound: NOT_FOUND,
  noun: "passage",
  missing: "This site has no license corpus for the question box.",
};

// "{name}. {title}" filled from an object, as Python's str.format_map does for these templates.
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

export function citeId(item, prompt) {
  const plain = item.section !== undefined && prompt.unnumbered_sections.includes(item.section);
  return fill(plain ? prompt.cite_id_unnumbered : prompt.cite_id, item);
}

// Indices best first; ties keep corpus order (numpy's stable argsort in rag/pipeline.py).
function order(scores) {
  return Array.from(scores, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

function rrf(lists, k, depth) {
  const fused = new Float64Array(lists[0].length);
  for (const scores of lists) order(scores).slice(0, depth).forEach((i, rank) => (fused[i] += 1 / (k + rank + 1)));
  return fused;
}

export function citations(answer) {
  const out = [];
  for (const [, group] of answer.matchAll(/\[([^[\]]+)\]/g)) {
    for (const c of group.split(/[;,]/)) if (c.trim()) out.push(c.trim());
  }
  return out;
}

// The generation notebook's prompt: sections in rank order, parts of a section joined under one
// id, as many as fit the token budget (counted with the language model's own tokenizer).
export function buildPrompt(question, ranked, prompt, count) {
  const sections = new Map();
  for (const item of ranked) {
    const id = citeId(item, prompt);
    if (!sections.has(id)) sections.set(id, []);
    sections.get(id).push(item);
  }
  const grouped = [...sections].map(([id, parts]) => [id, [...parts].sort((a, b) => (a.part || 1) - (b.part || 1))]);
  const render = (chosen) => {
    const context = chosen
      .map(([id, parts]) => fill(prompt.passage, { ...parts[0], id, text: parts.map((p) => p.text).join(prompt.part_separator) }))
      .join(prompt.passage_separator);
    return chatPrompt(fill(prompt.user, { context, question }), prompt.system) + prompt.answer_start;
  };
  const chosen = [];
  for (const entry of grouped) {
    if (count(render([...chosen, entry])) > prompt.budget_tokens) break;
    chosen.push(entry);
  }
  const text = render(chosen);
  const used = chosen.map(([id]) => id);
  return { text, used, dropped: grouped.slice(chosen.length).map(([id]) => id), tokens: count(text), items: new Map(chosen.map(([id, parts]) => [id, parts[0]])) };
}

// The examples the build wrote into the element, read before the widget replaces them.
function harvest(root) {
  return [...root.querySelectorAll(".fs-rag-example")].map((node) => ({
    id: node.dataset.example,
    question: node.dataset.question,
    found: node.dataset.found === "true",
    node: node.cloneNode(true),
  }));
}

export class RagQa extends WidgetBase {
  // overridable: the runtime.json section with the corpus name and settings, the words shown,
  // the rankings offered (one: no choice shown)
  get settingsKey() {
    return "rag";
  }

  get texts() {
    return TEXTS;
  }

  get modes() {
    return MODES;
  }

  connectedCallback() {
    if (!this._built) this.examples = harvest(this);
    super.connectedCallback();
    if (this.dataset.state === undefined) this.setState("idle");
    modelSize().then((bytes) => (this.loadButton.textContent = `Load the language model (${Math.round(bytes / 1e6)} MB)`), () => {});
  }

  setState(state) {
    this.dataset.state = state;
  }

  build() {
    this.classList.add("fs-rag");
    const texts = this.texts;
    const { input, node } = field(texts.label, { placeholder: texts.placeholder });
    this.input = input;
    const legendId = nextId("fs-legend");
    this.modeInputs = this.modes.length > 1 ? this.modes.map(([value, label], i) => {
      const id = nextId("fs-mode");
      const radio = h("input", { type: "radio", id, name: legendId, value, checked: i === 0 });
      return { radio, node: h("span", { class: "fs-rag__mode" }, radio, h("label", { for: id }, label)) };
    }) : [];
    const modes = this.modeInputs.length
      ? h("fieldset", { class: "fs-rag__modes" }, h("legend", { id: legendId }, "Ranking"), this.modeInputs.map((m) => m.node))
      : null;
    const ask = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run" }, "Ask");
    const form = h("form", { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.run()) }, node, modes, ask);

    const exampleButtons = this.examples.map((ex) =>
      h("button", { type: "button", class: "md-button fs-rag__example", "data-example": ex.id, onclick: () => this.showExample(ex) }, ex.question));
    const examples = exampleButtons.length
      ? h("div", {
        class: "fs-rag__examples", role: "group", "aria-label": "Example questions, answered when this page was built",
        // reaching an example downloads nothing: it does not warm the embedding model up (warm below)
        onpointerdown: () => (this._quiet = true), onfocusin: () => (this._quiet = true),
      },
        h("span", { class: "fs-widget__label" }, "Examples (answered when this page was built, no download):"), exampleButtons)
      : null;

    this.loadButton = h("button", { type: "button", class: "md-button fs-rag__load", onclick: () => this.loadModel() }, "Load the language model (98 MB)");
    this.stopButton = h("button", { type: "button", class: "md-button fs-rag__stop", disabled: true, onclick: () => this.stop() }, "Stop");
    this.lmBar = h("progress", { class: "fs-widget__bar", max: 1, value: 0, "aria-label": "Language model download" });
    this.lmBarText = h("span", { class: "fs-widget__bar-text" });
    this.lmProgress = h("div", { class: "fs-widget__progress" }, this.lmBar, this.lmBarText);
    const generator = h("div", { class: "fs-rag__generator" }, this.loadButton, this.stopButton, this.lmProgress);

    this.summary = h("p", { class: "fs-widget__summary" }, "Ask a question, or pick an example.");
    this.verdict = h("p", { class: "fs-rag__verdict" });
    this.list = h("ol", { class: "fs-rag__passages fs-rag__results", "aria-label": `Retrieved ${texts.noun}s` });
    this.promptText = h("pre", { class: "fs-rag__prompt" });
    this.promptSummary = h("summary", {}, "The exact prompt the language model reads");
    this.promptBox = h("details", { class: "fs-rag__prompt-box", hidden: true }, this.promptSummary, this.promptText);
    this.answer = h("p", { class: "fs-rag__answer", hidden: true });
    this.checks = h("ul", { class: "fs-rag__citations", "aria-label": "Citation check", hidden: true });
    this.caption = h("p", { class: "fs-rag__caption" });
    // Screen readers hear the summary, verdict and caption; the passages and the growing
    // answer are outside the live region (announcing each token would be noise).
    this.live = h("div", { "aria-live": "polite" }, this.summary, this.verdict, this.caption);
    this.output = h("div", { class: "fs-widget__output" }, this.live, this.list, this.promptBox, this.answer, this.checks);

    this.append(
      h("p", { class: "fs-widget__title" }, texts.title),
      form,
      examples,
      generator,
      this.output,
    );
  }

  warm() {
    if (this._quiet) this._quiet = false; // the event came from an example button
    else super.warm();
  }

  mode() {
    const checked = this.modeInputs.find((m) => m.radio.checked) || this.modeInputs[0];
    return checked ? checked.radio.value : this.modes[0][0];
  }

  // The embedding model loads on first focus or on Ask: "loading" then, unless the widget is
  // already showing something (an example stays "done" while the model warms up behind it).
  onModelEvent(event) {
    super.onModelEvent(event);
    const state = this.dataset.state;
    if (event.type === "progress" && (this._computing ? state !== "running" : state === "idle")) this.setState("loading");
  }

  modelReady() {
    if (this.dataset.state !== "loading") return;
    this.setState(this._computing ? "running" : "ready"); // running: now embedding the question
  }

  // Corpus, settings, BM25 index and token counter: once per page.
  prepare() {
    if (!this._prepared) {
      this._prepared = (async () => {
        const config = await runtimeConfig();
        const settings = config[this.settingsKey];
        if (!settings || !settings.corpus) throw Object.assign(new Error(this.texts.missing), { kind: "config" });
        const [corpus, count] = await Promise.all([loadCorpus(settings.corpus), loadTokenizer()]);
        const r = settings.retrieval;
        // BM25 reads what rag/pipeline.py's Retriever reads: the settings' passage_text
        const bm25 = new BM25(corpus.items.map((item) => fill(r.passage_text || corpus.embed || "{text}", item)), { k1: r.bm25_k1, b: r.bm25_b, tokenizer: asciiWords });
        return { settings, corpus, count, bm25 };
      })();
      this._prepared.catch(() => (this._prepared = null));
    }
    return this._prepared;
  }

  // Ranked passages for a question: [{index, score, cosine}] and the best cosine similarity.
  async retrieve(question, mode) {
    const { settings, corpus, bm25 } = await this.prepare();
    const r = settings.retrieval;
    const [q] = await embed([question]);
    const cosine = corpus.rows.map((row) => dot(row, q));
    let scores = cosine;
    if (mode !== "semantic") {
      const keyword = bm25.scores(question);
      scores = mode === "keyword" ? keyword : rrf([keyword, cosine], r.rrf_k, r.rrf_depth);
    }
    const ranked = order(scores).slice(0, r.top_k).map((i) => ({ index: i, score: scores[i], cosine: cosine[i] }));
    return { ranked, best: Math.max(...cosine) };
  }

  async compute() {
    const question = this.input.value.trim();
    if (!question) {
      this.summary.textContent = "Type a question first.";
      return;
    }
    this.stop();
    this.reset();
    const mode = this.mode();
    const run = (this._run = (this._run || 0) + 1); // a newer question supersedes this one
    this._computing = true;
    this.setState(stats.state === "ready" ? "running" : "loading");
    this.summary.textContent = `Finding ${this.texts.noun}s on this device…`;
    try {
      const started = performance.now();
      const { ranked, best } = await this.retrieve(question, mode);
      const ms = performance.now() - started;
      const { settings, corpus, count } = await this.prepare();
      if (run !== this._run) return;
      const { prompt, retrieval } = settings;
      const found = best >= retrieval.threshold;
      const items = this.promptItems(ranked.map((r) => corpus.items[r.index]), prompt);
      this.showPassages(ranked, corpus, prompt);
      Object.assign(this.dataset, { found: String(found), ranking: mode, question, best: best.toFixed(4), retrieveMs: String(Math.round(ms)) });
      const noun = this.texts.noun;
      this.summary.textContent = `The ${ranked.length} best ${noun}s by ${this.modes.find(([m]) => m === mode)[1].toLowerCase()}, found in ${Math.round(ms)} ms.`;
      if (!found) {
        this.pending = null;
        this.verdict.textContent = this.texts.notFound;
        this.caption.textContent = `The closest ${noun}'s cosine similarity is ${best.toFixed(2)}, below the threshold of ${retrieval.threshold.toFixed(2)}: nothing here is close enough, so the model is not asked. The closest ${noun}s are listed anyway.`;
        this.setState("done");
        return;
      }
      this.verdict.textContent = `Best cosine similarity ${best.toFixed(2)} (threshold ${retrieval.threshold.toFixed(2)}): the ${noun}s go into the prompt.`;
      const built = buildPrompt(question, items, prompt, count);
      this.showPrompt(built, prompt);
      this.pending = { built, prompt };
      if (this.modelInfo) {
        this._computing = false;
        await this.answerPending();
      } else {
        this.caption.textContent = "Load the language model to have it answer from this prompt, or try an example answered when the page was built.";
        this.setState("done");
      }
    } catch (error) {
      if (run !== this._run) return;
      this.setState("error");
      throw error;
    } finally {
      if (run === this._run) this._computing = false;
    }
  }

  reset() {
    for (const key of ["found", "ranking", "question", "best", "source", "retrieveMs", "tokens", "ttftMs", "tokensPerSecond"]) delete this.dataset[key];
    this.list.replaceChildren();
    this.verdict.textContent = "";
    this.caption.textContent = "";
    this.promptBox.hidden = true;
    this.answer.hidden = true;
    this.answer.textContent = "";
    this.checks.hidden = true;
    this.checks.replaceChildren();
  }

  // overridable: the items as the prompt shows them (<ask-site> numbers and shortens them)
  promptItems(items) {
    return items;
  }

  showPassages(ranked, corpus, prompt) {
    ranked.forEach(({ index, score, cosine }, i) => this.list.append(this.passageNode(corpus.items[index], { score, cosine, rank: i + 1 }, prompt)));
  }

  // overridable: one retrieved item, li[data-doc][data-section][data-score] (the test contract)
  passageNode(item, { score, cosine }, prompt) {
    const part = item.parts > 1 ? ` (part ${item.part} of ${item.parts})` : "";
    return h("li", { class: "fs-rag__passage", "data-doc": item.license, "data-section": item.section, "data-score": score.toFixed(4), "data-cosine": cosine.toFixed(4), "data-id": item.id },
      h("details", {},
        h("summary", {}, h("span", { class: "fs-rag__cite" }, citeId(item, prompt)), part, " ", h("span", { class: "fs-rag__title" }, item.title), " ",
          h("span", { class: "fs-rag__score" }, `score ${score.toFixed(3)} · cosine ${cosine.toFixed(2)}`)),
        h("p", { class: "fs-rag__text" }, item.text)));
  }

  showPrompt(built, prompt) {
    this.promptText.textContent = built.text;
    const dropped = built.dropped.length ? `; left out for the budget: ${built.dropped.join(", ")}` : "";
    this.promptSummary.textContent = `The exact prompt the language model reads (${built.tokens} tokens of a ${prompt.budget_tokens}-token budget${dropped})`;
    this.promptBox.hidden = false;
  }

  showExample(example) {
    this.stop();
    this._run = (this._run || 0) + 1; // any question still running is superseded
    this.reset();
    this.input.value = example.question;
    this.modeInputs.forEach((m) => (m.radio.checked = m.radio.value === "hybrid"));
    const node = example.node;
    const pick = (selector) => node.querySelector(selector);
    for (const li of node.querySelectorAll(".fs-rag__passage")) this.list.append(li.cloneNode(true));
    const answer = pick(".fs-rag__answer");
    if (example.found) {
      const prompt = pick(".fs-rag__prompt");
      this.promptText.textContent = prompt ? prompt.textContent : "";
      this.promptSummary.textContent = pick(".fs-rag__prompt-box summary").textContent;
      this.promptBox.hidden = false;
      this.answer.textContent = answer ? answer.textContent : "";
      this.answer.hidden = false;
      const checks = pick(".fs-rag__citations");
      if (checks) {
        this.checks.replaceChildren(...[...checks.children].map((li) => li.cloneNode(true)));
        this.checks.hidden = false;
      }
      this.verdict.textContent = "";
    } else {
      this.verdict.textContent = this.texts.notFound;
    }
    const caption = pick(".fs-rag__caption");
    this.caption.textContent = caption ? caption.textContent : "";
    this.summary.textContent = `Example: the ${this.list.children.length} best ${this.texts.noun}s by the hybrid ranking, as retrieved when this page was built.`;
    Object.assign(this.dataset, { found: String(example.found), ranking: "hybrid", question: example.question, source: "build" });
    this.pending = null;
    this.setState("done");
  }

  async loadModel(force = false) {
    this.clearError();
    this._lmError = false;
    const before = this.dataset.state;
    this.setState("loading");
    this.loadButton.disabled = true;
    this.lmProgress.classList.add("is-active");
    try {
      this.modelInfo = await loadLanguageModel({
        force,
        onProgress: ({ loaded, total }) => {
          this.lmBar.max = total || 1;
          this.lmBar.value = loaded;
          this.lmBarText.textContent = `Loading the language model: ${formatBytes(loaded)} of ${formatBytes(total)}`;
        },
      });
      this.loadButton.hidden = true;
      this.lmProgress.classList.remove("is-active");
      this.dataset.networkBytes = String(this.modelInfo.networkBytes);
      this.setState("ready");
      if (this.pending) await this.answerPending();
      else if (before === "done") this.caption.textContent = "The language model is ready: ask a question and it will answer from the passages.";
    } catch (error) {
      this.lmProgress.classList.remove("is-active");
      this.loadButton.disabled = false;
      this._lmError = error.kind === "memory" ? "memory" : true;
      this.showError(error);
      this.setState("error");
    }
  }

  async answerPending() {
    const { built, prompt } = this.pending;
    this.pending = null;
    const run = this._run;
    const controller = (this.controller = new AbortController());
    this.stopButton.disabled = false;
    this.setState("running");
    this.answer.textContent = prompt.answer_start;
    this.answer.hidden = false;
    this.caption.textContent = `Reading the ${built.tokens}-token prompt…`;
    try {
      const result = await generate({
        prompt: built.text,
        maxTokens: prompt.max_tokens,
        temperature: 0,
        signal: controller.signal,
        onPhase: ({ phase, tokens }) => {
          if (run === this._run) this.caption.textContent = phase === "reading" ? `Reading ${tokens} tokens…` : "Writing the answer…";
        },
        onToken: (piece) => run === this._run && this.answer.append(document.createTextNode(piece)),
      });
      if (run !== this._run) return; // the reader moved on (Stop, a new question or an example)
      this.showChecks(this.answer.textContent, built.used, built.items);
      const speed = result.tokensPerSecond ? ` at ${result.tokensPerSecond.toFixed(1)} tokens/s` : "";
      this.caption.textContent = `${result.stopped ? "Stopped. " : ""}Written in your browser by the language model: greedy, ${result.promptTokens} prompt tokens, ${result.tokens} tokens written${speed}.`;
      this.dataset.tokens = String(result.tokens);
      // for benchmarks/ask_site.py: time to the first token (reading the prompt) and writing speed
      if (result.ttftMs) this.dataset.ttftMs = String(Math.round(result.ttftMs));
      if (result.tokensPerSecond) this.dataset.tokensPerSecond = result.tokensPerSecond.toFixed(2);
      this.setState("done");
    } catch (error) {
      if (run !== this._run) return;
      this._lmError = true;
      this.showError(error);
      this.setState("error");
    } finally {
      if (this.controller === controller) {
        this.stopButton.disabled = true;
        this.controller = null;
      }
    }
  }

  showChecks(answer, used, items) {
    const cited = [...new Set(citations(answer))];
    const allowed = new Set(used);
    this.checks.replaceChildren(...(cited.length
      ? cited.map((c) => this.checkNode(c, allowed, items))
      : [h("li", { "data-cite": "" }, `The answer cites no ${this.texts.noun}.`)]));
    this.checks.hidden = false;
  }

  // overridable: one cited id, checked against the ids in the prompt (`items`: the prompt's items)
  checkNode(c, allowed) {
    return h("li", { "data-cite": c, "data-in-prompt": String(allowed.has(c)) },
      `[${c}] ${allowed.has(c) ? "is a passage in the prompt" : "was NOT in the prompt: a made-up source"}`);
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.stopButton.disabled = true;
  }

  retry() {
    if (this._lmError) {
      const force = this._lmError === "memory";
      this.clearError();
      if (!this.modelInfo) this.loadModel(force);
      else {
        this.setState("ready");
        this.run();
      }
      return;
    }
    super.retry();
  }
}

customElements.define("rag-qa", RagQa);
