/* kb-portal: every search box on one ranking (the API's), and the contact form's suggestions.
 *
 * Runs after kb.js, whose helpers it borrows (window.kbPortal). Boxes: the header (Material's
 * input, taken over once the API answers), the home, 404 and results-page boxes, and the
 * contact form. As the visitor types, /api/suggest answers (the full ranking, not logged),
 * debounced, each request cancelling the one before. A query is logged once, through
 * /api/search, when it settles: typing pauses for SETTLE_MS with results shown, or a result is
 * opened. Enter opens the results page, which logs it unless a box already did. With the API
 * unreachable, the header stays (or becomes again) Material's static search.
 */
(() => {
  "use strict";

  const kb = window.kbPortal;
  if (!kb || kb.cfg.tree !== "public") return;
  const { cfg, api, sendEvent, el, storage, siteUrl, resultsUrl, debounce } = kb;
  const DEBOUNCE_MS = 150;
  const SETTLE_MS = 1000;
  const LOGGED = "kb.logged"; // sessionStorage: query -> when a box logged it
  const LIMIT = 6;

  const norm = (q) => q.trim().toLowerCase().replace(/\s+/g, " ");
  const plural = (n, one, many) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

  function wasLogged(q) {
    const when = storage.get("sessionStorage", LOGGED, {})[norm(q)];
    return typeof when === "number" && Date.now() - when < 10 * 60000;
  }

  // One row per settled query: /api/search logs it (hits, answered) and the visit remembers it.
  function logSearch(q) {
    if (!q || wasLogged(q)) return;
    const map = storage.get("sessionStorage", LOGGED, {});
    map[norm(q)] = Date.now();
    storage.set("sessionStorage", LOGGED, map);
    fetch(`${String(cfg.api || "/api").replace(/\/+$/, "")}/search?q=${encodeURIComponent(q)}`, {
      keepalive: true, // a result click navigates away at once
      credentials: "same-origin",
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => data && kb.rememberSearch(q, data.total))
      .catch(() => {});
  }

  const ranked = (q, limit, signal) =>
    api(`/suggest?q=${encodeURIComponent(q)}&limit=${limit}`, { signal });

  const articleHref = (r) => siteUrl(r.url) + (r.anchor ? "#" + encodeURIComponent(r.anchor) : "");

  /* ---------- a search box with ranked results (ARIA 1.2 combobox) ---------- */

  // `input` becomes a combobox over `list` (a listbox); `status` announces the count.
  function combobox(input, list, status, { onDown = () => {}, onClose = () => {} } = {}) {
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested articles");
    let items = [];
    let active = -1;
    let pending = null;
    let settle = null;
    let shownFor = "";

    const setActive = (i) => {
      active = i;
      items.forEach((li, n) => li.setAttribute("aria-selected", String(n === i)));
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    };
    const close = () => {
      if (pending) pending.abort(); // a late answer must not reopen the list
      clearTimeout(settle);
      list.hidden = true;
      status.hidden = true;
      list.replaceChildren();
      items = [];
      setActive(-1);
      input.setAttribute("aria-expanded", "false");
      onClose();
    };
    const render = (q, data) => {
      const found = data.suggestions || [];
      items = found.map((r, i) => {
        const li = el(
          "li",
          { id: `${list.id}-${i}`, role: "option", "aria-selected": "false", class: "kb-option" },
          el("span", { class: "kb-option__title", text: r.title }),
          el("span", { class: "kb-option__summary", text: r.summary || "" })
        );
        li.dataset.href = articleHref(r);
        li.dataset.id = r.id;
        return li;
      });
      list.replaceChildren(...items);
      status.textContent = !found.length
        ? "No articles found. Press Enter to search anyway."
        : data.answered
          ? `${plural(data.total, "article", "articles")} found`
          : "No exact match. These articles are the closest:";
      status.dataset.answered = String(Boolean(data.answered));
      status.hidden = false;
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(items.length > 0));
      setActive(-1);
      shownFor = q;
    };
    const open = (li) => {
      const q = input.value.trim();
      logSearch(q);
      sendEvent("/events/click", { query: q, id: li.dataset.id, position: items.indexOf(li) });
      location.assign(li.dataset.href);
    };

    const update = debounce(async () => {
      const q = input.value.trim();
      if (pending) pending.abort();
      clearTimeout(settle);
      if (q.length < 2) return close();
      const ctrl = (pending = new AbortController());
      let data;
      try {
        data = await ranked(q, LIMIT, ctrl.signal);
      } catch (err) {
        if (ctrl.signal.aborted) return; // a newer keystroke took over
        close();
        if (err.down) onDown(q);
        return;
      }
      if (document.activeElement !== input || ctrl.signal.aborted) return;
      render(q, data);
      settle = setTimeout(() => logSearch(q), SETTLE_MS);
    }, DEBOUNCE_MS);

    input.addEventListener("input", update);
    input.addEventListener("keydown", (e) => {
      if (e.isComposing) return;
      const shown = items.length > 0 && !list.hidden;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        e.stopPropagation(); // Material's keyboard handler listens on window
        if (!shown) return update(); // reopen after Escape
        const next = active + (e.key === "ArrowDown" ? 1 : -1);
        setActive(next < -1 ? items.length - 1 : next >= items.length ? -1 : next);
      } else if (e.key === "Enter") {
        e.stopPropagation();
        if (shown && active >= 0) {
          e.preventDefault();
          open(items[active]);
        } else if (input.value.trim()) {
          e.preventDefault();
          clearTimeout(settle); // the results page logs it
          location.assign(resultsUrl(input.value.trim()));
        }
      } else if (e.key === "Escape") {
        e.stopPropagation();
        e.preventDefault();
        if (shown || !status.hidden) close();
        else {
          input.value = "";
          onClose(true);
        }
      }
    });
    // Keep focus in the input while an option is clicked, so blur does not remove it first.
    list.addEventListener("pointerdown", (e) => e.preventDefault());
    list.addEventListener("click", (e) => {
      const li = e.target.closest("[role=option]");
      if (li) open(li);
    });
    input.addEventListener("blur", () => {
      if (shownFor && shownFor === input.value.trim()) logSearch(shownFor); // read, then left
      close();
    });
    return { close, update };
  }

  /* ---------- home, 404 and results-page boxes ---------- */

  function initBox(form) {
    const input = form.querySelector("input[name=q]");
    const list = form.querySelector(".kb-suggest");
    if (!input || !list) return;
    const status = el("p", { class: "kb-suggest__status", role: "status", hidden: "" });
    list.before(status);
    combobox(input, list, status);
    form.addEventListener("submit", (e) => {
      if (!input.value.trim()) {
        e.preventDefault();
        input.focus();
      }
    });
  }

  /* ---------- the header: Material's input, taken over while the API answers ---------- */

  function initHeader() {
    const original = document.querySelector("[data-md-component=search-query]");
    const toggle = document.getElementById("__search");
    const wrap = document.querySelector(".md-search__scrollwrap");
    const material = document.querySelector("[data-md-component=search-result]");
    if (!original || !toggle || !wrap || !material) return;
    let ours = null;

    function takeOver() {
      if (ours) return;
      // A clone carries none of Material's listeners: its static search stops listening.
      const input = original.cloneNode(true);
      input.id = "kb-q-header"; // keeps Material's name ("Search"): the page's own box is another
      const status = el("p", { class: "kb-suggest__status", role: "status", hidden: "" });
      const list = el("ul", { id: "kb-suggest-header", class: "kb-suggest kb-suggest--header" });
      list.hidden = true;
      const panel = el("div", { class: "kb-header-results" }, status, list);
      original.replaceWith(input);
      material.hidden = true;
      wrap.append(panel);
      const openOverlay = () => {
        if (!toggle.checked) toggle.checked = true; // Material's CSS shows the output panel
      };
      const box = combobox(input, list, status, {
        onDown: (q) => giveBack(q),
        onClose: (leave) => {
          if (leave) {
            toggle.checked = false;
            input.blur();
          }
        },
      });
      input.addEventListener("focus", openOverlay);
      input.addEventListener("input", openOverlay);
      // The mobile search button and the overlay are labels of the toggle.
      const onToggle = () => (toggle.checked ? input.focus() : box.close());
      toggle.addEventListener("change", onToggle);
      input.form.addEventListener("submit", (e) => e.preventDefault());
      ours = { input, panel, onToggle };
      document.documentElement.dataset.kbSearch = "api";
    }

    // The API stopped answering: Material's own input, listeners and static index come back.
    function giveBack(q) {
      if (!ours) return;
      toggle.removeEventListener("change", ours.onToggle);
      ours.panel.remove();
      material.hidden = false;
      ours.input.replaceWith(original);
      ours = null;
      document.documentElement.dataset.kbSearch = "static";
      original.value = q;
      original.focus();
      original.dispatchEvent(new KeyboardEvent("keyup")); // Material searches on keyup
    }

    document.documentElement.dataset.kbSearch = "static";
    if (!kb.apiLikelyUp()) return; // a recent outage in this tab: stay static
    // An empty suggest answers at once and logs nothing: it only says the API is there.
    api("/suggest?q=", { timeout: 4000 }).then(takeOver, () => {});
  }

  /* ---------- the contact form: suggested articles, and the deflection trail ---------- */

  function initContact(form) {
    const box = form.querySelector("[data-kb-deflect]");
    const subject = form.elements.subject;
    const message = form.elements.message;
    if (!box || !subject) return;
    const list = box.querySelector("ul");
    const lead = box.querySelector("p") || el("p");
    let pending = null;
    let started = false;

    const query = () =>
      [subject.value.trim(), message ? message.value.trim() : ""]
        .filter(Boolean)
        .join(". ")
        .slice(0, 200);
    const update = debounce(async () => {
      const q = query();
      if (pending) pending.abort();
      if (q.length < 3) {
        box.hidden = true;
        return;
      }
      const ctrl = (pending = new AbortController());
      let data;
      try {
        data = await ranked(q, 3, ctrl.signal);
      } catch {
        return; // aborted or API down: keep what is shown
      }
      // The same three articles /api/search would rank first; a near miss says so.
      const found = data.suggestions || [];
      lead.textContent = data.answered
        ? "These articles might answer your question right away:"
        : "Not an exact match, but these articles might help:";
      list.replaceChildren(
        ...found.map((r) => {
          const link = el("a", { href: articleHref(r), text: r.title });
          link.dataset.kbId = r.id;
          return el("li", {}, link, el("span", { class: "kb-deflect__summary", text: r.summary }));
        })
      );
      box.hidden = found.length === 0;
    }, 300);

    form.addEventListener("input", (e) => {
      if (!started && e.target.name !== "website") {
        started = true;
        sendEvent("/events/contact", { kind: "started" });
      }
      if (e.target === subject || e.target === message) update();
    });
    const opened = (e) => {
      const a = e.target.closest("a[data-kb-id]");
      if (!a || (e.type === "auxclick" && e.button !== 1)) return;
      sendEvent("/events/contact", { kind: "opened", id: a.dataset.kbId });
    };
    list.addEventListener("click", opened);
    list.addEventListener("auxclick", opened);
    if (query()) update(); // a restored draft
  }

  /* ---------- start ---------- */

  function start() {
    initHeader();
    document.querySelectorAll("form[data-kb-search]").forEach(initBox);
    const contact = document.querySelector("form[data-kb-contact]");
    if (contact) initContact(contact);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
