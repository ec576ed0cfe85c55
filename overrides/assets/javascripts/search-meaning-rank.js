// Ranking for "Search by meaning": pure functions, no DOM, no model (search-meaning.js calls
// them; benchmarks/site_search.py measures the choices below on tests/data/site_queries.jsonl).
//
// Material's header search lists one result per page, best first. The semantic ranking is per
// section (the `site-sections` corpus); a page ranks by its best section. The two page rankings
// are fused by reciprocal rank fusion: score = sum over rankings of weight / (K + rank).

// Chosen by benchmarks/site_search.py (RESULTS-site-search.md has the grid): on the 60
// questions, k=60 (the usual RRF constant) with the meaning ranking weighted 2 over its first
// 10 pages had the best hit@1, hit@5 and MRR together; rank order alone (k=1) and equal weights
// do worse, because Material's OR-ranking over every word of a question is the noisier of the two.
export const FUSION = { k: 60, keyword: 1, semantic: 2, depth: 10 };

// Sections by cosine with the query vector (rows: unit-length Float32Arrays), best first.
export function rankSections(rows, query) {
  const scored = rows.map((row, index) => {
    let s = 0;
    for (let i = 0; i < row.length; i++) s += row[i] * query[i];
    return { index, score: s };
  });
  return scored.sort((a, b) => b.score - a.score);
}

// The page part of a section location ("content/x/#id" -> "content/x/").
export function pageOf(location) {
  const hash = location.indexOf("#");
  return hash === -1 ? location : location.slice(0, hash);
}

// Pages in the order of their best section: [{page, index, score}] (index: the best section).
export function pagesBySection(ranked, items) {
  const seen = new Map();
  for (const r of ranked) {
    const page = pageOf(items[r.index].location);
    if (!seen.has(page)) seen.set(page, { page, index: r.index, score: r.score });
  }
  return [...seen.values()];
}

// Reciprocal rank fusion of two page lists (arrays of page keys, best first). Pages only one
// list has still count. Returns [{page, score, keywordRank, semanticRank}] best first; ties keep
// the keyword order (what the reader saw before).
export function fuse(keywordPages, semanticPages, options = FUSION) {
  const { k, keyword, semantic, depth } = { ...FUSION, ...options };
  const fused = new Map();
  const add = (page, rank, weight, field) => {
    const entry = fused.get(page) || { page, score: 0, keywordRank: 0, semanticRank: 0, order: fused.size };
    entry.score += weight / (k + rank);
    entry[field] = rank;
    fused.set(page, entry);
  };
  keywordPages.forEach((page, i) => add(page, i + 1, keyword, "keywordRank"));
  semanticPages.slice(0, depth).forEach((page, i) => add(page, i + 1, semantic, "semanticRank"));
  return [...fused.values()].sort((a, b) => b.score - a.score || a.order - b.order);
}

// Words of the query worth highlighting (as Material marks matched terms): three letters or more.
export function queryTerms(query) {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || [])];
}
