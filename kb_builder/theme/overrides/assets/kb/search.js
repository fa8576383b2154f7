/* kb-portal: every search box on one ranking (the API's), and the contact form's suggestions.
 *
 * Runs after kb.js, whose helpers it borrows (window.kbPortal). Boxes: the header (Material's
 * input, taken over once the API answers), the home, 404 and results-page boxes, and the
 * contact form. As the visitor types, /api/suggest answers (the full ranking, not logged),
 * debounced, each request cancelling the one before. A query is logged once, through
 * /api/search, when it settles: typing pauses for SETTLE_MS with results shown, or a result is
 * opened. Enter opens the results page, which logs it unless a box already did. With the API
 * unreachable, the header stays (or becomes again) Material's static search.
 *
 * The answer card (kb_core.search.answer) comes only from /api/search, so it arrives with the
 * settled query's log request: a box then puts it first in its list (an option like the others,
 * announced through the status line), and the visit remembers it for the results page.
 *
 * In the internal portal the same boxes ask the agents' endpoints (kb-config's api:
 * /internal/api, behind the agent's sign-in): public and internal articles, nothing logged.
 */
(() => {
  "use strict";

  const kb = window.kbPortal;
  if (!kb) return;
  const { cfg, api, sendEvent, el, storage, siteUrl, resultsUrl, debounce, tr, withLang } = kb;
  const DEBOUNCE_MS = 150;
  const SETTLE_MS = 1000;
  const LOGGED = kb.KEY.logged; // sessionStorage: query -> when a box logged it
  const CARDS = kb.KEY.cards; // sessionStorage: query -> the answer card its /api/search gave
  const CARDS_KEPT = 30;
  const LIMIT = 6;

  const norm = (q) => q.trim().toLowerCase().replace(/\s+/g, " ");

  function wasLogged(q) {
    const when = storage.get("sessionStorage", LOGGED, {})[norm(q)];
    return typeof when === "number" && Date.now() - when < 10 * 60000;
  }

  // The card a logged query got (null: none; undefined: not known in this visit).
  function cardFor(q) {
    const card = storage.get("sessionStorage", CARDS, {})[norm(q)];
    return card === undefined ? undefined : kb.isAnswer(card) ? card : null;
  }

  function rememberCard(q, card) {
    const map = storage.get("sessionStorage", CARDS, {});
    delete map[norm(q)];
    map[norm(q)] = card;
    const keys = Object.keys(map);
    keys.slice(0, Math.max(0, keys.length - CARDS_KEPT)).forEach((k) => delete map[k]);
    storage.set("sessionStorage", CARDS, map);
  }

  // One row per settled query: /api/search logs it (hits, answered) and the visit remembers it.
  // Resolves to its answer card, or null; a query logged before gets the card it got then.
  function logSearch(q) {
    if (!q) return Promise.resolve(null);
    if (wasLogged(q)) return Promise.resolve(cardFor(q) || null);
    const map = storage.get("sessionStorage", LOGGED, {});
    map[norm(q)] = Date.now();
    storage.set("sessionStorage", LOGGED, map);
    const path = withLang(`/search?q=${encodeURIComponent(q)}`);
    return fetch(`${String(cfg.api || "/api").replace(/\/+$/, "")}${path}`, {
      keepalive: true, // a result click navigates away at once
      credentials: "same-origin",
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return null;
        kb.rememberSearch(q, data.total, data.answered);
        const card = kb.isAnswer(data.answer) ? data.answer : null;
        rememberCard(q, card);
        return card;
      })
      .catch(() => null);
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
    list.setAttribute("aria-label", tr("suggested", "Suggested articles"));
    let items = [];
    let active = -1;
    let pending = null;
    let settle = null;
    let shownFor = "";
    let shown = 0; // which rendering is on screen: a late card must not join a newer list
    let count = ""; // the status line's count, before any card

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
      shown += 1;
      setActive(-1);
      input.setAttribute("aria-expanded", "false");
      onClose();
    };
    // The answer card as the list's first option: "From <title>: <sentences>", opening its
    // section; its name (all its text) is read out when it becomes the active option.
    const cardOption = (a, found) => {
      const li = el(
        "li",
        { id: `${list.id}-answer`, role: "option", "aria-selected": "false",
          class: "kb-option kb-option--answer" },
        el("span", { class: "kb-option__from" }, tr("from", "From"), " ",
          el("cite", { text: a.title }), ": "),
        Array.isArray(a.lines) && a.lines.includes("row")
          ? el("span", { class: "kb-option__answer kb-option__answer--table" }, ...kb.answerBlocks(a))
          : el("span", { class: "kb-option__answer" },
              ...kb.answerLines(a).map((t) => el("span", { class: "kb-option__line", text: t })))
      );
      li.dataset.href = kb.answerHref(a);
      li.dataset.id = a.id;
      li.dataset.position = String(Math.max(0, found.findIndex((r) => r.id === a.id)));
      return li;
    };
    const showCard = (a, found) => {
      if (!a || items.some((li) => li.id === `${list.id}-answer`)) return;
      const li = cardOption(a, found);
      const was = active;
      items = [li, ...items];
      list.prepend(li);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      setActive(was >= 0 ? was + 1 : -1); // the option the visitor was on stays active
      status.textContent =
        tr("answer_from", "An answer from “{title}”", { title: a.title }) +
        (count ? tr("and_more", ", and {more}", { more: count }) : "");
    };
    // A search asking for a person ("talk to a human", the API's `contact`): the contact form
    // as the first option, before the articles.
    const contactOption = () => {
      const li = el(
        "li",
        { id: `${list.id}-contact`, role: "option", "aria-selected": "false",
          class: "kb-option kb-option--contact" },
        el("span", { class: "kb-option__title",
          text: tr("contact_option", "Contact our support team") }),
        el("span", { class: "kb-option__summary",
          text: tr("contact_option_text", "Send us a message: a person will answer.") })
      );
      li.dataset.href = kb.contactUrl;
      return li;
    };
    const render = (q, data) => {
      const found = data.suggestions || [];
      const person = Boolean(data.contact && kb.contactUrl);
      items = found.map((r, i) => {
        const li = el(
          "li",
          { id: `${list.id}-${i}`, role: "option", "aria-selected": "false", class: "kb-option" },
          el("span", { class: "kb-option__title" }, r.title, ...kb.internalBadge(r), ...kb.languageBadge(r)),
          el("span", { class: "kb-option__summary", text: r.summary || "" })
        );
        li.dataset.href = articleHref(r);
        li.dataset.id = r.id;
        li.dataset.position = String(i);
        return li;
      });
      const strong = data.matches || 0; // matching well, not every one with a word of it
      // the count above says how many match well; the rest are set apart, as on the results page
      if (data.answered && strong > 0 && strong < items.length) {
        items[strong].classList.add("kb-option--more");
        items[strong].dataset.more = tr("more_related", "Other articles that might help");
      }
      if (person) {
        if (items.length) {
          items[0].classList.add("kb-option--more");
          items[0].dataset.more = tr("contact_articles", "Articles that might also help");
        }
        items = [contactOption(), ...items];
      }
      list.replaceChildren(...items);
      const total = strong === 1
        ? tr("found_one", "1 article found")
        : tr("found_other", "{count} articles found", { count: strong });
      count = found.length && data.answered ? total : "";
      status.textContent = person
        ? found.length
          ? tr("contact_status", "You can contact our support team, or read the articles below.")
          : tr("contact_only", "You can contact our support team.")
        : !found.length
        ? tr("none_enter", "No articles found. Press Enter to search anyway.")
        : data.answered
          ? count
          : tr("no_exact", "No exact match. These articles are the closest:");
      status.dataset.answered = String(Boolean(data.answered));
      status.hidden = false;
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", String(items.length > 0));
      setActive(-1);
      shownFor = q;
      shown += 1;
      if (found.length && wasLogged(q)) showCard(cardFor(q), found); // known from before
      return found;
    };
    const open = (li) => {
      const q = input.value.trim();
      logSearch(q);
      if (li.dataset.id) // an article (the contact option is none)
        sendEvent("/events/click", { query: q, id: li.dataset.id, position: +li.dataset.position });
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
      const found = render(q, data);
      const ticket = shown;
      settle = setTimeout(async () => {
        const card = await logSearch(q);
        if (ticket === shown && found.length) showCard(card, found);
      }, SETTLE_MS);
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

  const SEARCH_KEYS = new Set(["/", "s", "f"]); // Material's keys that open its search
  const FIELDS = "input, textarea, select";

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
      const typing = document.activeElement === original; // the API answered mid-word
      original.replaceWith(input);
      input.value = original.value; // a clone copies the attribute, not what was typed
      material.hidden = true;
      wrap.append(panel);
      // Material makes its results' scroll box a Tab stop; ours are reached with the arrow
      // keys from the input (and are links): Tab goes on to the page, not to an empty box
      wrap.tabIndex = -1;
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
      // Material's keys for its search ("/", "s", "f") focus the input it found at load, the
      // one replaced here: they open ours instead, and the key is not typed into it.
      const onKey = (e) => {
        if (!SEARCH_KEYS.has(e.key) || e.ctrlKey || e.metaKey || e.altKey) return;
        const t = e.target;
        const typed = t instanceof HTMLElement && (t.isContentEditable || t.closest(FIELDS));
        if (typed) return;
        e.preventDefault();
        openOverlay();
        input.focus();
        input.select();
      };
      addEventListener("keydown", onKey);
      if (typing) {
        input.focus();
        input.setSelectionRange(original.selectionStart, original.selectionEnd); // the caret
        if (input.value) input.dispatchEvent(new Event("input")); // search what is there
      }
      // The mobile search button and the overlay are labels of the toggle.
      const onToggle = () => (toggle.checked ? input.focus() : box.close());
      toggle.addEventListener("change", onToggle);
      input.form.addEventListener("submit", (e) => e.preventDefault());
      ours = { input, panel, onToggle, onKey };
      document.documentElement.dataset.kbSearch = "api";
    }

    // The API stopped answering: Material's own input, listeners and static index come back.
    function giveBack(q) {
      if (!ours) return;
      toggle.removeEventListener("change", ours.onToggle);
      removeEventListener("keydown", ours.onKey); // Material's own keys work again
      ours.panel.remove();
      material.hidden = false;
      wrap.tabIndex = 0;
      ours.input.replaceWith(original);
      ours = null;
      document.documentElement.dataset.kbSearch = "static";
      original.value = q;
      original.focus();
      original.dispatchEvent(new KeyboardEvent("keyup")); // Material searches on keyup
    }

    document.documentElement.dataset.kbSearch = "static";
    const probe = () => {
      if (ours || !kb.apiLikelyUp()) return; // a recent outage in this tab: stay static
      // An empty suggest answers at once and logs nothing: it only says the API is there.
      api("/suggest?q=", { timeout: 4000 }).then(takeOver, () => {});
    };
    probe();
    // back to this page from the browser's cache (Back after a result): ours again if it had
    // to give the box back meanwhile
    addEventListener("pageshow", (e) => e.persisted && probe());
  }

  /* ---------- the contact form: an answer card, suggested articles, the deflection trail ---------- */

  // The card answers the subject once it is written (the visitor moves on, or a restored
  // draft), through /api/suggest?complete=true: the whole subject, with the card, not logged
  // (a contact subject is not a search the visitor made).

  function initContact(form) {
    const box = form.querySelector("[data-kb-deflect]");
    const subject = form.elements.subject;
    const message = form.elements.message;
    if (!box || !subject) return;
    const list = box.querySelector("ul");
    const lead = box.querySelector("p") || el("p");
    const answer = el("div", { class: "kb-deflect__answer" });
    answer.hidden = true;
    box.prepend(answer);
    let pending = null;
    let started = false;
    let answered = ""; // the subject the card answers
    const showBox = () => {
      const some = list.children.length > 0;
      lead.hidden = list.hidden = !some;
      box.hidden = !some && answer.hidden;
    };
    const dropCard = () => {
      answered = "";
      answer.hidden = true;
      answer.replaceChildren();
      showBox();
    };
    const askCard = async () => {
      const q = subject.value.trim();
      if (q.length < 3 || q === answered) return;
      answered = q;
      let card = null;
      try {
        const data = await api(`/suggest?q=${encodeURIComponent(q)}&limit=1&complete=true`);
        card = kb.isAnswer(data.answer) ? data.answer : null;
      } catch {
        return; // API down: no card
      }
      if (subject.value.trim() !== q) return; // edited meanwhile: that edit asks again
      if (!card) return dropCard();
      answer.replaceChildren(kb.answerCard(card));
      answer.hidden = false;
      showBox();
    };

    const query = () =>
      [subject.value.trim(), message ? message.value.trim() : ""]
        .filter(Boolean)
        .join(". ")
        .slice(0, 200);
    const update = debounce(async () => {
      const q = query();
      if (pending) pending.abort();
      if (q.length < 3) {
        list.replaceChildren();
        showBox();
        return;
      }
      const ctrl = (pending = new AbortController());
      let data;
      try {
        data = await ranked(q, 3, ctrl.signal);
      } catch {
        return; // aborted or API down: keep what is shown
      }
      // The same three articles /api/search would rank first; a near miss says so. An answered
      // subject lists only the articles that match it as the header's list sets them apart
      // (`matches`), not the weaker ones after them ("my card was declined" also listed *Open
      // shifts and shift swaps*, for its "decline a request").
      const all = data.suggestions || [];
      const found = data.answered ? all.slice(0, Math.max(1, data.matches || 0)) : all;
      lead.textContent = data.answered
        ? tr("might_answer", "These articles might answer your question right away:")
        : tr("might_help", "Not an exact match, but these articles might help:");
      list.replaceChildren(
        ...found.map((r) => {
          const link = el("a", { href: articleHref(r), text: r.title });
          link.dataset.kbId = r.id;
          return el("li", {}, link, ...kb.languageBadge(r),
            el("span", { class: "kb-deflect__summary", text: r.summary }));
        })
      );
      showBox();
    }, 300);

    form.addEventListener("input", (e) => {
      if (!started && e.target.name !== "website") {
        started = true;
        sendEvent("/events/contact", { kind: "started" });
      }
      if (e.target === subject && subject.value.trim() !== answered) dropCard();
      if (e.target === subject || e.target === message) update();
    });
    subject.addEventListener("blur", askCard); // not "change": retyping the same subject is none
    const opened = (e) => {
      const a = e.target.closest("a[data-kb-id]");
      if (!a || (e.type === "auxclick" && e.button !== 1)) return;
      sendEvent("/events/contact", { kind: "opened", id: a.dataset.kbId });
    };
    for (const where of [list, answer]) {
      where.addEventListener("click", opened);
      where.addEventListener("auxclick", opened);
    }
    if (query()) update(); // a restored draft
    if (subject.value.trim()) askCard();
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
