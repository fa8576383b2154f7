/* kb-portal: portal behaviour on top of Material (search box, results, rating, contact).
 *
 * Plain ES2020 in one IIFE, no build step. It runs under `script-src 'self'`: no inline
 * handlers, no eval. All text from visitors or the server goes in through textContent; the only
 * server HTML used is the search snippet, and even that is copied over as text plus <mark>.
 * Every feature degrades: with the API down the static Material search and a mailto link remain.
 */
(() => {
  "use strict";

  const configEl = document.getElementById("kb-config");
  const cfg = configEl ? JSON.parse(configEl.textContent) : {};
  const API = String(cfg.api || "/api").replace(/\/+$/, "");
  // base_url is relative to the current page ("../.."), or absolute on the 404 page ("/").
  const BASE = String(cfg.base || ".").replace(/\/*$/, "/");
  // The portal's strings in its language (kb_core/locales, by key without "js."), the English
  // written here where a page carries none; {name} placeholders are filled from `values`.
  const STRINGS = cfg.t && typeof cfg.t === "object" ? cfg.t : {};
  const tr = (key, english, values = {}) =>
    Object.entries(values).reduce(
      (text, [name, value]) => text.split(`{${name}}`).join(String(value)),
      typeof STRINGS[key] === "string" ? STRINGS[key] : english
    );
  // Searches go to the index of the portal's language (each language has its own).
  const withLang = (path) =>
    cfg.lang && /^\/(search|suggest)\?/.test(path)
      ? `${path}&lang=${encodeURIComponent(cfg.lang)}`
      : path;
  // The internal portal's searches are an agent's: kept apart from the public portal's in a tab.
  const OWN = cfg.tree === "internal" ? ".internal" : "";
  const KEY = {
    apiDown: "kb.apiDown",
    logged: "kb.logged" + OWN, // query -> when a box logged it (search.js)
    cards: "kb.cards" + OWN, // query -> the answer card its /search gave (search.js)
    searches: "kb.searches",
    viewed: "kb.viewed",
    draft: "kb.contactDraft",
    rated: "kb.rated:",
  };

  /* ---------- small helpers ---------- */

  // Storage can throw (disabled cookies, private mode, quota): never let that break a page.
  const storage = {
    get(area, key, fallback) {
      try {
        const raw = window[area].getItem(key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch {
        return fallback;
      }
    },
    set(area, key, value) {
      try {
        window[area].setItem(key, JSON.stringify(value));
      } catch {
        /* nothing to do: the feature just loses its memory */
      }
    },
    remove(area, key) {
      try {
        window[area].removeItem(key);
      } catch {
        /* as above */
      }
    },
  };

  // The API's URLs are site paths: they start at the site's root, above another language's
  // portal ("fr/") and above the internal portal, which the app serves at "internal/" (its
  // agents' search gives "/internal/..." for an internal article, "/billing/..." for a public one).
  const depth = String(cfg.prefix || "").split("/").filter(Boolean).length;
  const ROOT = BASE + "../".repeat(depth + (cfg.tree === "internal" ? 1 : 0));
  const siteUrl = (path) => new URL(ROOT + String(path).replace(/^\/+/, ""), location.href).href;
  const portalUrl = (path) => new URL(BASE + path, location.href).href; // this portal's pages
  // An internal article among an agent's results, marked so it is never pasted to a customer.
  const internalBadge = (r) =>
    /^\/internal\//.test(String(r.url))
      ? [" ", el("span", { class: "kb-badge kb-badge--internal", text: tr("internal", "Internal") })]
      : [];
  // An article this portal shows untranslated (the API's `language`: the one it is written in)
  // says so after its title, in the portal's language: "en anglais" on /fr/.
  const languageName = (code) => {
    try {
      return new Intl.DisplayNames([cfg.lang || "en"], { type: "language" }).of(code) || code;
    } catch (_) {
      return code.toUpperCase();
    }
  };
  const languageBadge = (r) =>
    r.language && r.language !== cfg.lang
      ? [" ", el("span", {
          class: "kb-badge kb-badge--language",
          text: tr("in_language", "in {language}", { language: languageName(String(r.language)) }),
        })]
      : [];
  const resultsUrl = (q) => portalUrl("search-results/") + "?q=" + encodeURIComponent(q);
  // The contact form, which a search asking for a person is offered first (the API's `contact`).
  const contactUrl = cfg.contact ? portalUrl("contact/") : "";

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  function debounce(fn, ms) {
    let timer;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /* ---------- the API ---------- */

  // `down` means "the API could not answer" (network, timeout, 5xx, or something that is not our
  // JSON error shape, e.g. a static host's 404 page): callers then fall back instead of erring.
  class ApiFailure extends Error {
    constructor(message, { down = false, status = 0, body = null } = {}) {
      super(message);
      this.down = down;
      this.status = status;
      this.body = body;
    }
  }

  // Remember a recent outage for this tab so the header search does not send people to a
  // results page that can only fall back again.
  const apiLikelyUp = () => Date.now() - storage.get("sessionStorage", KEY.apiDown, 0) > 60000;
  const markApi = (up) =>
    up
      ? storage.remove("sessionStorage", KEY.apiDown)
      : storage.set("sessionStorage", KEY.apiDown, Date.now());

  // A page being left (a result clicked) has its requests cut off by the browser: that is no
  // outage, and must not send this tab to the static search for a minute. A request started
  // before the page was last hidden failed because of it, whenever its failure is seen (a page
  // kept for Back sees it once shown again).
  let hidden = 0;
  addEventListener("pagehide", () => (hidden += 1));

  async function api(path, { method = "GET", body, signal, timeout = 10000 } = {}) {
    const since = hidden;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeout);
    if (signal) signal.addEventListener("abort", () => ctrl.abort(), { once: true });
    let res;
    try {
      res = await fetch(API + withLang(path), {
        method,
        signal: ctrl.signal,
        credentials: "same-origin",
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (signal && signal.aborted) throw err; // superseded by a newer request: not an outage
      if (hidden !== since) throw err; // cut off by leaving the page: not an outage either
      markApi(false);
      throw new ApiFailure(tr("unreachable", "The help center service could not be reached."), {
        down: true,
      });
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = await res.json();
    } catch (err) {
      // superseded while its answer was read: neither an outage nor an answer
      if (signal && signal.aborted) throw err;
      /* not JSON: judged below */
    }
    const ours = data !== null && typeof data === "object" && "error" in data;
    if (res.status >= 500 || (!res.ok && !ours) || (res.ok && data === null)) {
      markApi(false);
      throw new ApiFailure(tr("unavailable", "The help center service is unavailable."), {
        down: true,
        status: res.status,
      });
    }
    markApi(true);
    if (!res.ok) throw new ApiFailure(String(data.error), { status: res.status, body: data });
    return data;
  }

  // Fire-and-forget analytics: keepalive lets the request outlive a navigation (a result click).
  // An agent's clicks in the internal portal are not a customer's: none are sent.
  function sendEvent(path, body) {
    if (cfg.tree !== "public") return;
    try {
      fetch(API + path, {
        method: "POST",
        keepalive: true,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }).catch(() => {});
    } catch {
      /* analytics must never break the page */
    }
  }

  /* ---------- visit memory (sent with a contact request as deflection data) ---------- */

  // `answered` false: the search said "No exact match", which kb gaps counts as finding nothing
  function rememberSearch(q, hits, answered) {
    if (cfg.tree !== "public") return; // an agent's searches are no customer's trail
    const list = storage.get("sessionStorage", KEY.searches, []).filter((s) => s.q !== q);
    list.push({ q: q.slice(0, 200), hits: Math.max(0, hits | 0), answered: answered !== false });
    storage.set("sessionStorage", KEY.searches, list.slice(-50));
  }

  function rememberView(id, title) {
    const list = storage.get("sessionStorage", KEY.viewed, []).filter((v) => v.id !== id);
    list.push({ id, title });
    storage.set("sessionStorage", KEY.viewed, list.slice(-100));
  }

  /* ---------- the answer card: an article's own sentences, cited (kb_core.search.answer) ---------- */

  // What /api/search gives as `answer` (or null); anything else, e.g. an old cached value, is none.
  const isAnswer = (a) =>
    a !== null && typeof a === "object" && typeof a.text === "string" && a.text.trim() !== "" &&
    typeof a.title === "string" && typeof a.url === "string" && typeof a.id === "string";
  const answerHref = (a) =>
    siteUrl(a.url) + (a.anchor ? "#" + encodeURIComponent(a.anchor) : "");
  const answerLines = (a) => a.text.split(/\n+/).map((t) => t.trim()).filter(Boolean);

  // The card's lines, its table rows as a small table (answer.js, loaded before this file).
  const answerBlocks = (a) => kbAnswerBlocks(a, el);

  // "From <title>:" and the quoted sentences (as text: never markup), linked to their section.
  function answerCard(a, position = 0) {
    const link = el("a", { href: answerHref(a) }, el("cite", { text: a.title }));
    link.dataset.kbId = a.id;
    link.dataset.kbPosition = String(position);
    return el(
      "figure",
      { class: "kb-answer" },
      el("figcaption", { class: "kb-answer__from" }, tr("from", "From"), " ", link, ":"),
      el("blockquote", { class: "kb-answer__text" }, ...answerBlocks(a))
    );
  }

  // search.js (every search box, the contact suggestions) runs next and borrows these.
  window.kbPortal = {
    KEY,
    isAnswer,
    tr,
    withLang,
    answerHref,
    answerLines,
    answerBlocks,
    answerCard,
    cfg,
    api,
    sendEvent,
    el,
    storage,
    siteUrl,
    resultsUrl,
    contactUrl,
    internalBadge,
    languageBadge,
    debounce,
    apiLikelyUp,
    rememberSearch,
  };

  /* ---------- Material's own (static) search ---------- */

  const materialToggle = () => document.getElementById("__search");
  const materialInput = () => document.querySelector("[data-md-component=search-query]");

  function openMaterialSearch(q) {
    const toggle = materialToggle();
    const input = materialInput();
    if (!toggle || !input) return false;
    input.value = q;
    if (!toggle.checked) toggle.click();
    input.focus();
    input.dispatchEvent(new KeyboardEvent("keyup")); // Material searches on keyup
    return true;
  }

  /* ---------- search results page ---------- */

  // The server escapes snippets; parsing them in an inert <template> and keeping only text and
  // <mark> means even a server bug cannot put markup or script on the page.
  function snippetNodes(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = String(html || "");
    const copy = (n) =>
      n.nodeName === "MARK" ? el("mark", { text: n.textContent }) : n.textContent;
    return [...tpl.content.childNodes].map(copy);
  }

  function resultItem(r, position) {
    const href = siteUrl(r.url) + (r.anchor ? "#" + encodeURIComponent(r.anchor) : "");
    const link = el("a", { href, text: r.title });
    link.dataset.kbId = r.id;
    link.dataset.kbPosition = String(position);
    return el(
      "li",
      { class: "kb-result" },
      el("h2", { class: "kb-result__title" }, link, ...internalBadge(r), ...languageBadge(r)),
      el("p", { class: "kb-result__category", text: r.category || "" }),
      el("p", { class: "kb-result__snippet" }, ...snippetNodes(r.snippet || r.summary))
    );
  }

  async function showNoResults(body, q) {
    const none = document.querySelector("[data-kb-noresults]");
    if (none) none.hidden = false;
    // "browse the topics" links to this portal's home, at its categories (in its language)
    const [before, after] = tr(
      "tips",
      "Check the spelling, try fewer or different words, or {topics}."
    ).split("{topics}");
    const topics = el("a", {
      href: portalUrl("#kb-cats-title"),
      text: tr("browse_topics", "browse the topics"),
    });
    body.append(el("p", {}, before, ...(after === undefined ? [] : [topics, after])));
    let found = [];
    // The full ranking, which completes an unfinished last word ("payro"), on fewer and fewer
    // of the words typed; not logged (the search already was).
    const words = q.split(/\s+/).filter(Boolean);
    try {
      for (let n = words.length - 1; n >= 1 && !found.length; n--) {
        const part = encodeURIComponent(words.slice(0, n).join(" "));
        found = (await api(`/suggest?q=${part}&limit=5`)).suggestions || [];
      }
    } catch {
      return;
    }
    if (!found.length) return;
    const links = found.map((s) => el("li", {}, el("a", { href: siteUrl(s.url), text: s.title })));
    body.append(
      el("h2", { class: "kb-results__near", text: tr("near", "You might be looking for") }),
      el("ul", { class: "kb-list" }, ...links)
    );
  }

  // Material opens its own overlay for ?q= on every page and deletes ?q= when it closes. Here
  // the API answers, so close it and keep ?q= in the address (reload, back, sharing).
  function keepQueryInUrl(q) {
    const toggle = materialToggle();
    if (!toggle) return;
    const asOpened = location.href; // with &correct=0 when the words were searched as typed
    const restore = () => {
      const params = new URLSearchParams(location.search);
      if (!params.has("q")) history.replaceState(null, "", asOpened);
    };
    toggle.addEventListener("change", () => toggle.checked || restore());
    if (toggle.checked) toggle.click();
    const input = materialInput();
    if (input && document.activeElement === input) input.blur();
  }

  async function initResults(root) {
    const params = new URLSearchParams(location.search);
    const q = (params.get("q") || "").trim().slice(0, 200);
    const exact = params.get("correct") === "0"; // "search for the words I typed instead"
    const box = document.querySelector("form[data-kb-search] input[name=q]");
    if (box) box.value = q;
    // Only the one-line summary is announced, not every snippet of every result.
    const summary = el("p", { class: "kb-results__summary", role: "status" });
    const body = el("div");
    root.removeAttribute("aria-live");
    root.replaceChildren(summary, body);
    if (!q) {
      summary.textContent = tr("type_question", "Type a question in the box above to search.");
      return;
    }
    keepQueryInUrl(q);
    document.title = `“${q}” – ${document.title}`;
    summary.textContent = tr("searching", "Searching…");
    let data;
    // A box that already logged this query (search.js) gets the same ranking unlogged.
    const logged = storage.get("sessionStorage", KEY.logged, {})[q.toLowerCase().replace(/\s+/g, " ")];
    const again = !exact && typeof logged === "number" && Date.now() - logged < 10 * 60000;
    const words = `q=${encodeURIComponent(q)}&limit=10${exact ? "&correct=0" : ""}`;
    try {
      data = again ? await api(`/suggest?${words}`) : await api(`/search?${words}`);
      if (again) {
        data.results = data.suggestions;
        // /api/suggest gives no card: the one the box's /api/search gave, if it answered yet
        const cards = storage.get("sessionStorage", KEY.cards, {});
        data.answer = cards[q.toLowerCase().replace(/\s+/g, " ")] || null;
      }
    } catch (err) {
      if (!err.down) {
        summary.textContent = err.message;
        return;
      }
      summary.textContent = tr(
        "quick_results",
        "Our search service isn't responding, so these are quick results."
      );
      summary.className = "kb-results__note";
      if (!openMaterialSearch(q)) location.assign(portalUrl("") + "?q=" + encodeURIComponent(q));
      return;
    }
    rememberSearch(q, data.total, data.answered);
    // "talk to a human": the way to a person first, then the articles (some may answer it)
    const person = Boolean(data.contact && contactUrl);
    // the articles that match well, not every one with any word of the question (the API's
    // total): those come after them, under a heading of their own
    const strong = data.answered ? Math.min(data.matches || 0, data.results.length) : 0;
    const count =
      strong === 1
        ? tr("found_one", "1 article found")
        : tr("found_other", "{count} articles found", { count: strong });
    summary.textContent = person
      ? tr("contact_lead", "Looking for a person? Our support team is here to help.")
      : !data.results.length
      ? tr("none_for", "No articles found for “{q}”", { q })
      : data.answered
        ? count
        : tr("no_exact_for", "No exact match for “{q}”. These articles are the closest:", { q });
    const dym = data.did_you_mean;
    if (data.corrected && dym) {
      // as web search engines do: say what was searched, and offer the words as typed
      const typed = el("a", {
        href: resultsUrl(q) + "&correct=0",
        text: tr("search_instead", "Search for “{q}” instead", { q }),
      });
      body.append(
        el("p", { class: "kb-results__dym" }, tr("showing_for", "Showing results for"), " ",
          el("em", { text: dym }), ` ${tr("searched_for", "(searched for “{q}”).", { q })} `, typed)
      );
    } else if (dym && dym.toLowerCase() !== q.toLowerCase() && !exact) {
      const link = el("a", { href: resultsUrl(dym), text: dym });
      body.append(
        el("p", { class: "kb-results__dym" }, tr("did_you_mean", "Did you mean"), " ", link, "?")
      );
    }
    if (person) {
      body.append(
        el("p", { class: "kb-results__contact" },
          el("a", { class: "md-button md-button--primary", href: contactUrl },
            tr("contact_button", "Contact support")))
      );
      if (data.results.length)
        body.append(el("h2", { class: "kb-results__more",
          text: tr("contact_articles", "Articles that might also help") }));
    }
    if (isAnswer(data.answer) && data.results.length) {
      const at = data.results.findIndex((r) => r.id === data.answer.id);
      body.append(answerCard(data.answer, Math.max(0, at)));
    }
    if (data.results.length) {
      const items = data.results.map(resultItem);
      const cut = strong || items.length; // unanswered: all of them are "the closest"
      body.append(el("ol", { class: "kb-result-list" }, ...items.slice(0, cut)));
      if (cut < items.length) {
        body.append(
          el("h2", { class: "kb-results__more", text: tr("more_related", "Other articles that might help") }),
          el("ol", { class: "kb-result-list", start: String(cut + 1) }, ...items.slice(cut))
        );
      }
      // "No exact match": the closest articles may not help, so the way to support shows too;
      // answered, a quieter one under them (none when the contact form already leads the page)
      const none = document.querySelector("[data-kb-noresults]");
      if (none) none.hidden = data.answered || person;
      const help = document.querySelector("[data-kb-morehelp]");
      if (help) help.hidden = !data.answered || person;
    } else if (!person) {
      showNoResults(body, q);
    }

    // position is 0-based (the top result is 0), as the API stores it
    const onOpen = (e) => {
      const a = e.target.closest("a[data-kb-id]");
      if (!a || (e.type === "auxclick" && e.button !== 1)) return;
      sendEvent("/events/click", { query: q, id: a.dataset.kbId, position: +a.dataset.kbPosition });
    };
    body.addEventListener("click", onOpen);
    body.addEventListener("auxclick", onOpen);
  }

  /* ---------- article pages ---------- */

  function initArticle() {
    const article = cfg.article;
    // Internal pages are read by agents: their reading is not a customer's deflection data.
    if (!article || !article.id || cfg.tree !== "public") return;
    rememberView(article.id, article.title);
    const src = new URLSearchParams(location.search).get("src");
    const body = { id: article.id };
    if (src && /^[a-z0-9_-]{1,32}$/.test(src)) body.src = src; // e.g. ?src=agent links
    sendEvent("/events/view", body);
  }

  // A vote is stored the moment a button is pressed, so "No" counts even when the reader leaves
  // without a reason; a reason, or another button, updates that same vote (the API keeps one
  // per visitor and revision). Buttons stay usable so the reader can change their mind.
  function initRating(section) {
    const form = section.querySelector("[data-kb-rating-form]");
    const buttons = [...section.querySelectorAll("button[data-value]")];
    const reasons = section.querySelector(".kb-rating__reasons");
    const status = section.querySelector(".kb-rating__status");
    if (!form || !buttons.length || !status) return;
    const { articleId, revision } = section.dataset;
    const key = KEY.rated + articleId + ":" + revision;
    const best = Math.max(...buttons.map((b) => Number(b.dataset.value)));
    const label = (value) => {
      const b = buttons.find((x) => Number(x.dataset.value) === value);
      return b ? b.textContent.trim() : String(value);
    };
    let chosen = null;
    let queue = Promise.resolve(); // votes go out in click order, so the last one wins
    status.tabIndex = -1;

    const show = (value) => {
      chosen = value;
      buttons.forEach((x) =>
        x.setAttribute("aria-pressed", String(Number(x.dataset.value) === value)),
      );
    };
    const closeReasons = () => {
      if (!reasons) return;
      // Focus inside a control that is about to be hidden would fall back to <body>.
      if (reasons.contains(document.activeElement)) status.focus();
      reasons.hidden = true;
    };

    function send(value, reason) {
      const body = { article_id: articleId, revision, value };
      if (reason) body.reason = reason;
      const sent = queue.then(async () => {
        try {
          await api("/ratings", { method: "POST", body });
          storage.set("localStorage", key, { value, reason: reason || null });
          return true;
        } catch (err) {
          status.textContent = err.down
            ? tr("rating_failed", "We couldn't save your feedback right now. Please try again in a moment.")
            : err.message;
          return false;
        }
      });
      queue = sent;
      return sent;
    }

    buttons.forEach((b) => {
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", async () => {
        const value = Number(b.dataset.value);
        show(value);
        const askWhy = value !== best && reasons;
        if (askWhy) {
          reasons.hidden = false;
          reasons.querySelector("input, textarea").focus();
        } else closeReasons();
        status.textContent = tr("saving", "Saving…");
        if (!(await send(value, null)) || chosen !== value) return;
        status.textContent = askWhy
          ? tr("saved_why", "Thanks, your answer is saved. Tell us what went wrong, if you like.")
          : tr("thanks", "Thanks for your feedback!");
      });
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (chosen === null) return;
      const picked = form.querySelector("input[name=reason]:checked");
      const text = form.elements.text ? form.elements.text.value.trim() : "";
      const reason = [picked && picked.value, text].filter(Boolean).join(": ").slice(0, 500);
      status.textContent = tr("sending", "Sending…");
      if (!(await send(chosen, reason || null))) return;
      closeReasons();
      status.textContent = tr("thanks", "Thanks for your feedback!");
    });

    const saved = storage.get("localStorage", key, null);
    // Older pages stored the bare value; newer ones {value, reason}.
    const value = saved !== null && typeof saved === "object" ? saved.value : saved;
    if (typeof value === "number" && buttons.some((x) => Number(x.dataset.value) === value)) {
      show(value);
      status.textContent = tr(
        "you_answered",
        "You answered “{answer}”. You can change your answer.",
        { answer: label(value) }
      );
    }
  }

  /* ---------- contact page ---------- */

  function supportOpen(hours, now = new Date()) {
    const parts = {};
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: hours.timezone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    for (const p of fmt.formatToParts(now)) parts[p.type] = p.value;
    const day = parts.weekday.slice(0, 3).toLowerCase();
    const minutes = (Number(parts.hour) % 24) * 60 + Number(parts.minute);
    const toMinutes = (hhmm) => {
      const [h, m] = String(hhmm).split(":");
      return Number(h) * 60 + Number(m || 0);
    };
    const open = toMinutes(hours.open);
    const close = toMinutes(hours.close);
    const days = (hours.days || []).map((d) => String(d).slice(0, 3).toLowerCase());
    if (!days.includes(day)) return false;
    // same rule as the API: a close before the open time is an overnight shift
    return open < close ? open <= minutes && minutes < close : minutes >= open || minutes < close;
  }

  function initHours(target) {
    if (!cfg.hours) return;
    const update = () => {
      try {
        const online = supportOpen(cfg.hours);
        target.textContent = online
          ? tr("online", "We're online now.")
          : tr("offline", "We're offline now; we'll reply when we're back.");
        target.classList.toggle("kb-hours__status--online", online);
        target.classList.toggle("kb-hours__status--offline", !online);
      } catch {
        target.textContent = ""; // unknown time zone in this browser: say nothing rather than guess
      }
    };
    update();
    setInterval(update, 60000);
  }

  const EMAIL = /^[^@\s<>",;]+@[^@\s<>",;]+\.[^@\s<>",;.]{2,}$/;

  function fieldProblem(field) {
    const value = field.value.trim();
    if (!value) {
      if (!field.required) return "";
      if (field.tagName === "SELECT") return tr("choose", "Please choose an option.");
      if (field.type === "email")
        return tr("email_needed", "Please enter your email address so we can reply.");
      return tr("required", "Please fill in this field.");
    }
    if (field.type === "email" && !EMAIL.test(value))
      return tr("email_invalid", "Please enter a valid email address, like name@example.com.");
    if (field.maxLength > 0 && value.length > field.maxLength)
      return tr("too_long", "Please shorten this to {max} characters or fewer.", {
        max: field.maxLength,
      });
    return "";
  }

  const labelOf = (f) => (f.labels[0] ? f.labels[0].firstChild.textContent.trim() : f.name);

  function mailtoHref(fields) {
    const value = (name) => (fields.find((f) => f.name === name) || { value: "" }).value.trim();
    const lines = fields
      .filter((f) => f.name !== "message" && f.name !== "subject" && f.value.trim())
      .map((f) => `${labelOf(f)}: ${f.value.trim()}`);
    let message = value("message");
    // mail clients and browsers cut long mailto: URLs; the full text stays in the form
    if (message.length > 1500) message = message.slice(0, 1500) + "…";
    const query = new URLSearchParams({
      subject: value("subject") || tr("support_request", "Support request"),
      body: [...lines, "", message].join("\n"),
    });
    // URLSearchParams writes spaces as "+", which mail clients show literally
    return `mailto:${cfg.mailto}?${query.toString().replace(/\+/g, "%20")}`;
  }

  function setFieldError(field, text) {
    const box = document.getElementById("kb-e-" + field.name);
    if (text) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
    if (text) field.setAttribute("aria-describedby", box.id);
    else field.removeAttribute("aria-describedby");
  }

  // A draft survives reloads, crashes and a wander off to a suggested article.
  function saveDraft(fields) {
    const values = {};
    for (const f of fields) values[f.name] = f.value;
    storage.set("localStorage", KEY.draft, { values, saved: Date.now() });
  }

  function restoreDraft(fields) {
    const draft = storage.get("localStorage", KEY.draft, null);
    if (!draft || !draft.values || Date.now() - (draft.saved || 0) > 30 * 864e5) return;
    for (const f of fields) {
      const v = draft.values[f.name];
      if (typeof v === "string" && !f.value) f.value = v;
    }
  }

  // What this visit searched and read: support sees it, content leads learn what failed.
  const visitContext = () => ({
    searches: storage.get("sessionStorage", KEY.searches, []).slice(-50),
    viewed: storage.get("sessionStorage", KEY.viewed, []).map((v) => v.id).slice(-100),
  });

  function initContact(form) {
    const loadedAt = performance.now();
    const status = form.querySelector("[data-kb-contact-status]");
    const submit = form.querySelector("[type=submit]");
    const honeypot = form.elements.website;
    const fields = [...form.elements].filter(
      (f) => f.name && f !== honeypot && f.id && f.id.startsWith("kb-f-")
    );
    const deflect = form.querySelector("[data-kb-deflect]");
    let sending = false;
    status.tabIndex = -1;
    restoreDraft(fields);

    const say = (kind, ...nodes) => {
      status.dataset.kind = kind;
      status.replaceChildren(...nodes);
    };
    const sayError = (kind, ...nodes) =>
      say(kind, el("p", { class: "kb-contact__error" }, ...nodes));

    form.addEventListener("input", (e) => {
      if (e.target === honeypot) return;
      saveDraft(fields);
      if (e.target.getAttribute("aria-invalid")) setFieldError(e.target, "");
      if (status.dataset.kind === "invalid" && !form.querySelector("[aria-invalid]")) say("");
    });
    form.addEventListener("change", () => saveDraft(fields));

    const showOffline = () => {
      const keep = tr("kept", "Everything you typed is still here.") + " ";
      const notSent = el("strong", { text: tr("not_sent", "We couldn't send your request.") });
      if (!cfg.mailto) {
        sayError("offline", notSent, " ", keep, tr("try_later", "Please try again in a few minutes."));
        return;
      }
      const mail = el("a", {
        href: mailtoHref(fields),
        text: tr("email_it", "email it to {address}", { address: cfg.mailto }),
      });
      sayError("offline", notSent, " ", keep, tr("try_later_or", "Try again in a few minutes, or"),
        " ", mail, " ", tr("filled_in", "(we've filled in your message)."));
    };

    // Once sent, the reference is the one thing on the page that matters: hide the fields.
    const showSent = (data) => {
      const again = el("button", { type: "button", class: "md-button" },
        tr("send_another", "Send another request"));
      again.addEventListener("click", () => {
        form.classList.remove("kb-contact--sent");
        say("");
        fields[0].focus();
      });
      const ref = el("strong", { text: data.reference });
      say(
        "sent",
        el("p", { class: "kb-contact__reference" },
          tr("reference", "Your reference number is"), " ", ref),
        // not the API's message: it says the response time the page already says above
        el("p", { text: tr("received", "We've received your request.") }),
        again
      );
      storage.remove("localStorage", KEY.draft);
      form.reset();
      form.classList.add("kb-contact--sent");
      if (deflect) deflect.hidden = true;
      status.focus();
    };

    // 4xx: put each problem the API names next to its field.
    const showRefused = (err) => {
      const body = err.body || {};
      const details = body.details && body.details.length ? body.details : [{ field: body.field }];
      let first = null;
      for (const d of details) {
        const f = fields.find((x) => x.name === d.field);
        if (!f) continue;
        setFieldError(f, d.message ? `This ${d.message}.` : err.message);
        first = first || f;
      }
      sayError("refused", err.message);
      if (first) first.focus();
    };

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (sending) return;
      const bad = fields.filter((f) => {
        const problem = fieldProblem(f);
        setFieldError(f, problem);
        return problem;
      });
      if (bad.length) {
        sayError("invalid", tr("fix_fields", "Please correct the fields marked above."));
        bad[0].focus();
        return;
      }
      sending = true;
      submit.setAttribute("aria-disabled", "true"); // not `disabled`: that would drop focus
      say("sending", el("p", { text: tr("sending_request", "Sending your request…") }));
      const body = { website: honeypot ? honeypot.value : "", context: visitContext() };
      for (const f of fields) body[f.name] = f.value.trim();
      // The API refuses forms sent faster than a person types (a bot check); a restored draft
      // can be sent at once, so wait out the remainder instead of being refused.
      const early = (cfg.minFillSeconds || 0) * 1000 - (performance.now() - loadedAt);
      if (early > 0) await sleep(early + 250);
      body.elapsed_ms = Math.round(performance.now() - loadedAt);
      try {
        showSent(await api("/contact", { method: "POST", body, timeout: 20000 }));
      } catch (err) {
        if (err.down) showOffline();
        else showRefused(err);
      } finally {
        sending = false;
        submit.removeAttribute("aria-disabled");
      }
    });
  }

  /* ---------- start ---------- */

  function start() {
    const results = document.querySelector("[data-kb-results]");
    if (results) initResults(results);
    initArticle();
    document.querySelectorAll("section[data-kb-rating]").forEach(initRating);
    const hours = document.querySelector("[data-kb-hours-status]");
    if (hours) initHours(hours);
    const contact = document.querySelector("form[data-kb-contact]");
    if (contact) initContact(contact);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
