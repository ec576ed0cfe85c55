// Download a file the site lists with its size and sha256, check it, and keep it in Cache
// Storage: the same cache and the same "verified" mark as the embedding worker (worker.js),
// so a copy is only ever reused when it passed its checksum, and a second visit downloads
// nothing. Used from the page (generation.js), where wllama wants a Blob.

export const CACHE_NAME = "fromscratch-runtime-v1";
export const VERIFIED = "x-fromscratch-sha256";

export class FetchFailure extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // "missing" | "corrupt" | "offsite" | "network"
  }
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function openCache() {
  if (typeof caches === "undefined") return null;
  return caches.open(CACHE_NAME).catch(() => null); // storage disabled: work uncached
}

// Read the body into one buffer of the published size, reporting bytes as they arrive.
async function readExactly(response, size, onBytes, signal) {
  const body = new Uint8Array(size);
  const reader = response.body.getReader();
  let received = 0;
  for (;;) {
    if (signal && signal.aborted) {
      await reader.cancel();
      throw new DOMException("aborted", "AbortError");
    }
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > size) {
      await reader.cancel();
      return null;
    }
    body.set(value, received);
    received += value.length;
    onBytes(received);
  }
  return received === size ? body : null;
}

// -> {blob, network: bytes downloaded (0 when the verified copy came from Cache Storage)}
export async function verifiedBlob(url, { sha256, bytes, name }, onBytes = () => {}, type = "application/octet-stream") {
  const href = new URL(url, location.href);
  if (href.origin !== location.origin) throw new FetchFailure("offsite", `refused to fetch ${href.href}: not this site`);
  const cache = await openCache();
  if (cache) {
    const hit = await cache.match(href.href).catch(() => undefined);
    if (hit && hit.headers.get(VERIFIED) === sha256) {
      const blob = await hit.blob();
      if (blob.size === bytes) {
        onBytes(bytes);
        return { blob: blob.type === type ? blob : blob.slice(0, blob.size, type), network: 0 };
      }
    }
    if (hit) await cache.delete(href.href).catch(() => false); // unverified, older or cut short
  }
  let response;
  try {
    response = await fetch(href.href);
  } catch (err) {
    throw new FetchFailure("network", `${name} could not be downloaded: the connection failed.`);
  }
  if (!response.ok) throw new FetchFailure("missing", `${name} is missing from this site (HTTP ${response.status}).`);
  const body = await readExactly(response, bytes, onBytes);
  const digest = body && hex(await crypto.subtle.digest("SHA-256", body));
  if (digest !== sha256) throw new FetchFailure("corrupt", `${name} is damaged: its size or checksum does not match.`);
  const headers = { "content-type": type, "content-length": String(bytes), [VERIFIED]: digest };
  if (cache) {
    try {
      await cache.put(href.href, new Response(body, { headers }));
      // Hand back the stored copy (a disk-backed Blob) so the buffer can be freed.
      const stored = await cache.match(href.href);
      if (stored) return { blob: await stored.blob(), network: bytes };
    } catch {
      // quota exceeded or private mode: keep the copy in memory only
    }
  }
  return { blob: new Blob([body], { type }), network: bytes };
}
