// <ask-site>: "Ask this site". Chapter 1's <rag-qa> (retrieve with BM25 + MiniLM fused by
// reciprocal rank, build the prompt within its token budget, generate with SmolLM2) over the
// site's own sections: the `site-sections` corpus the build embeds for search by meaning.
// Only what differs is here: the settings (runtime.json's "ask" section, made by
// plugins/fromscratch/ask/settings.py), the words, one ranking, numbered sources, and links to
// the sections retrieved and cited. Examples answered at build time come from ask/widget.py.
import { RagQa } from "./rag-qa.js";
import { siteRoot } from "./runtime.js";
import { h } from "./ui.js";

const TEXTS = {
  title: "Ask this site: retrieve its sections, build the prompt, generate",
  label: "Your question about what this site teaches",
  placeholder: "For example: why does keyword search miss synonyms?",
  notFound: "Not found on this site.",
  noun: "section",
  missing: "This site has no section vectors for the question box.",
};

// A section's location (from the site root, as Material's search index writes it) as a URL
// that works from this page, under any deployment sub-path.
export function sectionHref(location) {
  return new URL(location, siteRoot).href;
}

// Python's settings.sources(): numbered (1 = best) and cut to the first `passage_words` words.
export function sources(items, prompt) {
  const words = prompt.passage_words || 0;
  return items.map((item, i) => {
    const all = item.text.split(/\s+/).filter(Boolean);
    const text = words && all.length > words ? `${all.slice(0, words).join(" ")} …` : item.text;
    return { ...item, rank: i + 1, text };
  });
}

function sectionLink(item) {
  const page = h("span", { class: "fs-ask__page" }, item.page);
  // a page's first section has the page's title: show it once (as ask/widget.py does)
  return item.title === item.page
    ? h("a", { class: "fs-ask__link", href: sectionHref(item.location) }, page)
    : h("a", { class: "fs-ask__link", href: sectionHref(item.location) }, page, " › ", h("span", { class: "fs-rag__title" }, item.title));
}

class AskSite extends RagQa {
  get settingsKey() {
    return "ask";
  }

  get texts() {
    return TEXTS;
  }

  get modes() {
    return [["hybrid", "Both, fused (hybrid)"]];
  }

  promptItems(items, prompt) {
    return sources(items, prompt);
  }

  // the list's own number is the source number the prompt and the answer use
  passageNode(item, { score, cosine }) {
    const [doc, anchor = ""] = item.location.split("#");
    return h("li", { class: "fs-rag__passage fs-ask__section", "data-doc": doc, "data-section": anchor, "data-score": score.toFixed(4), "data-cosine": cosine.toFixed(4), "data-location": item.location },
      sectionLink(item), " ",
      h("span", { class: "fs-rag__score" }, `score ${score.toFixed(3)} · cosine ${cosine.toFixed(2)}`),
      h("details", {}, h("summary", {}, "What the section says"), h("p", { class: "fs-rag__text" }, item.text)));
  }

  checkNode(c, allowed, items) {
    const item = items && items.get(c);
    if (!allowed.has(c) || !item) {
      return h("li", { "data-cite": c, "data-in-prompt": "false" }, `[${c}] was NOT a source in the prompt: a made-up citation`);
    }
    return h("li", { "data-cite": c, "data-in-prompt": "true" }, `[${c}] `, sectionLink(item));
  }
}

customElements.define("ask-site", AskSite);
