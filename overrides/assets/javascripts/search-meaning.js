// "Search by meaning": a switch in Material's search dialog that blends Material's keyword
// results with a ranking by meaning over the site's own sections (the `site-sections` corpus,
// embedded at build time; plugins/fromscratch/search). Loaded on every page; it fetches nothing
// of the model until the reader turns the switch on, then uses the widgets' runtime (the same
// worker, the same cached download), so the query is embedded on this device and never sent.
//
// Off, or while the model loads: Material's results, untouched. On: Material still searches
// and renders; its result items (its order, its highlighting) are read from the list it
// rendered, fused with the semantic page ranking (search-meaning-rank.js) and put back in the
// blended order, with pages only the meaning found rendered the way Material renders results.
// Why read the rendered list rather than run lunr again: it is exactly what the reader was
// shown, and Material's query handling (prefixes, wildcards, boosts) stays Material's.

import { FUSION, fuse, pageOf, pagesBySection, queryTerms, rankSections } from "./search-meaning-rank.js";

const STORAGE_KEY = "fromscratch.search-by-meaning";
const CORPUS = "site-sections";
const SNIPPET_WORDS = 36;

const root = document.querySelector('[data-md-component="search"]');
const input = root && root.querySelector('[data-md-component="search-query"]');
const output = root && root.querySelector(".md-search__output");
const list = root && root.querySelector(".md-search-result__list");
const meta = root && root.querySelector(".md-search-result__meta");

const state = {
  on: false,
  runtime: null, // the widgets' runtime.js module, imported on first need
  corpus: null, // {items, rows} once loaded
  materialItems: [], // Material's <li> results in Material's order
  materialMeta: "",
  blendedFor: null, // the query the list currently shows blended, or null
  inputAt: 0, // when the reader last changed the query (performance.now())
};

function storedOn() {
  try {
    return localStorage.getItem(STORAGE_KEY) === "on";
  } catch {
    return false; // storage blocked: the switch still works for this page
  }
}

function store(on) {
  try {
    localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
  } catch {
    /* remembered for this page only */
  }
}

// --- the switch --------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const ui = {};

function buildSwitch() {
  ui.root = el("div", { class: "fs-search-meaning", "data-state": "idle" });
  ui.button = el("button", { type: "button", role: "switch", "aria-checked": "false", class: "fs-search-meaning__switch" },
    el("span", { class: "fs-search-meaning__track", "aria-hidden": "true" }, el("span", { class: "fs-search-meaning__thumb" })),
    el("span", { class: "fs-search-meaning__label" }, "Search by meaning"));
  ui.status = el("span", { class: "fs-search-meaning__status", "aria-live": "polite" });
  ui.progress = el("progress", { class: "fs-search-meaning__progress", max: "1", value: "0", "aria-label": "Model download" });
  ui.progress.hidden = true;
  ui.retry = el("button", { type: "button", class: "fs-search-meaning__retry" }, "Try again");
  ui.retry.hidden = true;
  ui.root.append(ui.button, ui.status, ui.progress, ui.retry);
  ui.button.setAttribute("aria-describedby", "fs-search-meaning-status");
  ui.status.id = "fs-search-meaning-status";
  output.prepend(ui.root);
  ui.button.addEventListener("click", () => setOn(!state.on));
  ui.retry.addEventListener("click", () => {
    state.runtime.resetModel();
    setOn(true);
  });
}

function setState(name, message) {
  ui.root.dataset.state = name;
  if (message !== undefined) ui.status.textContent = message;
}

function megabytes(bytes) {
  return `${Math.max(1, Math.round(bytes / 1e6))} MB`;
}

async function runtime() {
  if (!state.runtime) state.runtime = await import("./widgets/runtime.js");
  return state.runtime;
}

// What turning it on downloads (library, WebAssembly, model, the sections), from runtime.json.
async function downloadSize() {
  const rt = await runtime();
  const config = await rt.runtimeConfig();
  const e = config.embedding;
  const corpus = config.corpora[CORPUS];
  const names = [e.library, e.wasm.mjs, e.wasm.wasm, ...Object.values(e.model.files)];
  if (corpus) names.push(corpus.manifest, corpus.vectors);
  return names.reduce((sum, n) => sum + (config.files[n] ? config.files[n].bytes : 0), 0);
}

async function describeOff() {
  setState("idle", "Off: keyword results.");
  try {
    const config = await (await runtime()).runtimeConfig();
    if (!config.corpora[CORPUS]) {
      ui.root.hidden = true; // a site built with search.by_meaning off: nothing to switch on
      return;
    }
    const bytes = await downloadSize();
    if (!state.on) {
      setState("idle", `Off. On first use it downloads ${megabytes(bytes)} once; your query never leaves this device.`);
    }
  } catch {
    /* the size is a courtesy; turning it on reports any real problem */
  }
}

