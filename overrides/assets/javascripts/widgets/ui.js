// The parts every widget shares: building elements safely, the loading bar, the
// "runs on your device" note, errors with a retry button, and loading on first use.
import { loadModel, onModelEvent, resetModel, stats } from "./runtime.js";

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// h("p", {class: "x"}, "text", child) — strings become text nodes, never HTML.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElementNS(
    tag === "svg" || attrs.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  );
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "svg" || value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

export function formatBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

const TITLES = {
  missing: "A model file is missing",
  corrupt: "A model file is damaged",
  wasm: "This browser cannot run the model",
  crash: "The model stopped working",
  corpus: "The documents could not be loaded",
  config: "The widget settings could not be loaded",
  offsite: "Blocked a request to another site",
  stalled: "The download stalled",
  network: "The download failed",
  mismatch: "The documents do not match the model",
};

const HINTS = {
  missing: "Check your connection and try again; if it keeps failing, the site needs rebuilding.",
  corrupt: "Try again; the damaged file was not kept.",
  wasm: "Try a recent version of Firefox, Chrome, Edge or Safari.",
  corpus: "Check your connection and try again.",
  stalled: "Check your connection and try again; files already downloaded are kept.",
  network: "Check your connection and try again.",
  mismatch: "Reload the page; if it keeps happening, the site needs rebuilding.",
};

export class WidgetBase extends HTMLElement {
  connectedCallback() {
    if (this._built) return;
    this._built = true;
    this.textContent = "";
    this.classList.add("fs-widget");
    this.build();
    this.append(this.statusArea());
    // First use (focus or click anywhere in the widget) starts loading the model.
    const start = () => this.warm();
    this.addEventListener("focusin", start);
    this.addEventListener("pointerdown", start);
    this._off = onModelEvent((event) => this.onModelEvent(event));
    if (stats.state !== "idle") this.onModelEvent({ type: stats.state === "ready" ? "ready" : "progress", ...stats });
  }

  disconnectedCallback() {
    if (this._off) this._off();
  }

  warm() {
    if (stats.state === "idle") loadModel().catch(() => {});
  }

  statusArea() {
    this._bar = h("progress", { class: "fs-widget__bar", max: 1, value: 0, "aria-label": "Model download" });
    this._barText = h("span", { class: "fs-widget__bar-text" });
    // The bar keeps its space while hidden, so widgets below do not jump when loading starts.
    this._progress = h("div", { class: "fs-widget__progress" }, this._bar, this._barText);
    this._errorText = h("p", { class: "fs-widget__error-text" });
    this._errorTitle = h("strong", { class: "fs-widget__error-title" });
    this._retry = h("button", { type: "button", class: "md-button fs-widget__retry", onclick: () => this.retry() }, "Try again");
    this._error = h("div", { class: "fs-widget__error", role: "alert", hidden: true }, this._errorTitle, this._errorText, this._retry);
    this._note = h(
      "p",
      { class: "fs-widget__note" },
      "Runs locally on your device: the model is downloaded once from this site, and your text never leaves your browser.",
    );
    return h("div", { class: "fs-widget__status" }, this._progress, this._error, this._note);
  }

  onModelEvent(event) {
    if (event.type === "progress") {
      this._progress.classList.add("is-active");
      this._bar.max = event.total || 1;
      this._bar.value = event.loaded || 0;
      this._barText.textContent = `Loading the model: ${formatBytes(event.loaded || 0)} of ${formatBytes(event.total || 0)}`;
    } else if (event.type === "ready") {
      this._progress.classList.remove("is-active");
      this._error.hidden = true;
      this.setBusy(false);
      this.modelReady();
    } else if (event.type === "error") {
      this._progress.classList.remove("is-active");
      this.showError(event.error);
    } else if (event.type === "reset") {
      this._error.hidden = true;
    }
  }

  showError(error) {
    this.setBusy(false);
    if (error.detail) console.warn(`${this.localName}: ${error.message}`, error.detail);
    this._errorTitle.textContent = TITLES[error.kind] || "Something went wrong";
    const hint = HINTS[error.kind] || "Try again; if it keeps failing, reload the page.";
    this._errorText.textContent = ` ${error.message} ${hint}`;
    this._error.dataset.kind = error.kind || "unknown";
    this._error.hidden = false;
  }

  clearError() {
    this._error.hidden = true;
  }

  retry() {
    this.clearError();
    if (stats.state === "error") resetModel();
    this.run();
  }

  setBusy(busy) {
    this.toggleAttribute("aria-busy", busy);
    for (const b of this.querySelectorAll("button.fs-widget__run")) b.disabled = busy;
  }

  // Run the widget's main action, reporting any failure in the widget.
  async run() {
    this.clearError();
    this.setBusy(true);
    try {
      await this.compute();
    } catch (error) {
      this.showError(error.kind ? error : { kind: "crash", message: "Something went wrong while computing." });
    } finally {
      this.setBusy(false);
    }
  }

  // Subclasses: build() adds the widget's controls, compute() does its work, modelReady() is optional.
  build() {}
  async compute() {}
  modelReady() {}
}

// A labelled text box (input or textarea) with an id that ties the label to it.
export function field(labelText, { multiline = false, value = "", placeholder = "" } = {}) {
  const id = nextId("fs-field");
  const input = multiline
    ? h("textarea", { id, rows: 2, class: "fs-widget__input", placeholder })
    : h("input", { id, type: "text", class: "fs-widget__input", placeholder, autocomplete: "off" });
  input.value = value;
  const label = h("label", { for: id, class: "fs-widget__label" }, labelText);
  return { input, node: h("div", { class: "fs-widget__field" }, label, input) };
}
