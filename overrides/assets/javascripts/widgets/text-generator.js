// <text-generator>: type a prompt, see the exact text the model reads (its chat template,
// special tokens included), and watch the answer arrive token by token with its speed.
// The 98 MB model downloads only when the reader presses the load button.
import { chatPrompt, generate, load, modelSize } from "./generation.js";
import { field, formatBytes, h, nextId } from "./ui.js";

const TITLES = {
  config: "This site has no language model",
  missing: "A language-model file is missing",
  corrupt: "A language-model file is damaged",
  network: "The download failed",
  wasm: "This browser cannot run the language model",
  memory: "Not enough memory for the language model",
  crash: "The language model stopped working",
};

const HINTS = {
  missing: "Check your connection and try again; if it keeps failing, the site needs rebuilding.",
  corrupt: "Try again; the damaged file was not kept.",
  network: "Check your connection and try again.",
  wasm: "The example answers on this page were written by the same model at build time.",
  crash: "Try again; if it keeps failing, reload the page.",
};

function numberField(labelText, { value, min, max, step }) {
  const id = nextId("fs-field");
  const input = h("input", { id, type: "number", class: "fs-widget__input fs-gen__number", min, max, step, value });
  return { input, node: h("div", { class: "fs-widget__field fs-gen__param" }, h("label", { for: id, class: "fs-widget__label" }, labelText), input) };
}

// Why a multi-core device runs one thread: the page is not cross-origin isolated (yet).
function threadHint(info) {
  if (info.isolated || info.threads > 1 || (navigator.hardwareConcurrency || 1) < 2) return "";
  return " One thread only: this page is not cross-origin isolated yet. Reload it to let the model use more of your processor (see “Threads” below).";
}

class TextGenerator extends HTMLElement {
  connectedCallback() {
    if (this._built) return;
    this._built = true;
    this.textContent = "";
    this.classList.add("fs-widget", "fs-gen");
    this.setState("idle");
    this.build();
    modelSize().then(
      (bytes) => (this.loadButton.textContent = `Load the language model (${Math.round(bytes / 1e6)} MB)`),
      () => {},
    );
  }

  setState(state) {
    this.dataset.state = state;
  }

