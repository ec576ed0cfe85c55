// Verified, counted, cached downloads of the files runtime.json lists: one module for the
// page and for every worker (the embedding worker, a generation worker, ...). It imports
// nothing, so any module worker can `import { Downloader } from ".../download.js"`.
//
// runtime.json is the one file at a fixed URL (fetched with cache: "no-cache"); every other
// file has its sha256 in its URL, so no cached copy of an older build can be mixed in.
// Each file is checked against its sha256 and size when it arrives and only then stored in
// Cache Storage. Code (JavaScript, WebAssembly) taken from Cache Storage is hashed again
// before use, since anything running on this origin could have rewritten it; data files
// are trusted by their checksum mark. Every download has an idle timeout: a connection that
// stops sending ends in a "stalled" failure the widget can retry, not a bar that never moves.

export const FORMAT = 2; // the runtime.json layout this code reads
export const IDLE_MS = 30_000; // no byte for this long: give up on a download
const VERIFIED = "x-fromscratch-sha256"; // header on a cached copy: the checksum it passed
const LEGACY_CACHES = ["fromscratch-runtime-v1"]; // fixed-URL entries of older builds

export class DownloadFailure extends Error {
  constructor(kind, message, detail) {
    super(message);
    this.kind = kind;
    this.detail = detail;
  }
}

// One Cache Storage cache per site, so two sites on one origin (user.github.io/a/ and /b/)
// never purge each other's files.
export function cacheNameFor(siteRoot) {
  return `fromscratch-runtime:${new URL(siteRoot).pathname}`;
}

// runtime.json, revalidated on every page load; refuses a layout this code does not know.
export async function fetchManifest(siteRoot, { idleMs = IDLE_MS } = {}) {
  const url = new URL("assets/runtime/runtime.json", siteRoot);
  let response;
  try {
    response = await fetch(url, { cache: "no-cache", signal: AbortSignal.timeout(idleMs) });
  } catch (err) {
    throw new DownloadFailure("config", "The widget settings file could not be downloaded.", String(err));
  }
  if (!response.ok) throw new DownloadFailure("config", "The widget settings file is missing from this site.");
  const manifest = await response.json();
  if (manifest.format !== FORMAT) {
    throw new DownloadFailure("config", "This page's scripts and the site's files are from different versions: reload the page.");
  }
  return manifest;
}

