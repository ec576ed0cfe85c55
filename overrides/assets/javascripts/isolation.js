// Cross-origin isolation for the language model's threads, through coi-serviceworker.
//
// Two WebAssembly threads need SharedArrayBuffer, which browsers give only to a page served with
// `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`.
// GitHub Pages cannot send headers, so coi-serviceworker (the next script, served from the site
// root so that its worker controls every page) registers a service worker that adds both headers
// to each response of this site. It caches nothing: every request still goes to the network (or
// to the widgets' own Cache Storage, which the page reads directly). This file configures it:
//  - every page registers the worker, so a page reached by a link is isolated from the start;
//  - only a page that runs the language model reloads itself to pick the headers up, once per
//    tab, and only before the reader has clicked or typed there; other pages never reload;
//  - COEP `require-corp` in every browser: all of the site's files come from its own origin.
(() => {
  const script = document.currentScript;
  const mayReload = Boolean(script && script.dataset.generation === "yes");
  const KEY = "fromscratch:isolation-reload";
  let touched = false;
  for (const type of ["pointerdown", "keydown"]) {
    addEventListener(type, () => { touched = true; }, { capture: true, once: true, passive: true });
  }
  window.coi = {
    shouldRegister: () => true,
    shouldDeregister: () => false,
    coepCredentialless: () => false,
    quiet: true,
    doReload: () => {
      if (!mayReload || touched) return;
      try {
        // Once per page and tab: a browser that will not let the worker in never loops.
        if (sessionStorage.getItem(KEY) === location.pathname) return;
        sessionStorage.setItem(KEY, location.pathname);
      } catch {
        return;
      }
      location.reload();
    },
  };
})();