async function setOn(on) {
  state.on = on;
  store(on);
  ui.button.setAttribute("aria-checked", String(on));
  ui.retry.hidden = true;
  if (!on) {
    restoreMaterial();
    ui.progress.hidden = true;
    describeOff();
    return;
  }
  try {
    await load();
  } catch (error) {
    if (!state.on) return;
    ui.progress.hidden = true;
    ui.retry.hidden = false;
    setState("error", `Search by meaning is unavailable: ${error.message || error}. Keyword results are shown.`);
    return;
  }
  if (state.on) blendSoon();
}

let loading = null;
function load() {
  if (state.corpus && state.modelReady) return Promise.resolve();
  if (loading) return loading;
  loading = (async () => {
    const rt = await runtime();
    const total = await downloadSize().catch(() => 0);
    setState("loading", `Loading the model (${megabytes(total)}, once)…`);
    ui.progress.hidden = false;
    ui.progress.removeAttribute("value");
    const off = rt.onModelEvent((event) => {
      if (event.type === "progress" && event.total) {
        ui.progress.value = event.loaded / event.total;
        ui.status.textContent = `Loading the model: ${megabytes(event.loaded)} of ${megabytes(event.total)}…`;
      }
    });
    try {
      const [corpus] = await Promise.all([rt.loadCorpus(CORPUS), rt.loadModel()]);
      state.corpus = corpus;
      state.modelReady = true;
    } finally {
      off();
    }
    ui.progress.hidden = true;
    setState("ready", "On: results ranked by keywords and by meaning, on this device.");
  })();
  loading.catch(() => (loading = null));
  return loading;
}

// --- Material's results ------------------------------------------------------------------

const observer = new MutationObserver((records) => {
  // Every record here is Material's: ours are taken (and dropped) right after we make them.
  const added = [];
  for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches("li")) added.push(n);
  const kept = state.materialItems.filter((li) => li.parentNode === list);
  state.materialItems = kept.concat(added.filter((li) => !kept.includes(li) && !li.dataset.fsSemantic));
  if (records.some((r) => r.target === meta || meta.contains(r.target))) state.materialMeta = meta.textContent.trim();
  if (added.length) ui.root.dataset.materialMs = (performance.now() - state.inputAt).toFixed(1); // Material's own time
  state.blendedFor = null;
  if (state.on) blendSoon();
});

function quietly(change) {
  change();
  observer.takeRecords(); // our own changes: not Material's results
}

function restoreMaterial() {
  if (state.blendedFor === null) return;
  quietly(() => {
    list.replaceChildren(...state.materialItems);
    for (const li of state.materialItems) {
      const article = li.querySelector("article[data-fs-material-score]");
      if (article) article.setAttribute("data-md-score", article.dataset.fsMaterialScore);
    }
    meta.textContent = state.materialMeta;
  });
  state.blendedFor = null;
}

function siteRoot() {
  return state.runtime.siteRoot;
}

// A result link's page, relative to the site root, as the corpus writes locations.
function pageKey(href) {
  const url = new URL(href, document.baseURI);
  const base = siteRoot().pathname;
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
  return pageOf(path);
}

// One blend at a time: while the model embeds one query, keystrokes only mark the blend as
// stale, and it runs once more with the latest query and Material's latest results. Without
// this, every keystroke queued an embedding in the worker and the last one waited behind all.
let running = false;
let again = false;
function blendSoon() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  (async () => {
    try {
      do {
        again = false;
        await blend();
      } while (again);
    } finally {
      running = false;
    }
  })();
}

const vectors = new Map(); // query -> vector: Material re-renders the same query on scroll
async function queryVector(query) {
  if (!vectors.has(query)) {
    const [vector] = await state.runtime.embed([query]);
    vectors.set(query, vector);
    if (vectors.size > 50) vectors.delete(vectors.keys().next().value);
  }
  return vectors.get(query);
}

