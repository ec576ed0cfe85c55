// Classifier heads trained at build time (plugins/fromscratch/runtime/classifier.py): a small
// JSON file of weights, bias, threshold and held-out test scores, listed in runtime.json with
// its sha256. Downloaded once per page and checked before use, like the model files.
import { RuntimeFailure, runtimeConfig, siteRoot } from "./runtime.js";

async function sha256Hex(buffer) {
  if (!(globalThis.crypto && crypto.subtle)) return null; // not a secure context: cannot check
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const heads = new Map();

export function loadClassifier(name) {
  if (!heads.has(name)) {
    const promise = (async () => {
      const config = await runtimeConfig();
      const entry = (config.classifiers || {})[name];
      if (!entry) throw new RuntimeFailure("corpus", `This site has no classifier called “${name}”.`);
      let response;
      try {
        response = await fetch(new URL(entry.path, siteRoot));
      } catch (error) {
        throw new RuntimeFailure("missing", "The classifier's weights could not be downloaded.", String(error));
      }
      if (!response.ok) throw new RuntimeFailure("missing", `The classifier's weights could not be downloaded (HTTP ${response.status}).`);
      const buffer = await response.arrayBuffer();
      const digest = await sha256Hex(buffer);
      if (digest && digest !== entry.sha256) throw new RuntimeFailure("corrupt", "The classifier's weights file is damaged: its checksum does not match.");
      const head = JSON.parse(new TextDecoder().decode(buffer));
      head.w = Float32Array.from(head.weights);
      return head;
    })();
    promise.catch(() => heads.delete(name));
    heads.set(name, promise);
  }
  return heads.get(name);
}

export const sigmoid = (t) => 1 / (1 + Math.exp(-t));

// Probability of the positive class for one sentence vector.
export function predict(head, vector) {
  let t = head.bias;
  for (let i = 0; i < head.w.length; i++) t += head.w[i] * vector[i];
  return sigmoid(t);
}

// Confusion counts and the usual rates for scores against 0/1 labels at one threshold.
export function confusion(scores, labels, threshold) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < scores.length; i++) {
    const spam = scores[i] >= threshold;
    if (spam && labels[i]) tp++;
    else if (spam) fp++;
    else if (labels[i]) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

export function rates({ tp, fp, fn, tn }) {
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, accuracy: (tp + tn) / (tp + fp + fn + tn || 1) };
}

// Widgets of this family report where they are on their root: idle|loading|ready|running|done|error.
// With {model: false} the widget runs no model, so the shared model's loading never moves it.
export function trackState(widget, { model = true } = {}) {
  widget.dataset.state = "idle";
  if (!model) widget.onModelEvent = () => {};
  const onModelEvent = widget.onModelEvent.bind(widget);
  widget.onModelEvent = (event) => {
    onModelEvent(event);
    if (!model) return;
    if (event.type === "progress" && widget.dataset.state !== "running") widget.dataset.state = "loading";
    else if (event.type === "ready" && widget.dataset.state === "loading") widget.dataset.state = "ready";
    else if (event.type === "error") widget.dataset.state = "error";
    else if (event.type === "reset") widget.dataset.state = "idle";
  };
  const showError = widget.showError.bind(widget);
  widget.showError = (error) => {
    showError(error);
    widget.dataset.state = "error";
  };
}
