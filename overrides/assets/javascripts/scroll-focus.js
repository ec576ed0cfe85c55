// Keyboard users must be able to scroll what overflows: a wide table (Material wraps tables in
// .md-typeset__scrollwrap at run time), a long formula or a code block on a phone. A region that
// scrolls sideways and holds nothing focusable gets tabindex="0", so Tab reaches it and the arrow
// keys scroll it (axe-core: scrollable-region-focusable). Run after every page Material shows.
const CANDIDATES = ".md-typeset__scrollwrap, .md-typeset .arithmatex, .md-typeset pre, .jupyter-wrapper .output_area";
const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

function mark() {
  for (const el of document.querySelectorAll(CANDIDATES)) {
    const style = getComputedStyle(el);
    const scrolls = el.scrollWidth > el.clientWidth + 1 && /(auto|scroll)/.test(style.overflowX);
    if (scrolls && !el.hasAttribute("tabindex") && !el.querySelector(FOCUSABLE)) {
      el.setAttribute("tabindex", "0");
    }
  }
}

let timer = null;
function later() {
  mark();
  clearTimeout(timer);
  timer = setTimeout(mark, 150); // again once fonts and math have taken their final widths
}

if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(later);
} else {
  document.addEventListener("DOMContentLoaded", later);
}
window.addEventListener("resize", later);
