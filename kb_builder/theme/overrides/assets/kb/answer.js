/* kb-portal: an answer card's quoted lines as paragraphs, and its table rows as a small table.
 * `a.lines` (kb_core.search.answer.Answer.lines) says what each line of `a.text` is: "text",
 * "header" (a table's header row), "row" (cells split by " · ") or "more" (rows left out). A
 * card without it (an older API, a card cached before) is all paragraphs. Text goes in as
 * textContent, never markup. Loaded by the portal before kb.js; the widget's panel.js gets it
 * inlined by kb_builder/widget.py, so this one file serves both. */
function kbAnswerBlocks(a, el) {
  const text = a.text.split("\n");
  const kinds = Array.isArray(a.lines) && a.lines.length === text.length ? a.lines : [];
  const row = (t, tag) => el("tr", {}, ...t.split(" · ").map((c) => el(tag, { text: c.trim() })));
  const nodes = [];
  let table = null;
  text.forEach((t, i) => {
    const kind = kinds[i] || "text";
    // a header row only heads rows that follow it; alone it is a line like the others
    const tabled = kind === "row" || kind === "more" || (kind === "header" && kinds[i + 1] === "row");
    if (!tabled || !t.trim()) {
      table = null;
      if (t.trim()) nodes.push(el("p", { text: t.trim() }));
      return;
    }
    if (!table) nodes.push((table = el("table", { class: "kb-answer__table" })));
    if (kind === "header") table.append(el("thead", {}, row(t, "th")));
    else if (kind === "more") table.append(el("tr", { class: "kb-answer__more" }, el("td", { text: t, colspan: "9" })));
    else table.append(row(t, "td"));
  });
  return nodes;
}