  build() {
    this.loadButton = h("button", { type: "button", class: "md-button md-button--primary fs-gen__load", onclick: () => this.load() }, "Load the language model (98 MB)");
    this.bar = h("progress", { class: "fs-widget__bar", max: 1, value: 0, "aria-label": "Language model download" });
    this.barText = h("span", { class: "fs-widget__bar-text" });
    this.progress = h("div", { class: "fs-widget__progress" }, this.bar, this.barText);

    const prompt = field("Your prompt", { multiline: true, value: "Explain in two sentences what a vector database is." });
    this.prompt = prompt.input;
    this.prompt.rows = 3;
    this.prompt.addEventListener("input", () => this.showTemplate());
    this.maxTokens = numberField("Max tokens", { value: 96, min: 1, max: 512, step: 1 });
    this.temperature = numberField("Temperature (0 = always the likeliest token)", { value: 0, min: 0, max: 2, step: 0.1 });
    this.runButton = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run", disabled: true }, "Generate");
    this.stopButton = h("button", { type: "button", class: "md-button fs-gen__stop", disabled: true, onclick: () => this.stop() }, "Stop");
    const form = h(
      "form",
      { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.run()) },
      prompt.node,
      h("div", { class: "fs-gen__params" }, this.maxTokens.node, this.temperature.node),
      h("div", { class: "fs-gen__buttons" }, this.runButton, this.stopButton),
    );
    this.template = h("pre", { class: "fs-gen__template" });
    const templateBox = h("details", { class: "fs-gen__details" }, h("summary", {}, "What the model actually reads (its chat template)"), this.template);
    this.phase = h("p", { class: "fs-widget__summary fs-gen__phase" }, "Load the model, then press Generate.");
    this.answer = h("div", { class: "fs-gen__answer" });
    this.figures = h("p", { class: "fs-gen__figures" });
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.phase, this.answer, this.figures);

    this.errorTitle = h("strong", { class: "fs-widget__error-title" });
    this.errorText = h("p", { class: "fs-widget__error-text" });
    this.retryButton = h("button", { type: "button", class: "md-button fs-widget__retry", onclick: () => this.retry() }, "Try again");
    this.error = h("div", { class: "fs-widget__error", role: "alert", hidden: true }, this.errorTitle, this.errorText, this.retryButton);
    const note = h("p", { class: "fs-widget__note" }, "Runs locally on your device: the model is downloaded once from this site, and your prompt never leaves your browser.");

    this.append(
      h("p", { class: "fs-widget__title" }, "Ask a small language model (SmolLM2, 135 million parameters)"),
      h("div", { class: "fs-gen__loader" }, this.loadButton, this.progress),
      form,
      templateBox,
      this.output,
      h("div", { class: "fs-widget__status" }, this.error, note),
    );
    this.showTemplate();
  }

  showTemplate() {
    this.template.textContent = chatPrompt(this.prompt.value.trim());
  }

  async load(force = false) {
    this.clearError();
    this.setState("loading");
    this.loadButton.disabled = true;
    this.progress.classList.add("is-active");
    try {
      const info = await load({
        force,
        onProgress: ({ loaded, total }) => {
          this.bar.max = total || 1;
          this.bar.value = loaded;
          this.barText.textContent = `Loading the language model: ${formatBytes(loaded)} of ${formatBytes(total)}`;
        },
      });
      this.info = info;
      this.dataset.networkBytes = String(info.networkBytes);
      this.dataset.threads = String(info.threads);
      this.progress.classList.remove("is-active");
      this.loadButton.hidden = true;
      this.runButton.disabled = false;
      this.dataset.isolated = String(info.isolated);
      this.phase.textContent = `Model ready in ${(info.ms / 1000).toFixed(1)} s (${info.networkBytes ? formatBytes(info.networkBytes) + " downloaded" : "from this browser's cache"}, ${info.threads} thread${info.threads > 1 ? "s" : ""}). Press Generate.${threadHint(info)}`;
      this.setState("ready");
      return true;
    } catch (error) {
      this.progress.classList.remove("is-active");
      this.loadButton.disabled = false;
      this.showError(error);
      return false;
    }
  }

  async run() {
    const text = this.prompt.value.trim();
    if (!text) {
      this.phase.textContent = "Type a prompt first.";
      return;
    }
    this.clearError();
    this.controller = new AbortController();
    this.runButton.disabled = true;
    this.stopButton.disabled = false;
    this.answer.textContent = "";
    this.figures.textContent = "";
    this.setState("running");
    this.phase.textContent = "Reading the prompt…";
    const started = performance.now();
    let count = 0;
    const tick = () => {
      const s = (performance.now() - started) / 1000;
      if (this.dataset.state === "running" && count === 0) this.figures.textContent = `${s.toFixed(1)} s so far`;
    };
    const timer = setInterval(tick, 250);
    let firstAt = 0;
    try {
      const result = await generate({
        prompt: chatPrompt(text),
        maxTokens: Math.max(1, Math.min(512, parseInt(this.maxTokens.input.value, 10) || 96)),
        temperature: Math.max(0, Math.min(2, parseFloat(this.temperature.input.value) || 0)),
        signal: this.controller.signal,
        onPhase: ({ phase, tokens }) => {
          if (phase === "reading") {
            this.phase.textContent = `Reading ${tokens} tokens…`;
            this.dataset.readingTokens = String(tokens);
          }
          else this.phase.textContent = `Writing (the prompt was ${tokens} tokens)…`;
        },
        onToken: (piece) => {
          if (!firstAt) firstAt = performance.now();
          count += 1;
          this.answer.append(document.createTextNode(piece));
          const rate = count > 1 ? ((count - 1) * 1000) / (performance.now() - firstAt) : 0;
          this.figures.textContent = `First token after ${((firstAt - started) / 1000).toFixed(1)} s · ${count} tokens · ${rate.toFixed(1)} tokens/s`;
        },
      });
      this.dataset.tokens = String(result.tokens);
      this.dataset.stopped = String(result.stopped);
      if (result.ttftMs !== null) this.dataset.ttftMs = String(Math.round(result.ttftMs));
      if (result.tokensPerSecond) this.dataset.tokensPerSecond = result.tokensPerSecond.toFixed(2);
      if (result.promptPerSecond) this.dataset.promptPerSecond = result.promptPerSecond.toFixed(2);
      this.dataset.promptTokens = String(result.promptTokens);
      const parts = [];
      if (result.ttftMs !== null) parts.push(`first token after ${(result.ttftMs / 1000).toFixed(1)} s (reading ${result.promptTokens} tokens${result.promptPerSecond ? ` at ${result.promptPerSecond.toFixed(0)} tokens/s` : ""})`);
      parts.push(`${result.tokens} tokens written${result.tokensPerSecond ? ` at ${result.tokensPerSecond.toFixed(1)} tokens/s` : ""}`);
      parts.push(`${result.threads} thread${result.threads > 1 ? "s" : ""}`);
      this.figures.textContent = parts.join(" · ");
      this.phase.textContent = result.stopped ? "Stopped." : result.text ? "Done." : "The model wrote nothing; try another prompt.";
      this.setState("done");
    } catch (error) {
      this.showError(error);
    } finally {
      clearInterval(timer);
      this.runButton.disabled = this.dataset.state === "error" && !this.info;
      this.stopButton.disabled = true;
      this.controller = null;
    }
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.stopButton.disabled = true;
  }

  showError(error) {
    const kind = error.kind || "crash";
    if (error.detail) console.warn(`text-generator: ${error.message}`, error.detail);
    this.errorTitle.textContent = TITLES[kind] || "Something went wrong";
    this.errorText.textContent = ` ${error.message || "Something went wrong."} ${HINTS[kind] || ""}`;
    this.error.dataset.kind = kind;
    this.retryButton.textContent = kind === "memory" ? "Try anyway" : "Try again";
    this.error.hidden = false;
    this.setState("error");
  }

  clearError() {
    this.error.hidden = true;
  }

  async retry() {
    const kind = this.error.dataset.kind;
    this.clearError();
    if (!this.info) {
      await this.load(kind === "memory");
    } else {
      this.setState("ready");
      this.run();
    }
  }
}

customElements.define("text-generator", TextGenerator);
