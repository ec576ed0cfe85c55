// The page's one model worker: loads Transformers.js, the WASM and the model from the
// site's own origin, then turns texts into unit-length 384-d vectors on request.
// Messages in:  {type: "init", config} | {type: "embed", id, texts}
// Messages out: {type: "progress", loaded, total} | {type: "ready", ms, networkBytes}
//               {type: "result", id, vectors, dims} | {type: "error", id?, kind, message}
//
// Every file it downloads (library, WASM, model) is listed in runtime.json with its size and
// sha256. Each is checked once, when it arrives, and only then stored in Cache Storage, marked
// with the checksum it passed; a cached copy without that mark (or with another checksum) is
// never used. Transformers.js' own caches are off, so no file is copied into a second cache.

const CACHE_NAME = "fromscratch-runtime-v1";
const VERIFIED = "x-fromscratch-sha256"; // header on a cached copy: the checksum it passed

let extractor = null;
let failure = null; // the first thing that went wrong while fetching, to explain the error
let bytes = new Map(); // url -> bytes loaded so far (from the network or Cache Storage)
let networkBytes = 0;
let total = 0;
let wasmUrls = []; // Blob URLs handed to ONNX Runtime, revoked once it has loaded them

function post(message, transfer) {
  self.postMessage(message, transfer || []);
}

function reportProgress() {
  let loaded = 0;
  for (const n of bytes.values()) loaded += n;
  post({ type: "progress", loaded: Math.min(loaded, total), total });
}

function counted(url, n) {
  bytes.set(url, n);
  reportProgress();
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

function openCache() {
  if (typeof caches === "undefined") return Promise.resolve(null);
  return caches.open(CACHE_NAME).catch(() => null); // e.g. storage disabled: work uncached
}

// Read a response into one buffer of the published size, counting bytes as they come.
// No chunk list and no second copy; null when the body is not exactly that size.
async function readExactly(response, url, size) {
  const body = new Uint8Array(size);
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > size) {
      await reader.cancel();
      return null;
    }
    body.set(value, received);
    received += value.length;
    counted(url, received);
  }
  return received === size ? body : null;
}

// A fetch that only talks to the site's origin, counts bytes for the progress bar and
// checks each listed file's sha256 before Transformers.js ever sees it.
function makeFetch(config) {
  const expected = new Map(Object.entries(config.files));
  const cachePromise = openCache();
  return async function siteFetch(input, init) {
    const url = new URL(typeof input === "string" ? input : input.url, self.location.href);
    if (url.origin !== self.location.origin) {
      failure = failure || { kind: "offsite", message: `refused to fetch ${url.href}: not this site` };
      throw new Error(failure.message);
    }
    const known = expected.get(url.href);
    if (!known) return fetch(url.href, init);
    const cache = await cachePromise;
    if (cache) {
      const hit = await cache.match(url.href).catch(() => undefined);
      if (hit && hit.headers.get(VERIFIED) === known.sha256) {
        counted(url.href, known.bytes);
        return hit;
      }
      if (hit) await cache.delete(url.href).catch(() => false); // not verified, or an older file
    }
    const response = await fetch(url.href, init);
    if (!response.ok) {
      failure = failure || {
        kind: "missing",
        message: `The ${known.what} ${known.name} could not be downloaded (HTTP ${response.status}).`,
      };
      return response;
    }
    const body = await readExactly(response, url.href, known.bytes);
    const digest = body && hex(await crypto.subtle.digest("SHA-256", body));
    if (digest !== known.sha256) {
      bytes.delete(url.href);
      failure = failure || { kind: "corrupt", message: `The ${known.what} ${known.name} is damaged: its checksum does not match.` };
      throw new Error(failure.message);
    }
    networkBytes += body.length;
    const headers = {
      "content-type": response.headers.get("content-type") || "application/octet-stream",
      "content-length": String(body.length),
      [VERIFIED]: digest,
    };
    if (cache) {
      try {
        await cache.put(url.href, new Response(body, { headers }));
        // Hand over the stored copy so this buffer can be freed at once.
        const stored = await cache.match(url.href);
        if (stored) return stored;
      } catch {
        // quota or private mode: fall through and serve from memory
      }
    }
    return new Response(body, { status: 200, headers });
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

// A checked, counted, cached file as a same-origin Blob URL of the given type.
async function blobUrl(url, type, siteFetch) {
  const response = await siteFetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return URL.createObjectURL(new Blob([await response.blob()], { type }));
}

// The library goes through the same checked, counted, cached fetch as everything else,
// then is imported from a Blob URL made from those very bytes (same origin as this worker).
async function importLibrary(url, siteFetch) {
  const code = await blobUrl(url, "text/javascript", siteFetch);
  try {
    return await import(code);
  } finally {
    URL.revokeObjectURL(code);
  }
}

async function init(config) {
  const started = performance.now();
  failure = null;
  bytes = new Map();
  networkBytes = 0;
  total = config.totalBytes;
  if (!wasmSupported()) {
    post({ type: "error", kind: "wasm", message: "This browser cannot run WebAssembly with SIMD, which the model needs." });
    return;
  }
  try {
    reportProgress();
    const siteFetch = makeFetch(config);
    const { pipeline, env } = await importLibrary(config.library, siteFetch);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    // A path, not a full URL: Transformers.js only looks for "local" files at non-URL paths.
    env.localModelPath = new URL(config.modelRoot).pathname;
    env.useBrowserCache = false; // siteFetch keeps verified copies; a second cache would double them
    env.fetch = siteFetch;
    // ONNX Runtime gets both files as Blob URLs of checked bytes, so what it imports and
    // compiles (while streaming, with no ArrayBuffer copy held here) is what was verified.
    wasmUrls = await Promise.all([
      blobUrl(config.wasm.mjs, "text/javascript", siteFetch),
      blobUrl(config.wasm.wasm, "application/wasm", siteFetch),
    ]);
    env.backends.onnx.wasm.wasmPaths = { mjs: wasmUrls[0], wasm: wasmUrls[1] };
    env.backends.onnx.wasm.numThreads = 1; // no cross-origin isolation on a static host
    extractor = await pipeline("feature-extraction", config.modelId, { dtype: config.dtype, device: "wasm" });
    reportProgress();
    post({ type: "ready", ms: performance.now() - started, networkBytes });
  } catch (err) {
    extractor = null;
    const known = failure || classify(err);
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
