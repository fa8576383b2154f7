/* kb-portal help widget: the launcher. One tag on any site:
 *   <script src="https://help.example.com/widget.js" data-kb async></script>
 * It draws a button in a Shadow DOM and loads the panel (widget-panel.js) on the first click.
 * The only global is KB: KB.open({query, category, article}), KB.close(). No cookies, no
 * localStorage; the API is this script's own origin. Styles are constructed stylesheets, so a
 * host CSP needs script-src and connect-src for the help center, nothing for styles.
 */
(() => {
  "use strict";
  if (window.KB && window.KB.version) return; // the tag twice on one page
  const me = document.currentScript || document.querySelector("script[data-kb][src]");
  if (!me) return;
  const src = new URL(me.src, location.href);
  // the launcher's text in the host page's language (data-kb-lang, else its <html lang>) when
  // the help center has that language, else in the help center's default one
  const LANG = String(me.dataset.kbLang || document.documentElement.lang || "").toLowerCase();
  const LABELS = /*KB:launchers*/ {};
  const LABEL = LABELS[LANG] || LABELS[LANG.split("-")[0]] || /*KB:launcher*/ "Help";
  // --kb-accent and friends, from widget.color or site.primary_color (kb_builder/widget.py);
  // the panel's stylesheet reads them from this :host too
  const COLOURS = /*KB:colours*/ "";
  const state = { panel: null, loading: null, wanted: null };

  const host = document.createElement("div");
  host.setAttribute("data-kb-widget", "");
  const root = host.attachShadow({ mode: "open" });
  // !important in the shadow beats the host page's !important on our element
  const css = `:host{${COLOURS}all:initial!important;display:block!important;position:fixed!important;
z-index:2147483000!important;inset:auto 0 0 auto!important;visibility:visible!important;
opacity:1!important}
.kb-launch{all:initial;position:fixed;right:20px;bottom:20px;display:flex;align-items:center;
gap:8px;padding:12px 18px;border-radius:999px;background:var(--kb-accent,#00695c);
color:var(--kb-on-accent,#fff);cursor:pointer;
font:600 15px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
box-shadow:0 4px 14px rgba(0,0,0,.25)}
.kb-launch:hover{background:var(--kb-hover,#004d40)}
.kb-launch:focus-visible{outline:3px solid #ffb300;outline-offset:3px}
.kb-launch svg{width:20px;height:20px;fill:currentColor}
.kb-launch[aria-expanded=true]{display:none}`;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style"); // older browsers: a <style> in the shadow
    style.textContent = css;
    root.append(style);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "kb-launch";
  button.setAttribute("aria-haspopup", "dialog");
  button.setAttribute("aria-expanded", "false");
  button.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 ' +
    "0-20zm1 17h-2v-2h2v2zm2.1-7.7-.9.9c-.7.7-1.2 1.4-1.2 2.8h-2v-.5c0-1.1.5-2.1 1.2-2.8l1.2-1.3" +
    'A2 2 0 1 0 10 9H8a4 4 0 1 1 7.1 2.3z"/></svg>';
  button.append(document.createTextNode(LABEL));
  root.append(button);

  function load() {
    if (!state.loading) {
      state.loading = new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = new URL("widget-panel.js", src).href;
        s.async = true;
        s.onerror = () => {
          state.loading = null;
          reject(new Error("the help panel could not be loaded"));
        };
        window.KB._mount = (make) => {
          delete window.KB._mount;
          state.panel = make({ root, button, src, context: me.dataset.kbContext || "", lang: LANG });
          resolve(state.panel);
        };
        document.head.append(s);
      });
    }
    return state.loading;
  }

  function open(place) {
    const opener = document.activeElement;
    return load().then((panel) => panel.open(place || {}, opener));
  }

  button.addEventListener("click", () => {
    open({}).catch(() => {
      button.title = "The help center can't be reached right now.";
    });
  });

  window.KB = {
    version: 1,
    open: (place) => open(place && typeof place === "object" ? place : {}),
    close: () => (state.panel ? state.panel.close() : undefined),
  };

  const attach = () => document.body.append(host);
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach, { once: true });
})();