// name -> {href, sha256, bytes, code, label} for the named files (all of them by default).
export function resolveFiles(manifest, siteRoot, names = Object.keys(manifest.files)) {
  const files = {};
  for (const name of names) {
    const info = manifest.files[name];
    if (!info) throw new DownloadFailure("config", `The widget settings do not list the file ${name}.`);
    files[name] = { ...info, href: new URL(info.url, siteRoot).href, label: name.split("/").pop() };
  }
  return files;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function openCache(name) {
  if (typeof caches === "undefined") return null;
  try {
    return await caches.open(name);
  } catch {
    return null; // storage disabled (private mode, quota): work uncached
  }
}

// Delete every entry of this site's cache whose URL the current runtime.json does not list,
// and this site's entries in the caches older builds used.
export async function purge(siteRoot, manifest) {
  if (typeof caches === "undefined") return 0;
  const keep = new Set(Object.values(resolveFiles(manifest, siteRoot)).map((f) => f.href));
  const root = new URL(siteRoot).href;
  let removed = 0;
  try {
    const cache = await caches.open(cacheNameFor(siteRoot));
    for (const request of await cache.keys()) {
      if (!keep.has(request.url) && (await cache.delete(request))) removed += 1;
    }
    for (const legacy of LEGACY_CACHES) {
      if (!(await caches.has(legacy))) continue;
      const old = await caches.open(legacy);
      for (const request of await old.keys()) {
        if (request.url.startsWith(root) && (await old.delete(request))) removed += 1;
      }
      if ((await old.keys()).length === 0) await caches.delete(legacy);
    }
  } catch {
    // storage unavailable: nothing to purge
  }
  return removed;
}

export class Downloader {
  // files: name -> {href, sha256, bytes, code, label}; onProgress(loadedBytes) after every chunk.
  constructor({ files, siteRoot, idleMs = IDLE_MS, onProgress = () => {}, what = "file" }) {
    this.files = files;
    this.idleMs = idleMs;
    this.onProgress = onProgress;
    this.what = what;
    this.byHref = new Map(Object.entries(files).map(([name, f]) => [f.href, name]));
    this.loadedBytes = new Map(); // name -> bytes so far
    this.networkBytes = 0;
    this.cache = openCache(cacheNameFor(siteRoot));
  }

  totalBytes() {
    return Object.values(this.files).reduce((a, f) => a + f.bytes, 0);
  }

  loaded() {
    let n = 0;
    for (const v of this.loadedBytes.values()) n += v;
    return n;
  }

  count(name, n) {
    this.loadedBytes.set(name, n);
    this.onProgress(this.loaded());
  }

  // The name runtime.json gives a URL, or undefined.
  nameOf(href) {
    return this.byHref.get(href);
  }

  // A verified Response for a listed file: from Cache Storage or the network.
  async response(name) {
    const info = this.files[name];
    if (!info) throw new DownloadFailure("config", `The widget settings do not list the file ${name}.`);
    const cache = await this.cache;
    const hit = cache && (await cache.match(info.href).catch(() => undefined));
    if (hit) {
      const usable = await this.checkCached(hit, info);
      if (usable) {
        this.count(name, info.bytes);
        return usable;
      }
      await cache.delete(info.href).catch(() => false);
    }
    const body = await this.download(name, info);
    const headers = {
      "content-type": contentType(info.href),
      "content-length": String(body.length),
      [VERIFIED]: info.sha256,
    };
    if (cache) {
      try {
        await cache.put(info.href, new Response(body, { headers }));
        const stored = await cache.match(info.href); // hand over the stored copy: the buffer can go
        if (stored) return stored;
      } catch {
        // quota or private mode: serve from memory
      }
    }
    return new Response(body, { status: 200, headers });
  }

  async bytes(name) {
    return new Uint8Array(await (await this.response(name)).arrayBuffer());
  }

  // A cached copy is used only if it carries the checksum it passed; code is hashed again.
  async checkCached(hit, info) {
    if (hit.headers.get(VERIFIED) !== info.sha256) return null;
    if (!info.code) return hit;
    const body = new Uint8Array(await hit.arrayBuffer());
    if (body.length !== info.bytes || (await sha256(body)) !== info.sha256) return null;
    return new Response(body, { status: 200, headers: hit.headers });
  }

  // Download and verify; a file that fails its checksum is fetched once more past the HTTP
  // cache, so a damaged copy held there cannot make every retry fail.
  async download(name, info) {
    try {
      return await this.downloadOnce(name, info, "default");
    } catch (err) {
      if (err.kind !== "corrupt") throw err;
      return this.downloadOnce(name, info, "reload");
    }
  }

  async downloadOnce(name, info, cacheMode) {
    const controller = new AbortController();
    let timer = 0;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), this.idleMs);
    };
    const stalled = () =>
      new DownloadFailure(
        "stalled",
        `The download of the ${this.what} ${info.label} stopped: nothing arrived for ${Math.round(this.idleMs / 1000)} seconds.`,
      );
    arm();
    try {
      let response;
      try {
        response = await fetch(info.href, { cache: cacheMode, signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted) throw stalled();
        throw new DownloadFailure("network", `The ${this.what} ${info.label} could not be downloaded.`, String(err));
      }
      if (!response.ok) {
        throw new DownloadFailure("missing", `The ${this.what} ${info.label} could not be downloaded (HTTP ${response.status}).`);
      }
      // One buffer of the published size, counted as it fills; no chunk list, no second copy.
      const body = new Uint8Array(info.bytes);
      const reader = response.body.getReader();
      let received = 0;
      let whole = true;
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (controller.signal.aborted) throw stalled();
          throw new DownloadFailure("network", `The download of the ${this.what} ${info.label} was interrupted.`, String(err));
        }
        arm();
        if (chunk.done) break;
        if (received + chunk.value.length > info.bytes) {
          whole = false;
          await reader.cancel().catch(() => {});
          break;
        }
        body.set(chunk.value, received);
        received += chunk.value.length;
        this.count(name, received);
      }
      if (!whole || received !== info.bytes || (await sha256(body)) !== info.sha256) {
        this.loadedBytes.delete(name);
        throw new DownloadFailure("corrupt", `The ${this.what} ${info.label} is damaged: its checksum does not match.`);
      }
      this.networkBytes += body.length;
      return body;
    } finally {
      clearTimeout(timer);
    }
  }
}

function contentType(href) {
  if (/\.m?js$/.test(href)) return "text/javascript";
  if (href.endsWith(".wasm")) return "application/wasm";
  if (href.endsWith(".json")) return "application/json";
  return "application/octet-stream";
}
