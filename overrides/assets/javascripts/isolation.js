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
  const workers = navigator.serviceWorker;
  const KEY = "fromscratch:isolation-reload";
  let touched = false;
  for (const type of ["pointerdown", "keydown"]) {
    addEventListener(type, () => { touched = true; }, { capture: true, once: true, passive: true });
  }

  // A reload only helps once the worker controls this page (it answers the reloaded page with
  // the headers); before that, wait for it to take control. Once per page and tab, so a browser
  // that will not let the worker in never loops.
  function reloadOnce() {
    if (touched || self.crossOriginIsolated) return;
    try {
      if (sessionStorage.getItem(KEY) === location.pathname) return;
      sessionStorage.setItem(KEY, location.pathname);
    } catch {
      return;
    }
    location.reload();
  }
  function reloadWhenControlled() {
    if (!mayReload || touched || self.crossOriginIsolated || !workers) return;
    if (workers.controller) reloadOnce();
    else workers.addEventListener("controllerchange", reloadOnce, { once: true });
  }
  // The first visit: the worker installs and takes control of this page (clients.claim()).
  if (mayReload && workers && !self.crossOriginIsolated) {
    workers.addEventListener("controllerchange", reloadOnce, { once: true });
  }

  window.coi = {
    shouldRegister: () => true,
    shouldDeregister: () => false,
    coepCredentialless: () => false,
    quiet: true,
    doReload: reloadWhenControlled,
  };
})();
