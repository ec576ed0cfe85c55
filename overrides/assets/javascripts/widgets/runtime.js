// Shared by every widget on a page: where the site lives, the one model worker, corpora.
// Nothing here fetches the library, the WASM or the model until a widget asks for it.

// This file is served from <site>/assets/javascripts/widgets/runtime.js, so the site root is
// three folders up; this works under any deployment sub-path.
export const siteRoot = new URL("../../../", import.meta.url);

let configPromise = null;
export function runtimeConfig() {
  if (!configPromise) {
    configPromise = fetch(new URL("assets/runtime/runtime.json", siteRoot)).then((r) => {
      if (!r.ok) throw new RuntimeFailure("config", "The widget settings file is missing from this site.");
      return r.json();
    });
    configPromise.catch(() => (configPromise = null));
  }
  return configPromise;
}

export class RuntimeFailure extends Error {
  constructor(kind, message, detail) {
    super(message);
    this.kind = kind;
    this.detail = detail;
  }
}

// --- the model worker ------------------------------------------------------------------

const listeners = new Set(); // (event) => void, for progress / ready / error
let worker = null;
let ready = null; // Promise resolved when the model is loaded
let nextId = 1;
const pending = new Map();
export const stats = { state: "idle", loaded: 0, total: 0, ms: 0, networkBytes: 0 };

function emit(event) {
  Object.assign(stats, event);
  for (const fn of listeners) fn(event);
}

export function onModelEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function failAll(error) {
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
}

function teardown() {
  if (worker) worker.terminate();
  worker = null;
  ready = null;
}

// Start loading the model (once per page). Resolves when it can embed.
export function loadModel() {
  if (ready) return ready;
  ready = new Promise((resolve, reject) => {
    runtimeConfig().then((config) => {
      const modelRoot = new URL(config.model.root, siteRoot).href;
      const modelUrl = new URL(config.model.id + "/", modelRoot).href;
      // Every file the worker downloads, by absolute URL, with its size and checksum: the
      // library, the WASM and the model, so the progress total is the whole download.
      const files = {};
      for (const [path, info] of Object.entries(config.runtime_files)) {
        files[new URL(path, siteRoot).href] = { ...info, name: path.split("/").pop(), what: "runtime file" };
      }
      for (const [rel, info] of Object.entries(config.model.files)) {
        files[new URL(rel, modelUrl).href] = { ...info, name: rel, what: "model file" };
      }
      const totalBytes = Object.values(files).reduce((a, f) => a + f.bytes, 0);
      worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "fromscratch-model" });
      emit({ type: "progress", state: "loading", loaded: 0, total: totalBytes });
      worker.onmessage = (event) => {
        const msg = event.data;
        if (msg.type === "progress") emit({ type: "progress", state: "loading", loaded: msg.loaded, total: msg.total });
        else if (msg.type === "ready") {
          emit({ type: "ready", state: "ready", ms: msg.ms, networkBytes: msg.networkBytes });
          resolve();
        } else if (msg.type === "result" || (msg.type === "error" && msg.id)) {
          const waiter = pending.get(msg.id);
          pending.delete(msg.id);
          if (!waiter) return;
          if (msg.type === "result") waiter.resolve({ vectors: msg.vectors, dims: msg.dims });
          else waiter.reject(new RuntimeFailure(msg.kind, msg.message, msg.detail));
        } else if (msg.type === "error") {
          const error = new RuntimeFailure(msg.kind, msg.message, msg.detail);
          teardown();
          emit({ type: "error", state: "error", error });
          failAll(error);
          reject(error);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new RuntimeFailure("crash", "The model's background worker stopped unexpectedly.", event.message);
        teardown();
        emit({ type: "error", state: "error", error });
        failAll(error);
        reject(error);
      };
      worker.postMessage({
        type: "init",
        config: {
          library: new URL(config.library, siteRoot).href,
          wasm: { mjs: new URL(config.wasm.mjs, siteRoot).href, wasm: new URL(config.wasm.wasm, siteRoot).href },
          modelRoot,
          modelUrl,
          modelId: config.model.id,
          dtype: config.model.dtype,
          files,
          totalBytes,
        },
      });
    }, (error) => {
      teardown();
      const failure = error instanceof RuntimeFailure ? error : new RuntimeFailure("config", "The widget settings could not be loaded.");
      emit({ type: "error", state: "error", error: failure });
      reject(failure);
    });
  });
  ready.catch(() => {});
  return ready;
}

// Forget a failed load so the next call starts again (the retry button).
export function resetModel() {
  teardown();
  emit({ type: "reset", state: "idle", loaded: 0 });
}

// Embed texts in the worker: resolves to an array of Float32Array (unit length).
export async function embed(texts) {
  await loadModel();
  const id = nextId++;
  const { vectors, dims } = await new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ type: "embed", id, texts });
  });
  const out = [];
  for (let i = 0; i < texts.length; i++) out.push(vectors.subarray(i * dims, (i + 1) * dims));
  return out;
}

// --- corpora ---------------------------------------------------------------------------

const corpora = new Map();
export function loadCorpus(name) {
  if (!corpora.has(name)) {
    const promise = (async () => {
      const config = await runtimeConfig();
      if (!config.corpora[name]) throw new RuntimeFailure("corpus", `This site has no corpus called “${name}”.`);
      const manifestUrl = new URL(config.corpora[name], siteRoot);
      const r = await fetch(manifestUrl);
      if (!r.ok) throw new RuntimeFailure("corpus", `The document collection “${name}” could not be downloaded (HTTP ${r.status}).`);
      const manifest = await r.json();
      const v = await fetch(new URL(manifest.vectors, manifestUrl));
      if (!v.ok) throw new RuntimeFailure("corpus", `The vectors for “${name}” could not be downloaded (HTTP ${v.status}).`);
      const vectors = new Float32Array(await v.arrayBuffer());
      if (vectors.length !== manifest.count * manifest.dims) {
        throw new RuntimeFailure("corpus", `The vectors for “${name}” are incomplete.`);
      }
      const rows = [];
      for (let i = 0; i < manifest.count; i++) rows.push(vectors.subarray(i * manifest.dims, (i + 1) * manifest.dims));
      return { ...manifest, rows };
    })();
    promise.catch(() => corpora.delete(name));
    corpora.set(name, promise);
  }
  return corpora.get(name);
}

// --- vector maths ----------------------------------------------------------------------

export function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// Cosine similarity; the model's vectors are unit length, but do not rely on it.
export function cosine(a, b) {
  const d = Math.sqrt(dot(a, a) * dot(b, b));
  return d ? dot(a, b) / d : 0;
}