async function blend() {
  const query = input.value.trim();
  if (!state.on || !state.corpus || !state.modelReady || !query) return;
  setState("running");
  let vector;
  try {
    vector = await queryVector(query);
  } catch (error) {
    setState("error", `Search by meaning stopped: ${error.message || error}. Keyword results are shown.`);
    ui.retry.hidden = false;
    return;
  }
  if (!state.on || input.value.trim() !== query) return; // a newer query: `again` is set
  const { items, rows } = state.corpus;
  const semantic = pagesBySection(rankSections(rows, vector), items);
  const byPage = new Map();
  for (const li of state.materialItems) {
    const link = li.querySelector("a[href]");
    if (link) byPage.set(pageKey(link.href), li);
  }
  const keyword = [...byPage.keys()];
  const fused = fuse(keyword, semantic.map((s) => s.page), FUSION);
  const best = new Map(semantic.map((s) => [s.page, s]));
  const terms = queryTerms(query);
  const nodes = fused.map((f) => byPage.get(f.page) || renderSemantic(items, best.get(f.page), terms));
  quietly(() => {
    list.replaceChildren(...nodes);
    nodes.forEach((li, i) => {
      const article = li.querySelector("article");
      if (!article) return;
      if (!li.dataset.fsSemantic && !article.dataset.fsMaterialScore) {
        article.dataset.fsMaterialScore = article.getAttribute("data-md-score") || "0";
      }
      // Material's Enter key opens the result with the highest data-md-score: ours, in order
      article.setAttribute("data-md-score", (fused[i].score * 1000).toFixed(2));
      li.dataset.fsRank = String(i + 1);
    });
    meta.textContent = countText(nodes.length);
  });
  state.blendedFor = query;
  ui.root.dataset.query = query; // what the list shows, and how long after the keystroke
  ui.root.dataset.ms = (performance.now() - state.inputAt).toFixed(1);
  setState("done", `On: ${nodes.length} pages ranked by keywords and by meaning.`);
}

function countText(n) {
  return n === 1 ? "1 matching document" : `${n} matching documents`; // Material's English wording
}

// A page found by meaning only, laid out as Material lays out a result: the page (icon, h1),
// then its best section (h2 and the start of its text). Reader and site text go in as text.
function renderSemantic(items, hit, terms) {
  const item = items[hit.index];
  const li = el("li", { class: "md-search-result__item", "data-fs-semantic": "true" });
  const pageUrl = link(pageOf(item.location), terms);
  const pageArticle = el("article", { class: "md-search-result__article md-typeset", "data-md-score": "0" },
    el("div", { class: "md-search-result__icon md-icon" }), marked("h1", item.page, terms));
  li.append(el("a", { href: pageUrl, class: "md-search-result__link", tabindex: "-1" }, pageArticle));
  if (item.location.includes("#")) {
    const words = item.text.split(/\s+/);
    const snippet = words.slice(0, SNIPPET_WORDS).join(" ") + (words.length > SNIPPET_WORDS ? " …" : "");
    const section = el("article", { class: "md-search-result__article md-typeset", "data-md-score": "0" },
      marked("h2", item.title.replace(/¶$/, ""), terms), marked("p", snippet, terms));
    li.append(el("a", { href: link(item.location, terms), class: "md-search-result__link", tabindex: "-1" }, section));
  }
  return li;
}

function link(location, terms) {
  const url = new URL(location, siteRoot());
  if (terms.length) url.searchParams.set("h", terms.join(" ")); // Material highlights them on the page
  return url.href;
}

// An element whose text has the query's words wrapped in <mark>, built from text nodes.
function marked(tag, text, terms) {
  const node = document.createElement(tag);
  if (!terms.length) {
    node.textContent = text;
    return node;
  }
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`\\b(${escaped.join("|")})`, "giu");
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    node.append(text.slice(at, m.index));
    const end = text.slice(m.index).search(/[^\p{L}\p{N}]/u);
    const word = end === -1 ? text.slice(m.index) : text.slice(m.index, m.index + end);
    node.append(el("mark", {}, word));
    at = m.index + word.length;
  }
  node.append(text.slice(at));
  return node;
}

// --- start -------------------------------------------------------------------------------

function start() {
  if (!root || !input || !output || !list || !meta) return; // a page without Material's search
  buildSwitch();
  observer.observe(list, { childList: true });
  observer.observe(meta, { childList: true, characterData: true, subtree: true });
  state.materialMeta = meta.textContent.trim();
  // Material closes the dialog on Tab in the search box; let Tab reach the switch first.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      event.stopPropagation();
      ui.button.focus();
    }
  }, true);
  input.addEventListener("input", () => (state.inputAt = performance.now()));
  const remembered = storedOn();
  ui.button.setAttribute("aria-checked", String(remembered));
  state.on = remembered;
  // Nothing of the model is fetched before the reader uses the search: the size (runtime.json)
  // when the search box is first focused, the model only when the switch is (or was left) on.
  input.addEventListener("focus", () => (state.on ? setOn(true) : describeOff()), { once: true });
  ui.status.textContent = remembered ? "On: loads when you search." : "Off: keyword results.";
}

start();
