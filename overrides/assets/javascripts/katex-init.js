// Typeset pymdownx.arithmatex output with the self-hosted KaTeX, on first load
// and after each instant-navigation page swap (Material's document$).
function typeset() {
  if (typeof renderMathInElement !== "function") return;
  for (const el of document.querySelectorAll(".arithmatex")) {
    renderMathInElement(el, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  }
}
if (typeof document$ !== "undefined") {
  document$.subscribe(typeset);
} else {
  document.addEventListener("DOMContentLoaded", typeset);
}
