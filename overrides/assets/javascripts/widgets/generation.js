// The page's language model: SmolLM2 (a GGUF file) run by wllama, llama.cpp compiled to
// WebAssembly, in wllama's own worker. Every generating widget uses this one module, so a
// page holds at most one copy of the model in memory.
//
// Nothing is fetched until a widget calls load() (the reader pressed the load button).
// The files are the "generation" section of runtime.json, each at a content-hashed URL, and
// the model, the WASM and the tokenizer come through download.js's Downloader, like every
// runtime file: counted for the progress bar, checked against their sha256 and kept in Cache
// Storage, so a second visit downloads no model bytes (the embedding worker's purge keeps them:
// they are listed). wllama gets the model as a Blob (loadModel([blob])) and the WASM as a blob:
// URL its worker fetches (the page's CSP allows blob: in connect-src for that); its CDN
// fallbacks are switched off: nothing leaves the site's origin.

import { Downloader, DownloadFailure, resolveFiles } from "./download.js";
import { RuntimeFailure, runtimeConfig, siteRoot } from "./runtime.js";

export class GenerationFailure extends Error {
  constructor(kind, message, detail) {
    super(message);
    this.kind = kind; // config | missing | corrupt | network | wasm | memory | crash
    this.detail = detail;
  }
}

