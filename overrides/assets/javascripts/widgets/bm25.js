// Keyword ranking with BM25, written out in full because it is part of the lesson:
// a document scores when it shares words with the query, more for rare words, less
// for long documents. It knows nothing about meaning: "feline" never matches "cat".

const STOP = new Set(
  "a an and are as at be but by for from has have he her his i in is it its of on or our she so that the their them they this to was we were what when which who will with you your".split(" "),
);

export function tokenize(text) {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []).filter((w) => !STOP.has(w));
}

// Chapter 1's tokens (its retrieval notebook and <rag-qa>): runs of a-z and 0-9 after
// lower-casing, no stop words (idf already makes "the" count for almost nothing).
export function asciiWords(text) {
  return text.toLowerCase().match(/[a-z0-9]+/g) || [];
}

export class BM25 {
  // tokenizer: how texts become terms (default: tokenize above; <rag-qa> passes asciiWords).
  constructor(docs, { k1 = 1.2, b = 0.75, tokenizer = tokenize } = {}) {
    this.k1 = k1;
    this.b = b;
    this.tokenize = tokenizer;
    this.docs = docs.map((text) => {
      const terms = tokenizer(text);
      const tf = new Map();
      for (const t of terms) tf.set(t, (tf.get(t) || 0) + 1);
      return { length: terms.length, tf };
    });
    this.avgLength = this.docs.reduce((a, d) => a + d.length, 0) / Math.max(this.docs.length, 1);
    this.df = new Map();
    for (const d of this.docs) for (const t of d.tf.keys()) this.df.set(t, (this.df.get(t) || 0) + 1);
  }

  idf(term) {
    const n = this.docs.length;
    const df = this.df.get(term) || 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  // Scores for every document, in corpus order.
  scores(query) {
    const terms = [...new Set(this.tokenize(query))];
    return this.docs.map((d) => {
      let score = 0;
      for (const t of terms) {
        const f = d.tf.get(t);
        if (!f) continue;
        const norm = f + this.k1 * (1 - this.b + (this.b * d.length) / this.avgLength);
        score += this.idf(t) * ((f * (this.k1 + 1)) / norm);
      }
      return score;
    });
  }
}
