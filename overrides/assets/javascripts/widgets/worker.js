// The page's one model worker: loads Transformers.js, the WASM and the model from the
// site's own origin, then turns texts into unit-length 384-d vectors on request.
// Messages in:  {type: "init", config} | {type: "embed", id, texts}
// Messages out: {type: "progress", loaded, total} | {type: "ready", ms, networkBytes}
//               {type: "result", id, vectors, dims} | {type: "error", id?, kind, message}
//
// Every file it downloads (library, WASM, model) is named in runtime.json with a
// content-hashed URL, its size and sha256; download.js verifies, counts and caches each.
// Transformers.js asks for model files by their usual names (<model>/config.json, ...);
// siteFetch answers those with the hashed file runtime.json names. Its own caches are off.

import { Downloader, DownloadFailure, FORMAT, purge } from "./download.js";

let extractor = null;
let failure = null; // the first thing that went wrong while fetching, to explain the error
let wasmUrls = []; // Blob URLs handed to ONNX Runtime, revoked once it has loaded them

function post(message, transfer) {
  self.postMessage(message, transfer || []);
}

// A fetch for Transformers.js that only talks to the site's origin and serves every file it
// knows (by hashed URL or by the model-relative name Transformers.js uses) verified.
function makeFetch(downloader, aliases) {
  return async function siteFetch(input, init) {
    const url = new URL(typeof input === "string" ? input : input.url, self.location.href);
    if (url.origin !== self.location.origin) {
      failure = failure || { kind: "offsite", message: `refused to fetch ${url.href}: not this site` };
      throw new Error(failure.message);
    }
    const name = aliases[url.href] || downloader.nameOf(url.href);
    if (!name) return fetch(url.href, { ...init, signal: AbortSignal.timeout(downloader.idleMs) });
    try {
      return await downloader.response(name);
    } catch (err) {
      if (err instanceof DownloadFailure) failure = failure || { kind: err.kind, message: err.message };
      throw err;
    }
  };
}

function wasmSupported() {
  try {
    if (typeof WebAssembly !== "object") return false;
    // The smallest module using a SIMD instruction: ONNX Runtime Web needs SIMD.
    const simd = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
    return WebAssembly.validate(simd);
  } catch {
    return false;
  }
}

// A checked, counted, cached file as a same-origin Blob URL of the given type, so what is
// imported or compiled is exactly the bytes that were verified.
async function blobUrl(downloader, name, type) {
  const response = await downloader.response(name);
  return URL.createObjectURL(new Blob([await response.blob()], { type }));
}

async function init(config) {
  const started = performance.now();
  failure = null;
  if (config.format !== FORMAT) {
    post({ type: "error", kind: "config", message: "This page's scripts are from different versions of the site: reload the page." });
    return;
  }
  if (!wasmSupported()) {
    post({ type: "error", kind: "wasm", message: "This browser cannot run WebAssembly with SIMD, which the model needs." });
    return;
  }
  const downloader = new Downloader({
    files: config.files,
    siteRoot: config.siteRoot,
    idleMs: config.idleMs,
    what: "model file",
    onProgress: (loaded) => post({ type: "progress", loaded: Math.min(loaded, config.totalBytes), total: config.totalBytes }),
  });
  try {
    await purge(config.siteRoot, config.manifest); // files of older builds: never used again
    downloader.onProgress(0);
    const library = await blobUrl(downloader, config.library, "text/javascript");
    let pipeline, env;
    try {
      ({ pipeline, env } = await import(library));
    } finally {
      URL.revokeObjectURL(library);
    }
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    // A path, not a full URL: Transformers.js only looks for "local" files at non-URL paths.
    env.localModelPath = new URL(config.modelRoot).pathname;
    env.useBrowserCache = false; // download.js keeps verified copies; a second cache would double them
    env.fetch = makeFetch(downloader, config.aliases);
    // ONNX Runtime gets both files as Blob URLs of checked bytes.
    wasmUrls = await Promise.all([
      blobUrl(downloader, config.wasm.mjs, "text/javascript"),
      blobUrl(downloader, config.wasm.wasm, "application/wasm"),
    ]);
    env.backends.onnx.wasm.wasmPaths = { mjs: wasmUrls[0], wasm: wasmUrls[1] };
    env.backends.onnx.wasm.numThreads = 1; // no cross-origin isolation on a static host
    extractor = await pipeline("feature-extraction", config.modelId, { dtype: config.dtype, device: "wasm" });
    downloader.onProgress(downloader.loaded());
    post({ type: "ready", ms: performance.now() - started, networkBytes: downloader.networkBytes });
  } catch (err) {
    extractor = null;
    const known = failure || (err instanceof DownloadFailure ? err : classify(err));
    post({ type: "error", kind: known.kind, message: known.message, detail: String((err && err.message) || err) });
  } finally {
    for (const url of wasmUrls) URL.revokeObjectURL(url);
    wasmUrls = [];
  }
}

function classify(err) {
  const text = String((err && err.message) || err);
  if (/not found|404|ModelFileNotFound/i.test(text)) {
    return { kind: "missing", message: "A model file is missing from this site." };
  }
  if (/wasm|WebAssembly|backend/i.test(text)) {
    return { kind: "wasm", message: "The WebAssembly runtime could not start in this browser." };
  }
  return { kind: "crash", message: "The model could not be loaded." };
}

async function embed(id, texts) {
  if (!extractor) {
    post({ type: "error", id, kind: "crash", message: "The model is not loaded." });
    return;
  }
  try {
    const output = await extractor(texts, { pooling: "mean", normalize: true });
    const vectors = new Float32Array(output.data);
    post({ type: "result", id, vectors, dims: output.dims[output.dims.length - 1] }, [vectors.buffer]);
  } catch (err) {
    post({ type: "error", id, kind: "crash", message: "The model failed on this text.", detail: String(err) });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") init(msg.config);
  else if (msg.type === "embed") embed(msg.id, msg.texts);
};
