// Shared by every widget on a page: where the site lives, the one model worker, corpora.
// Nothing here fetches the library, the WASM or the model until a widget asks for it.
import { Downloader, FORMAT, fetchManifest, resolveFiles } from "./download.js";

// This file is served from <site>/assets/javascripts/widgets/runtime.js, so the site root is
// three folders up; this works under any deployment sub-path.
export const siteRoot = new URL("../../../", import.meta.url);

let configPromise = null;
// runtime.json: revalidated on each page load (cache: "no-cache"); every other file it lists
// has a content-hashed URL, so this page never mixes files of two builds.
export function runtimeConfig() {
  if (!configPromise) {
    configPromise = fetchManifest(siteRoot).catch((err) => {
      throw new RuntimeFailure(err.kind || "config", err.message || "The widget settings could not be loaded.", err.detail);
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
      const embedding = config.embedding;
      // Transformers.js asks for "<modelRoot><id>/<file>"; the worker answers with the hashed file.
      const modelRoot = new URL("assets/models/", siteRoot).href;
      const aliases = {};
      for (const [rel, name] of Object.entries(embedding.model.files)) {
        aliases[new URL(`${embedding.model.id}/${rel}`, modelRoot).href] = name;
      }
      // Every file the worker downloads, so the progress total is the whole download.
      const names = [embedding.library, embedding.wasm.mjs, embedding.wasm.wasm, ...Object.values(embedding.model.files)];
      const files = resolveFiles(config, siteRoot, names);
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
          format: FORMAT, // a worker.js of another version (HTTP cache) refuses to start
          siteRoot: siteRoot.href,
          manifest: config,
          idleMs: config.idle_timeout_ms,
          library: embedding.library,
          wasm: embedding.wasm,
          modelRoot,
          modelId: embedding.model.id,
          dtype: embedding.model.dtype,
          files,
          aliases,
          totalBytes,
        },
      });
    }).catch((error) => {
      // runtime.json missing or unreadable, or naming a file it does not list: fail, never hang.
      teardown();
      const failure = error instanceof RuntimeFailure ? error
        : new RuntimeFailure(error.kind || "config", error.kind ? error.message : "The widget settings could not be loaded.", String(error));
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
  configPromise = null; // and read runtime.json again: a retry may follow a new deploy
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
      const entry = config.corpora[name];
      if (!entry) throw new RuntimeFailure("corpus", `This site has no corpus called “${name}”.`);
      const downloader = new Downloader({
        files: resolveFiles(config, siteRoot, [entry.manifest, entry.vectors]),
        siteRoot,
        idleMs: config.idle_timeout_ms,
        what: "document file",
      });
      let manifest, vectors;
      try {
        manifest = JSON.parse(new TextDecoder().decode(await downloader.bytes(entry.manifest)));
        const model = config.embedding.model;
        const modelSha = config.files[model.files[model.onnx]].sha256; // the ONNX file the worker runs
        // Vectors made by another model would rank by nonsense without any error: refuse them.
        if (manifest.model_sha256 !== modelSha || entry.model_sha256 !== modelSha) {
          throw new RuntimeFailure(
            "mismatch",
            `The documents “${name}” were embedded with a different model than the one this page loads, so their ranking would be wrong.`,
            `corpus model ${manifest.model_sha256}, page model ${modelSha}`,
          );
        }
        const blob = await downloader.bytes(entry.vectors);
        vectors = manifest.dtype === "int8" ? fromInt8(blob, manifest)
          : new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
      } catch (err) {
        if (err instanceof RuntimeFailure) throw err;
        const kind = err.kind === "stalled" ? "stalled" : "corpus";
        throw new RuntimeFailure(kind, err.message || `The document collection “${name}” could not be loaded.`, err.detail);
      }
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

// A corpus stored as int8 with one scale per row (runtime/corpus.py to_int8): row i is
// int8[i] * scales[i]. Anything that does not add up gives a short array, which the length
// check below refuses.
function fromInt8(blob, manifest) {
  const q = new Int8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  const { dims, scales } = manifest;
  if (!Array.isArray(scales) || scales.length * dims !== q.length) return new Float32Array(0);
  const out = new Float32Array(q.length);
  for (let row = 0; row < scales.length; row++) {
    for (let i = row * dims, end = i + dims; i < end; i++) out[i] = q[i] * scales[row];
  }
  return out;
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