// SmolLM2's chat format (ChatML), written out so the page can show exactly what the model
// reads. The default system line is the one the GGUF's own chat template adds.
export const DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";
export function chatPrompt(user, system = DEFAULT_SYSTEM) {
  return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`;
}

const MIN_MEMORY_GB = 2; // below this (navigator.deviceMemory) the tab is likely to be killed

// runtime.json's "generation" section and the whole manifest; a site without a language
// model has an empty section.
async function generationConfig() {
  const manifest = await runtimeConfig();
  const section = manifest.generation;
  if (!section || !section.model) {
    throw new GenerationFailure("config", "This site does not serve a language model (runtime.json has no generation section).");
  }
  return { manifest, section };
}

// The model file's size, for the load button ("Load the language model (98 MB)"); the
// progress bar then counts the runtime's 10 MB too.
export async function modelSize() {
  const { manifest, section } = await generationConfig();
  return manifest.files[section.model.model_file].bytes;
}

// What this browser lacks to run wllama, in plain words; null when nothing is missing.
export function missingFeature() {
  if (typeof WebAssembly !== "object") return "This browser cannot run WebAssembly, which the language model needs.";
  try {
    // wllama v3's fast build needs 64-bit memory and JavaScript-promise integration (JSPI);
    // without them it would fetch a slower build from a CDN, which this site never does.
    new WebAssembly.Memory({ initial: 1n, maximum: 1n, address: "i64" }); // eslint-disable-line no-new
  } catch {
    return "This browser's WebAssembly lacks 64-bit memory, which this language-model runtime needs (current Chrome and Edge have it).";
  }
  if (typeof WebAssembly.Suspending !== "function") {
    return "This browser's WebAssembly lacks promise integration (JSPI), which this language-model runtime needs (current Chrome and Edge have it).";
  }
  return null;
}

export function lowMemory() {
  const gb = navigator.deviceMemory;
  return typeof gb === "number" && gb < MIN_MEMORY_GB ? gb : 0;
}

// Threads need SharedArrayBuffer, which browsers only give cross-origin-isolated pages.
export function threadCount() {
  if (!self.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

function classify(err) {
  if (err instanceof GenerationFailure) return err;
  if (err instanceof DownloadFailure || err instanceof RuntimeFailure) {
    const kind = err.kind === "stalled" ? "network" : err.kind;
    return new GenerationFailure(kind, err.message, err.detail);
  }
  const text = String((err && (err.message || err)) || "");
  if (/memory|alloc|OOM|out of bounds|RangeError/i.test(text)) {
    return new GenerationFailure("memory", "The device ran out of memory while loading the language model. Close other tabs and try again, or read the example answers instead.", text);
  }
  if (/gguf|magic|model/i.test(text) && /load|read|invalid|fail/i.test(text)) {
    return new GenerationFailure("corrupt", "The language model file could not be read.", text);
  }
  if (/WebAssembly|wasm|CompileError|LinkError|SIMD/i.test(text)) {
    return new GenerationFailure("wasm", "The WebAssembly runtime could not start in this browser.", text);
  }
  return new GenerationFailure("crash", "The language model stopped unexpectedly.", text);
}

const state = { wllama: null, ready: null, info: null, tokenizer: null };

// How many tokens the model will read for `text` (null when the tokenizer is unavailable).
export function countTokens(text) {
  if (!state.tokenizer) return null;
  return state.tokenizer.encode(text, { add_special_tokens: false }).ids.length;
}

// The model's tokenizer alone (tokenizers.js and tokenizer.json, about 2 MB, verified and
// cached like every runtime file), for widgets that count a prompt's tokens before the reader
// chooses to download the model: <rag-qa> fits its passages to a token budget. Resolves to a
// count(text) function. load() keeps using its own copy; both read the same cached files.
let tokenizerReady = null;
export function loadTokenizer() {
  if (state.tokenizer) return Promise.resolve(countTokens);
  if (!tokenizerReady) {
    tokenizerReady = (async () => {
      const { manifest, section } = await generationConfig();
      if (!section.tokenizer) throw new GenerationFailure("config", "This site serves no tokenizer for its language model.");
      const names = [section.tokenizer.library, section.tokenizer.file];
      const files = resolveFiles(manifest, siteRoot, names);
      const downloader = new Downloader({ files, siteRoot, idleMs: manifest.idle_timeout_ms || undefined, what: "tokenizer file" });
      const vocab = JSON.parse(await (await downloader.response(names[1])).text());
      let lib;
      try {
        lib = await import(files[names[0]].href); // its content-hashed URL, as load() imports it
      } catch (err) {
        throw new GenerationFailure("missing", "The tokenizer library could not be loaded from this site.", String(err));
      }
      const tokenizer = new lib.Tokenizer(vocab, section.tokenizer.config);
      if (!state.tokenizer) state.tokenizer = tokenizer;
      return (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
    })().catch((err) => {
      tokenizerReady = null;
      throw classify(err);
    });
  }
  return tokenizerReady;
}

// Load once per page. onProgress({loaded, total}) counts every byte: library, WASM, model.
// force: go ahead on a device that reports little memory (the reader chose to try).
// threads: override the thread count (benchmarks compare 1 and 2 in an isolated page).
export function load({ onProgress = () => {}, force = false, threads: wanted = 0 } = {}) {
  if (state.ready) return state.ready;
  state.ready = (async () => {
    const started = performance.now();
    const missing = missingFeature();
    if (missing) throw new GenerationFailure("wasm", missing);
    const gb = lowMemory();
    if (gb && !force) {
      throw new GenerationFailure("memory", `This device reports about ${gb} GB of memory; the language model needs roughly 300 MB more and may crash the tab. You can try anyway, or read the example answers instead.`);
    }
    const { manifest, section } = await generationConfig();
    const names = {
      library: section.library,
      wasm: section.wasm,
      model: section.model.model_file,
      tokenizers: section.tokenizer && section.tokenizer.library,
      tokenizer: section.tokenizer && section.tokenizer.file,
    };
    const files = resolveFiles(manifest, siteRoot, Object.values(names).filter(Boolean));
    const total = Object.values(files).reduce((a, f) => a + f.bytes, 0);
    const downloader = new Downloader({
      files,
      siteRoot,
      idleMs: manifest.idle_timeout_ms || undefined,
      what: "language-model file",
      onProgress: (loaded) => onProgress({ loaded: Math.min(loaded, total), total }),
    });
    onProgress({ loaded: 0, total });
    const blob = async (name, type) => {
      const b = await (await downloader.response(name)).blob();
      return b.type === type ? b : b.slice(0, b.size, type);
    };
    // The library is imported from its own content-hashed URL (a page CSP with script-src
    // 'self' allows that, a blob: URL it would not); the WASM, the model and the tokenizer
    // go through the verified cache.
    const [wasmBlob, modelBlob, vocab] = await Promise.all([
      blob(names.wasm, "application/wasm"),
      blob(names.model, "application/octet-stream"),
      names.tokenizer ? blob(names.tokenizer, "application/json") : null,
    ]);
    let module;
    try {
      module = await import(files[names.library].href);
    } catch (err) {
      throw new GenerationFailure("missing", "The language-model runtime (wllama.js) could not be loaded from this site.", String(err));
    }
    downloader.count(names.library, files[names.library].bytes);
    // The tokenizer counts a prompt's tokens before the model starts reading it.
    let tokenizer = null;
    if (vocab && names.tokenizers) {
      try {
        const lib = await import(files[names.tokenizers].href);
        tokenizer = new lib.Tokenizer(JSON.parse(await vocab.text()), section.tokenizer.config);
      } catch (err) {
        console.warn("text generation: no token count before reading", err); // the model still works
      }
      downloader.count(names.tokenizers, files[names.tokenizers].bytes);
    }
    const wasmUrl = URL.createObjectURL(wasmBlob);
    const threads = wanted > 0 ? Math.min(wanted, threadCount()) : threadCount();
    const wllama = new module.Wllama({ default: wasmUrl }, { suppressNativeLog: true, allowOffline: true });
    wllama.setCompat(null); // never the CDN compat build
    try {
      await wllama.loadModel([modelBlob], { n_ctx: section.model.n_ctx, n_threads: threads, n_gpu_layers: 0 });
    } catch (err) {
      try { await wllama.exit(); } catch { /* already gone */ }
      throw err;
    } finally {
      URL.revokeObjectURL(wasmUrl);
    }
    state.wllama = wllama;
    state.tokenizer = tokenizer;
    state.info = {
      ms: performance.now() - started,
      networkBytes: downloader.networkBytes,
      threads,
      isolated: !!self.crossOriginIsolated,
      modelBytes: files[names.model].bytes,
    };
    return state.info;
  })().catch((err) => {
    state.ready = null;
    state.wllama = null;
    throw classify(err);
  });
  return state.ready;
}

export function loaded() {
  return state.info;
}

// Forget a failed or loaded model (retry, or free the memory).
export async function unload() {
  const w = state.wllama;
  state.wllama = null;
  state.ready = null;
  state.info = null;
  if (w) await w.exit().catch(() => {});
}

// Generate from a raw prompt (use chatPrompt() for a chat turn). Calls
//   onPhase({phase: "reading", tokens, processed}) while the prompt is read,
//   onToken(text) for each piece of the answer as it comes.
// Resolves to figures about the run; a Stop (signal aborted) resolves with stopped: true.
export async function generate({ prompt, maxTokens = 128, temperature = 0, signal, onPhase = () => {}, onToken = () => {} }) {
  await load();
  const wllama = state.wllama;
  const started = performance.now();
  let firstToken = 0;
  let tokens = 0;
  let text = "";
  let timings = null;
  let promptTokens = 0;
  let stopped = false;
  const params = {
    prompt,
    max_tokens: maxTokens,
    temperature,
    stream: true,
    return_progress: true,
    cache_prompt: false,
    abortSignal: signal,
  };
  if (temperature <= 0) params.top_k = 1; // greedy: always the most likely token
  const counted = countTokens(prompt);
  if (counted !== null) {
    promptTokens = counted;
    onPhase({ phase: "reading", tokens: counted, processed: 0 });
  }
  try {
    const stream = await wllama.createCompletion(params);
    for await (const chunk of stream) {
      if (chunk.prompt_progress && counted === null && !firstToken) {
        promptTokens = chunk.prompt_progress.total; // wllama sends it with the first token
        onPhase({ phase: "reading", tokens: promptTokens, processed: chunk.prompt_progress.processed });
      }
      if (chunk.timings) timings = chunk.timings;
      const piece = (chunk.choices && chunk.choices[0] && chunk.choices[0].text) || chunk.content || "";
      if (piece) {
        if (!firstToken) {
          firstToken = performance.now();
          onPhase({ phase: "generating", tokens: promptTokens });
        }
        tokens += 1;
        text += piece;
        onToken(piece);
      }
      if (signal && signal.aborted) break;
    }
  } catch (err) {
    if (!(signal && signal.aborted) && !(err && err.name === "WllamaAbortError")) throw classify(err);
  }
  if (signal && signal.aborted) stopped = true;
  const ended = performance.now();
  const generated = timings && timings.predicted_n ? timings.predicted_n : tokens;
  return {
    text,
    stopped,
    promptTokens: (timings && timings.prompt_n) || promptTokens,
    tokens: generated,
    ttftMs: firstToken ? firstToken - started : null,
    totalMs: ended - started,
    promptPerSecond: timings && timings.prompt_per_second ? timings.prompt_per_second : null,
    tokensPerSecond: timings && timings.predicted_per_second
      ? timings.predicted_per_second
      : firstToken && tokens > 1 ? ((tokens - 1) * 1000) / (ended - firstToken) : null,
    threads: state.info ? state.info.threads : 1,
  };
}

// The loaded wllama instance, for benchmarks that call it directly (null before load()).
export function engine() {
  return state.wllama;
}
