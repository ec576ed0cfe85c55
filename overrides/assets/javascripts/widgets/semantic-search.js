// <semantic-search corpus="pets">: one query, two rankings side by side — keywords (BM25)
// and meaning (cosine similarity between the query's vector and precomputed ones).
import { BM25, tokenize } from "./bm25.js";
import { cosine, embed, loadCorpus } from "./runtime.js";
import { WidgetBase, field, h, nextId } from "./ui.js";

const TOP = 5;

// The text with words shared with the query wrapped in <mark>, built as text nodes.
export function highlighted(text, queryWords) {
  const out = h("span", { class: "fs-result__text" });
  for (const part of text.split(/([\p{L}\p{N}]+)/u)) {
    if (part && queryWords.has(part.toLowerCase())) out.append(h("mark", {}, part));
    else if (part) out.append(document.createTextNode(part));
  }
  return out;
}

class SemanticSearch extends WidgetBase {
  build() {
    const corpus = this.getAttribute("corpus") || "pets";
    const { input, node } = field("Search the documents", { value: "feline pets", placeholder: "Type a question or a few words" });
    this.input = input;
    const button = h("button", { type: "submit", class: "md-button md-button--primary fs-widget__run" }, "Search");
    const form = h("form", { class: "fs-widget__form", onsubmit: (e) => (e.preventDefault(), this.run()) }, node, button);
    this.summary = h("p", { class: "fs-widget__summary" });
    this.keywordList = h("ol", { class: "fs-results__list", "aria-label": "Keyword results (BM25)" });
    this.semanticList = h("ol", { class: "fs-results__list", "aria-label": "Semantic results (cosine similarity)" });
    const kwId = nextId("fs-h");
    const seId = nextId("fs-h");
    const columns = h(
      "div",
      { class: "fs-results" },
      h("section", { class: "fs-results__col", "aria-labelledby": kwId, "data-ranking": "keyword" },
        h("h4", { id: kwId }, "Keyword ranking (BM25)"), this.keywordList),
      h("section", { class: "fs-results__col", "aria-labelledby": seId, "data-ranking": "semantic" },
        h("h4", { id: seId }, "Semantic ranking (meaning)"), this.semanticList),
    );
    this.output = h("div", { class: "fs-widget__output", "aria-live": "polite" }, this.summary, columns);
    this.append(
      h("p", { class: "fs-widget__title" }, `Search “${corpus}”: keywords versus meaning`),
      form,
      this.output,
    );
    this.corpusName = corpus;
    this.prepare().catch((error) => this.showError(error));
  }

  async prepare() {
    this.corpus = await loadCorpus(this.corpusName);
    this.bm25 = new BM25(this.corpus.items.map((d) => `${d.title || ""} ${d.text}`));
    return this.corpus;
  }

  async compute() {
    const query = this.input.value.trim();
    if (!query) {
      this.summary.textContent = "Type something to search for.";
      return;
    }
    if (!this.corpus) await this.prepare();
    const words = new Set(tokenize(query));
    const keyword = this.bm25.scores(query).map((score, i) => ({ i, score })).filter((r) => r.score > 0);
    keyword.sort((a, b) => b.score - a.score);
    this.fill(this.keywordList, keyword.slice(0, TOP), words, (s) => s.toFixed(2), "No document shares a word with your query.");
    this.summary.textContent = "Embedding your query on this device…";
    const [q] = await embed([query]);
    const semantic = this.corpus.rows.map((row, i) => ({ i, score: cosine(q, row) }));
    semantic.sort((a, b) => b.score - a.score);
    this.fill(this.semanticList, semantic.slice(0, TOP), words, (s) => s.toFixed(2));
    const best = this.corpus.items[semantic[0].i];
    this.summary.textContent =
      `Results for “${query}”: ${keyword.length} document(s) share a word with it; ` +
      `the closest in meaning is “${best.title || best.text}”.`;
  }

  fill(list, results, words, fmt, empty) {
    list.replaceChildren();
    if (!results.length) {
      list.append(h("li", { class: "fs-result fs-result--empty" }, empty));
      return;
    }
    for (const { i, score } of results) {
      const doc = this.corpus.items[i];
      list.append(
        h("li", { class: "fs-result", "data-score": score.toFixed(4), "data-topic": doc.topic || "" },
          doc.title ? h("span", { class: "fs-result__title" }, highlighted(doc.title, words)) : null,
          highlighted(doc.text, words),
          h("span", { class: "fs-result__score" }, `score ${fmt(score)}`)),
      );
    }
  }
}

customElements.define("semantic-search", SemanticSearch);
