/* kb-portal help widget: the panel, loaded by widget.js on the first click.
 *
 * Search as you type (/api/suggest while typing, not logged; /api/search once the words settle,
 * logged, with the answer card), articles read in the panel, ratings and "Contact support" as
 * on the portal. Every event says source "widget" and the host page. Text from the server goes
 * in as textContent; an article's HTML (sanitized by the build) is parsed inert and cut to an
 * allowlist again here. What the visitor typed lives in sessionStorage, keyed by the help
 * center's origin, so it survives closing the panel and reloading the page.
 */
(() => {
  "use strict";
  const KB = window.KB;
  if (!KB || typeof KB._mount !== "function") return;
  const STYLE = /*KB:css*/ "";
  /*KB:answer.js*/ // kbAnswerBlocks: the card's lines and table (the portal's assets/kb/answer.js)

  KB._mount(({ root, button, src, context, lang = "" }) => {
    const SITE = src.origin;
    const API = SITE + "/api";
    const KEY = "kb-widget:" + SITE;
    const where = () => ({ source: "widget", host: location.origin + location.pathname });
    let L = {
      // labels, from /api/widget; these until it answers (or when it cannot)
      title: "Help",
      back: "Back",
      close: "Close help",
      unavailable: "The help center can't be reached right now. Please try again in a moment.",
    };
    let info = null; // /api/widget
    // the help center's language nearest the host page's, as /api/widget chose it
    const LANG = () => (info && info.lang) || "";
    let contactInfo = null; // /api/contact
    let returnTo = null;
    let searchCtrl = null;
    let current = "home"; // the view shown
    let trail = []; // articles read one from another's link, for Back

    /* ---------- helpers ---------- */

    const memory = () => {
      try {
        return JSON.parse(sessionStorage.getItem(KEY) || "{}") || {};
      } catch {
        return {};
      }
    };
    const remember = (patch) => {
      try {
        sessionStorage.setItem(KEY, JSON.stringify({ ...memory(), ...patch }));
      } catch {
        /* storage refused: the panel just forgets */
      }
    };

    function el(tag, props = {}, ...children) {
      const node = document.createElement(tag);
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "text") node.textContent = v;
        else if (k === "class") node.className = v;
        else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : v);
      }
      node.append(...children.filter((c) => c !== null && c !== undefined));
      return node;
    }
    const debounce = (fn, ms) => {
      let t;
      return (...a) => {
        clearTimeout(t);
        t = setTimeout(() => fn(...a), ms);
      };
    };
    const siteUrl = (path) => new URL(path, SITE + "/").href;

    class Failure extends Error {
      constructor(message, extra) {
        super(message);
        Object.assign(this, extra);
      }
    }

    async function api(path, { method = "GET", body, signal } = {}) {
      let res;
      try {
        // every call in the panel's language: what it stores (contact, ratings) and says
        if (LANG() && !/[?&]lang=/.test(path)) path += (path.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(LANG());
        res = await fetch(API + path, {
          method,
          signal,
          mode: "cors",
          credentials: "omit",
          headers: body === undefined ? {} : { "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        if (signal && signal.aborted) throw err;
        throw new Failure(L.unavailable, { down: true });
      }
      let data = null;
      try {
        data = await res.json();
      } catch {
        /* judged below */
      }
      if (res.status >= 500 || data === null || (!res.ok && !("error" in data)))
        throw new Failure(L.unavailable, { down: true });
      if (res.status === 403)
        // the help center refused this page: its owner must allow it (the visitor sees why)
        console.warn(`kb-portal widget: ${data.error} Add ${location.origin} to widget.allowed_origins in the help center's site_config.yml.`);
      if (!res.ok) throw new Failure(String(data.error), { status: res.status, body: data });
      return data;
    }
    const query = (params) =>
      "?" + new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
    const send = (path, body) =>
      api(path, { method: "POST", body: { ...body, ...where() } }).catch(() => {});

    /* ---------- the panel ---------- */

    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } catch {
      root.append(el("style", { text: STYLE }));
    }
    const title = el("h2", { id: "kb-w-title" });
    const back = el("button", { type: "button", class: "kb-back", hidden: true });
    const close = el("button", { type: "button", class: "kb-close" });
    const body = el("div", { class: "kb-body" });
    const panel = el(
      "div",
      { class: "kb-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": title.id },
      el("div", { class: "kb-head" }, back, title, close),
      body,
    );
    panel.hidden = true;
    root.append(panel);
    close.addEventListener("click", () => hide());
    back.addEventListener("click", () => {
      if (current === "article" && trail.length > 1) {
        trail.pop();
        showArticle(trail[trail.length - 1], "", "back");
      } else showHome();
    });

    const focusables = () =>
      [...panel.querySelectorAll("a[href], button, input, select, textarea, [tabindex='0']")].filter(
        (n) => !n.disabled && !n.closest("[hidden]") && n.getClientRects().length,
      );
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        hide();
      } else if (e.key === "Tab") {
        const list = focusables();
        if (!list.length) return;
        const here = root.activeElement;
        const first = list[0];
        const last = list[list.length - 1];
        if (e.shiftKey && (here === first || !panel.contains(here))) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && (here === last || !panel.contains(here))) {
          e.preventDefault();
          first.focus();
        }
      }
    });

    function labelAll() {
      title.textContent = L.title;
      back.textContent = "← " + L.back;
      close.textContent = "×";
      close.setAttribute("aria-label", L.close);
    }

    // the header names the article while its own title is out of sight (opened at a section,
    // or scrolled past it); elsewhere it says "Help"
    const named = new IntersectionObserver(
      (seen) => seen.forEach((e) => e.target.isConnected && (title.textContent = e.isIntersecting ? L.title : e.target.textContent)),
      { root: body },
    );
    function view(name, ...nodes) {
      named.disconnect();
      title.textContent = L.title;
      current = name;
      back.hidden = name === "home";
      body.replaceChildren(...nodes);
      body.scrollTop = 0;
      remember({ view: name });
    }

    /* ---------- search ---------- */

    const results = el("div", { class: "kb-results", "aria-live": "polite" });
    const input = el("input", { type: "search", id: "kb-w-q", autocomplete: "off" });
    const searchLabel = el("label", { for: "kb-w-q" });
    const form = el("form", { role: "search" }, searchLabel, input);
    let lastLogged = "";

    function snippet(html) {
      // <mark> kept, everything else as text (the API escapes the rest)
      const doc = new DOMParser().parseFromString("<p>" + (html || "") + "</p>", "text/html");
      return [...doc.body.firstChild.childNodes].map((n) =>
        n.nodeName === "MARK" ? el("mark", { text: n.textContent }) : document.createTextNode(n.textContent),
      );
    }

    function articleLink(item, position, q) {
      return el("a", {
        href: siteUrl(item.url) + (item.anchor ? "#" + item.anchor : ""),
        text: item.title,
        onclick: (e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey) return;
          e.preventDefault();
          if (q) send("/events/click", { query: q, id: item.id, position });
          showArticle(item.id, item.anchor);
        },
      });
    }

    // an article shown untranslated says the language it is in ("en anglais"), as the portal does
    function languageBadge(r) {
      if (!r.language || r.language === LANG()) return [];
      let name = String(r.language).toUpperCase();
      try {
        name = new Intl.DisplayNames([LANG() || "en"], { type: "language" }).of(r.language) || name;
      } catch (_) { /* an unknown code: the code */ }
      return [" ", el("span", { class: "kb-lang", text: L.in_language.replace("{language}", name) })];
    }

    function list(items, q) {
      return el(
        "ul",
        { class: "kb-list" },
        ...items.map((r, i) =>
          el(
            "li",
            {},
            articleLink(r, i, q),
            ...languageBadge(r),
            el("span", { class: "kb-summary" }, ...(r.snippet ? snippet(r.snippet) : [r.summary || ""])),
          ),
        ),
      );
    }

    function answerCard(a) {
      if (!a || typeof a.text !== "string" || !a.text.trim()) return null;
      return el(
        "div",
        { class: "kb-answer", role: "note", "aria-label": L.answer },
        ...kbAnswerBlocks(a, el),
        el("p", { class: "kb-muted" }, L.from + " ", articleLink(a, 0, "")),
      );
    }

    function showResults(data, q) {
      const nodes = [];
      const card = answerCard(data.answer);
      if (card) nodes.push(card);
      const items = data.results || data.suggestions || [];
      // a search asking for a person ("talk to a human") is offered support first, as the
      // portal does; the articles still follow
      const person = data.contact === true && info && info.contact;
      // the offer below is the one "Contact support" button then: the home view's hides
      if (homeContact) homeContact.hidden = Boolean(person);
      if (person)
        nodes.push(
          el(
            "div",
            { class: "kb-person" },
            el("p", { text: L.person }),
            el("button", { type: "button", class: "kb-btn", text: L.contact, onclick: showContact }),
          ),
        );
      // below the confidence threshold the portal says so, and the search is a gap: so here
      else if (items.length && data.answered === false)
        nodes.push(el("p", { class: "kb-no-exact", text: L.no_exact.replace("{q}", q) }));
      if (items.length) nodes.push(el("h3", { class: "kb-sr", text: L.results }), list(items, q));
      else nodes.push(el("p", { class: "kb-muted", text: L.no_results }));
      // a keyboard user on a result keeps their place when the list is redrawn
      const links = () => [...results.querySelectorAll("a")];
      const at = links().indexOf(root.activeElement);
      results.replaceChildren(...nodes);
      if (at >= 0) (links()[at] || input).focus();
    }

    function showSuggestions() {
      const items = (info && info.suggestions) || [];
      results.replaceChildren(
        ...(items.length ? [el("h3", { text: L.suggested }), list(items, "")] : []),
      );
    }

    async function run(q, logged) {
      if (searchCtrl) searchCtrl.abort(); // a stale answer never overwrites a newer one
      searchCtrl = new AbortController();
      const signal = searchCtrl.signal;
      try {
        const data = logged
          ? await api("/search" + query({ q, ...where(), lang: LANG() }), { signal })
          : await api("/suggest" + query({ q, limit: 8, lang: LANG() }), { signal });
        if (logged) {
          lastLogged = q;
          const searches = (memory().searches || []).filter((s) => s.q !== q);
          const item = { q: q.slice(0, 200), hits: data.total | 0, answered: data.answered !== false };
          remember({ searches: [...searches, item].slice(-50) });
        }
        if (input.value.trim() === q) showResults(data, q);
      } catch (err) {
        if (!signal.aborted) results.replaceChildren(el("p", { class: "kb-error", text: err.message }));
      }
    }
    const settle = debounce((q) => q && q !== lastLogged && run(q, true), 700);
    const quick = debounce((q) => (q ? run(q, false) : showSuggestions()), 60);
    input.addEventListener("input", () => {
      const q = input.value.trim();
      remember({ q: input.value });
      quick(q);
      settle(q);
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const q = input.value.trim();
      if (q) run(q, true);
    });

    let homeContact = null; // the home view's "Contact support" button, if support is offered
    function showHome() {
      homeContact = info && info.contact
        ? el("button", { type: "button", class: "kb-btn kb-btn--quiet", text: L.contact, onclick: showContact })
        : null;
      if (homeContact) homeContact.hidden = Boolean(results.querySelector(".kb-person"));
      view("home", form, results, homeContact);
      input.focus();
    }

    /* ---------- reading an article ---------- */

    const DROP = "script,style,iframe,object,embed,form,input,button,select,textarea,link,meta,svg,math,nav.kb-crumbs,.kb-rating,.kb-cta,.kb-related,h1,.headerlink";
    // links to help-center articles open in the panel (data-article), anchors of this one
    // scroll (data-anchor), anything else opens in a new tab without a handle on this page
    function clean(html, base, links) {
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(DROP).forEach((n) => n.remove());
      for (const n of doc.body.querySelectorAll("*")) {
        for (const attr of [...n.attributes]) {
          const name = attr.name.toLowerCase();
          if (name.startsWith("on") || name === "style" || name === "srcset") n.removeAttribute(attr.name);
          else if (name === "href" || name === "src") {
            const url = new URL(attr.value, base);
            if (!/^(https?|mailto|tel):$/.test(url.protocol)) n.removeAttribute(attr.name);
            else n.setAttribute(attr.name, url.href);
          } else if (name === "id") n.setAttribute("id", "kb-a-" + attr.value);
        }
        if (n.tagName === "A" && n.hasAttribute("href")) {
          const url = new URL(n.getAttribute("href"));
          const article = url.origin === SITE && Object.hasOwn(links, url.pathname) ? links[url.pathname] : "";
          if (url.origin + url.pathname === new URL(base).href && url.hash) n.dataset.anchor = url.hash.slice(1);
          else if (article) {
            n.dataset.article = String(article);
            if (url.hash) n.dataset.anchor = url.hash.slice(1);
          } else {
            n.setAttribute("target", "_blank");
            n.setAttribute("rel", "noopener");
          }
        }
      }
      return [...doc.body.childNodes].map((n) => document.importNode(n, true));
    }

    // how: "new" (from a list: Back goes home), "link" (from another article: Back returns
    // to it) or "back"
    async function showArticle(id, anchor, how = "new") {
      const box = el("div", { class: "kb-article", "aria-busy": "true", tabindex: "-1" });
      if (how === "new") trail = [id];
      else if (how === "link") trail.push(id);
      view("article", box);
      remember({ article: id });
      try {
        const a = await api("/widget/articles/" + encodeURIComponent(id) + query({ lang: LANG() }));
        const url = siteUrl(a.url);
        const heading = el("h3", { class: "kb-title", text: a.title, tabindex: "-1" });
        box.replaceChildren(
          heading,
          ...clean(a.html, url, a.links || {}),
          rating(a),
          el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener", text: L.open_in_help_center })),
        );
        box.removeAttribute("aria-busy");
        box.addEventListener("click", (e) => {
          const link = e.target.closest("a[data-article], a[data-anchor]");
          if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
          e.preventDefault();
          if (link.dataset.article) return showArticle(link.dataset.article, link.dataset.anchor, "link");
          const to = box.querySelector("#" + CSS.escape("kb-a-" + link.dataset.anchor));
          if (to) to.scrollIntoView();
        });
        const viewed = (memory().viewed || []).filter((v) => v !== a.id);
        remember({ viewed: [...viewed, a.id].slice(-100) });
        if (how !== "back") send("/events/view", { id: a.id, src: "widget" });
        const target = anchor && box.querySelector("#" + CSS.escape("kb-a-" + anchor));
        heading.focus({ preventScroll: Boolean(target) }); // a reader starts at the title...
        if (target) target.scrollIntoView(); // ...shown the section the link named
        named.observe(heading);
      } catch (err) {
        box.replaceChildren(el("p", { class: "kb-error", text: err.message }));
        box.removeAttribute("aria-busy");
        box.focus();
      }
    }

    // a vote is remembered for the visit (sessionStorage), per revision: reopening the
    // article thanks the reader instead of asking again
    function rating(a) {
      const key = a.id + "@" + a.revision;
      const status = el("p", { role: "status", class: "kb-muted" });
      if (Object.hasOwn(memory().rated || {}, key)) {
        status.textContent = L.thanks;
        return el("div", { class: "kb-rate" }, status);
      }
      const three = info.ratings.scale === "three";
      const values = three ? [[3, "3"], [2, "2"], [1, "1"]] : [[1, L.yes], [0, L.no]];
      const best = three ? 3 : 1;
      const reasons = el(
        "form",
        { hidden: true },
        el("fieldset", {}, el("legend", { text: L.why }),
          ...info.ratings.reasons.map((r, i) =>
            el("label", { class: "kb-choice" }, el("input", { type: "radio", name: "reason", value: r, id: "kb-r" + i }), r),
          ),
        ),
        el("button", { type: "submit", class: "kb-btn", text: L.send }),
      );
      let chosen = null;
      const vote = async (value, reason) => {
        try {
          await api("/ratings", {
            method: "POST",
            body: { article_id: a.id, revision: a.revision, value, ...(reason ? { reason } : {}), ...where() },
          });
          status.textContent = L.thanks;
          const rated = Object.entries(memory().rated || {}).filter(([k]) => k !== key);
          remember({ rated: Object.fromEntries([...rated, [key, value]].slice(-100)) });
        } catch (err) {
          status.textContent = err.message;
        }
      };
      const buttons = values.map(([value, text]) =>
        el("button", {
          type: "button",
          class: "kb-btn kb-btn--quiet",
          "aria-pressed": "false",
          text,
          onclick: () => {
            chosen = value;
            buttons.forEach((b, i) => b.setAttribute("aria-pressed", String(values[i][0] === value)));
            reasons.hidden = value === best;
            vote(value, null);
          },
        }),
      );
      reasons.addEventListener("submit", (e) => {
        e.preventDefault();
        const picked = reasons.querySelector("input:checked");
        if (chosen !== null && picked) vote(chosen, picked.value).then(() => (reasons.hidden = true));
      });
      return el(
        "div",
        { class: "kb-rate" },
        el("fieldset", {}, el("legend", { text: L.helpful }), ...buttons),
        reasons,
        status,
      );
    }

    /* ---------- contact support ---------- */

    const EMAIL = /^[^@\s<>",;]+@[^@\s<>",;]+\.[^@\s<>",;.]{2,}$/;
    function problem(f) {
      const v = f.value.trim();
      if (!v) return f.required ? (f.tagName === "SELECT" ? L.choose : L.required) : "";
      if (f.type === "email" && !EMAIL.test(v)) return L.email;
      return "";
    }

    // what the visitor searched in the panel: the words in the box, else the last search
    function searched() {
      const past = memory().searches || [];
      return input.value.trim() || (past.length ? String(past[past.length - 1].q || "") : "");
    }

    function hoursText(h) {
      const days = h.days.map((d) => d[0].toUpperCase() + d.slice(1)).join(", ");
      return `${L.hours}: ${days} ${h.open}–${h.close} (${h.timezone})`;
    }

    async function showContact() {
      const box = el("div", { "aria-busy": "true" });
      view("contact", box);
      try {
        contactInfo = await api("/contact"); // asked each time: support may have come online
      } catch (err) {
        box.replaceChildren(el("p", { class: "kb-error", text: err.message }));
        return;
      }
      const c = contactInfo;
      const openedAt = performance.now();
      const draft = memory().draft || {};
      const status = el("div", { role: "status", tabindex: "-1" });
      const suggest = el("div", { "aria-live": "polite" });
      const fields = c.fields.map((f) => {
        const id = "kb-w-f-" + f.name;
        const control =
          f.type === "select"
            ? el("select", { id, name: f.name }, el("option", { value: "", text: L.topic }), ...c.topics.map((t) => el("option", { value: t, text: t })))
            : f.type === "textarea"
              ? el("textarea", { id, name: f.name, maxlength: f.max_length })
              : el("input", { id, name: f.name, type: f.type === "email" ? "email" : "text", maxlength: f.max_length, autocomplete: f.type === "email" ? "email" : f.name === "name" ? "name" : "off" });
        control.required = f.required;
        if (typeof draft[f.name] === "string") control.value = draft[f.name];
        else if (f.name === "subject") control.value = searched().slice(0, f.max_length);
        return { f, control, error: el("p", { class: "kb-error", id: id + "-e", hidden: true }) };
      });
      const honeypot = el("input", { name: "website", tabindex: "-1", autocomplete: "off", "aria-hidden": "true" });
      const submit = el("button", { type: "submit", class: "kb-btn", text: L.send });
      const cform = el(
        "form",
        { novalidate: true },
        ...fields.flatMap(({ f, control, error }) => [el("label", { for: control.id, text: f.label }), control, error]),
        el("div", { class: "kb-hp" }, honeypot),
        suggest,
        submit,
        status,
      );
      const online = el("p", { class: c.online ? "kb-online" : "kb-offline", text: c.online ? L.online : L.offline });
      const reply = c.response_time ? el("p", { class: "kb-muted", text: L.response.replace("{time}", c.response_time) }) : null;
      box.replaceChildren(
        ...(c.incident ? [el("p", { class: "kb-notice kb-notice--incident", role: "alert", text: c.incident })] : []),
        el("div", { class: "kb-notice" }, online, reply, el("p", { class: "kb-muted", text: hoursText(c.hours) })),
        cform,
      );
      box.removeAttribute("aria-busy");
      let started = false;
      const findSuggestions = debounce(async () => {
        const text = fields.filter(({ f }) => f.name === "subject" || f.name === "message").map(({ control }) => control.value.trim()).join(" ").slice(0, 200).trim();
        if (text.length < 4) return suggest.replaceChildren();
        try {
          const data = await api("/suggest" + query({ q: text, limit: 3, lang: LANG() }));
          // the articles that match it (`matches`), not the weaker ones after them, as the portal lists
          const items = data.answered ? data.suggestions.slice(0, Math.max(1, data.matches || 0)) : [];
          suggest.replaceChildren(...(items.length ? [el("p", { text: L.maybe }), list(items, "")] : []));
          suggest.querySelectorAll("a").forEach((a, i) =>
            a.addEventListener("click", () => send("/events/contact", { kind: "opened", id: items[i].id })),
          );
        } catch {
          suggest.replaceChildren();
        }
      }, 400);
      if (fields.some(({ f, control }) => f.name === "subject" && control.value.trim())) findSuggestions();
      cform.addEventListener("input", (e) => {
        if (e.target === honeypot) return;
        const values = {};
        fields.forEach(({ f, control }) => (values[f.name] = control.value));
        remember({ draft: values });
        if (!started) {
          started = true;
          send("/events/contact", { kind: "started" });
        }
        findSuggestions();
      });
      cform.addEventListener("submit", async (e) => {
        e.preventDefault();
        let first = null;
        for (const { control, error } of fields) {
          const p = problem(control);
          error.textContent = p;
          error.hidden = !p;
          if (p) {
            control.setAttribute("aria-invalid", "true");
            control.setAttribute("aria-describedby", error.id);
          } else control.removeAttribute("aria-invalid");
          first = first || (p ? control : null);
        }
        if (first) {
          status.replaceChildren(el("p", { class: "kb-error", text: L.invalid }));
          first.focus();
          return;
        }
        submit.setAttribute("aria-disabled", "true");
        status.replaceChildren(el("p", { text: L.sending }));
        const payload = { website: honeypot.value, context: { searches: memory().searches || [], viewed: memory().viewed || [] }, ...where() };
        fields.forEach(({ f, control }) => (payload[f.name] = control.value.trim()));
        const early = (c.min_fill_seconds || 0) * 1000 - (performance.now() - openedAt);
        if (early > 0) await new Promise((r) => setTimeout(r, early + 250));
        payload.elapsed_ms = Math.round(performance.now() - openedAt);
        try {
          const data = await api("/contact", { method: "POST", body: payload });
          remember({ draft: {} });
          cform.replaceChildren(
            el("p", { class: "kb-ref" }, L.reference + " ", el("strong", { text: data.reference })),
            // the API's message says the response time again, when it is said above the form
            el("p", { text: reply ? L.received : data.message }),
          );
          cform.append(status);
          status.replaceChildren();
          cform.querySelector(".kb-ref").setAttribute("tabindex", "-1");
          cform.querySelector(".kb-ref").focus();
        } catch (err) {
          const mail = err.down && c.mailto ? el("a", { href: "mailto:" + c.mailto, text: c.mailto }) : null;
          status.replaceChildren(el("p", { class: "kb-error" }, err.message, mail ? " " : "", mail));
          const details = (err.body && err.body.details) || [];
          for (const d of details) {
            const hit = fields.find(({ f }) => f.name === d.field);
            if (hit) {
              hit.error.textContent = d.message;
              hit.error.hidden = false;
              hit.control.setAttribute("aria-invalid", "true");
            }
          }
          status.focus();
        } finally {
          submit.removeAttribute("aria-disabled");
        }
      });
      (fields[0] ? fields[0].control : submit).focus();
    }

    /* ---------- open and close ---------- */

    async function show(place, opener) {
      returnTo = opener && opener !== root.host && opener !== document.body ? opener : button;
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      const wanted = { context, host: location.href.split(/[?#]/)[0], ...place };
      try {
        info = await api("/widget" + query({ host: wanted.host, context: wanted.context, category: place.category, query: place.query, lang }));
      } catch (err) {
        labelAll();
        view("home", el("p", { class: "kb-error", text: err.message }));
        close.focus();
        return;
      }
      L = info.labels;
      labelAll();
      searchLabel.textContent = L.search;
      input.placeholder = L.placeholder;
      const saved = memory();
      if (place.article) return showArticle(String(place.article));
      const q = place.query || (info.place && info.place.query) || saved.q || "";
      input.value = q;
      showHome();
      if (q.trim()) run(q.trim(), Boolean(place.query || (info.place && info.place.query)));
      else showSuggestions();
      if (!place.query && !place.category && saved.view === "contact") showContact();
    }

    function hide() {
      if (panel.hidden) return;
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      const to = returnTo && returnTo.isConnected ? returnTo : button;
      to.focus();
    }

    return { open: show, close: hide };
  });
})();
