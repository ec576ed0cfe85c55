// Typeset math with the self-hosted KaTeX, on first load and after each
// instant-navigation page swap (Material's document$):
// - pymdownx.arithmatex output in Markdown pages (\( \) and \[ \] inside .arithmatex);
// - notebook Markdown (cells and Markdown/LaTeX outputs), which nbconvert leaves as
//   Jupyter writes it: $...$, $$...$$, \( \), \[ \] and \begin{...} environments.
//   Only rendered Markdown/LaTeX containers are visited, never code cells; KaTeX's
//   auto-render also skips <pre> and <code> inside them.
const ARITHMATEX = [
  { left: "\\(", right: "\\)", display: false },
  { left: "\\[", right: "\\]", display: true },
];
const NOTEBOOK = [
  { left: "$$", right: "$$", display: true },
  { left: "$", right: "$", display: false },
  { left: "\\(", right: "\\)", display: false },
  { left: "\\[", right: "\\]", display: true },
  ...["equation", "equation*", "align", "align*", "alignat", "alignat*", "gather", "gather*", "CD"].map(
    (env) => ({ left: `\\begin{${env}}`, right: `\\end{${env}}`, display: true }),
  ),
];
const NOTEBOOK_MARKDOWN = ".jupyter-wrapper .jp-RenderedMarkdown, .jupyter-wrapper .jp-RenderedLatex";

function typeset() {
  if (typeof renderMathInElement !== "function") return;
  for (const el of document.querySelectorAll(".arithmatex")) {
    renderMathInElement(el, { delimiters: ARITHMATEX, throwOnError: false });
  }
  for (const el of document.querySelectorAll(NOTEBOOK_MARKDOWN)) {
    if (el.dataset.typeset) continue; // a page swap may leave it in place: never twice
    el.dataset.typeset = "1";
    renderMathInElement(el, { delimiters: NOTEBOOK, throwOnError: false });
  }
}
if (typeof document$ !== "undefined") {
  document$.subscribe(typeset);
} else {
  document.addEventListener("DOMContentLoaded", typeset);
}
