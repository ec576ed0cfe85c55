// The page's one model worker: loads Transformers.js, the WASM and the model from the
// site's own origin, then turns texts into unit-length 384-d vectors on request.
// Messages in:  {type: "init", config} | {type: "embed", id, texts}
// Messages out: {type: "progress", loaded, total} | {type: "ready", ms, fromCache}
//               {type: "result", id, vectors, dims} | {type: "error", id?, kind, message}

let extractor = null;
let failure = null; // the first thing that went wrong while fetching, to explain the error
let bytes = new Map(); // url -> bytes received from the network
let total = 0;

function post(message, transfer) {
  self.postMessage(message, transfer || []);
}

function reportProgress() {
  let loaded = 0;
  for (const n of bytes.values()) loaded += n;
  post({ type: "progress", loaded: Math.min(loaded, total), total });
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A fetch that only talks to the site's origin, counts bytes for the progress bar and
// checks each model file's sha256 before Transformers.js (and its cache) ever sees it.
function makeFetch(config) {
  const expected = new Map(
    Object.entries(config.files).map(([rel, info]) => [new URL(rel, config.modelUrl).href, { rel, ...info }]),
  );
  return async function siteFetch(input, init) {
    const url = new URL(typeof input === "string" ? input : input.url, self.location.href);
    if (url.origin !== self.location.origin) {
      failure = failure || { kind: "offsite", message: `refused to fetch ${url.href}: not this site` };
      throw new Error(failure.message);
    }
    const response = await fetch(url.href, init);
    const known = expected.get(url.href);
    if (!response.ok) {
      if (known && !failure) {
        failure = { kind: "missing", message: `The model file ${known.rel} could not be downloaded (HTTP ${response.status}).` };
      }
      return response;
    }
    const reader = response.body.getReader();
    const chunks = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      bytes.set(url.href, received);
      reportProgress();
    }
    const body = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    if (known) {
      const digest = hex(await crypto.subtle.digest("SHA-256", body));
      if (digest !== known.sha256) {
        failure = failure || {
          kind: "corrupt",
          message: `The model file ${known.rel} is damaged: its checksum does not match.`,
        };
        throw new Error(failure.message);
      }
    }
    const headers = new Headers(response.headers);
    headers.set("content-length", String(received));
    headers.delete("content-encoding");
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
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

async function init(config) {
  const started = performance.now();
  failure = null;
  bytes = new Map();
  total = config.totalBytes;
  if (!wasmSupported()) {
    post({ type: "error", kind: "wasm", message: "This browser cannot run WebAssembly with SIMD, which the model needs." });
    return;
  }
  try {
    reportProgress();
    const { pipeline, env } = await import(config.library);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    // A path, not a full URL: Transformers.js only looks for "local" files at non-URL paths.
    env.localModelPath = new URL(config.modelRoot).pathname;
    env.useBrowserCache = true;
    env.useWasmCache = true;
    env.fetch = makeFetch(config);
    env.backends.onnx.wasm.wasmPaths = { mjs: config.wasm.mjs, wasm: config.wasm.wasm };
    env.backends.onnx.wasm.numThreads = 1; // no cross-origin isolation on a static host
    extractor = await pipeline("feature-extraction", config.modelId, { dtype: config.dtype, device: "wasm" });
    const fetched = [...bytes.values()].reduce((a, b) => a + b, 0);
    post({ type: "progress", loaded: total, total });
    post({ type: "ready", ms: performance.now() - started, networkBytes: fetched });
  } catch (err) {
    extractor = null;
    const known = failure || classify(err);
    post({ type: "error", kind: known.kind, message: known.message, detail: String(err && err.message || err) });
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
