"""Search snippets are whole sentences: never table cells or headings run into prose."""

from __future__ import annotations

import re
from pathlib import Path

from kb_builder.build import BuildReport
from kb_builder.index.fields import parts
from kb_builder.index.writer import build_index
from kb_builder.plaintext import plain_text
from kb_core.config import load_config
from kb_core.search.searcher import MATCH_SHARE, Searcher
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.snippets import sentences, snippet
from kb_core.search.text.tables import without_labels
from tests.conftest import ROOT
from tests.test_search import doc

REFUNDS = """We want you to pay only for Tandem you use. This page explains when we refund payments.

## When you can get a refund

| Situation | Refund? |
|---|---|
| You were charged twice for the same period | Yes, always, whenever you notice it. |
| You cancel a monthly plan | No, but you keep your paid features. |
"""


def test_table_rows_keep_their_cells_apart_in_plain_text() -> None:
    """Each row under a table's header says which column each of its cells is in: a row
    quoted alone (a snippet, an answer card) reads "Refund: Yes", not a bare "Yes". The
    header row stays, once, as its cells."""
    text = plain_text(REFUNDS)
    assert (
        "\n Situation · Refund?"
        "\n Situation: You were charged twice for the same period · "
        "Refund: Yes, always, whenever you notice it."
        "\nSituation: You cancel a monthly plan · Refund: No, but you keep your paid features."
    ) in text
    assert "---" not in text and "|" not in text and "—" not in text


PLANS = """| | **Free** | Pro |
|:--|:-:|--:|
| **Price** | $0 | [$12](pricing.md) per user |
| SSO | | Yes |
| Support | Email | Chat | 24/7 |

Not a table:

| just | cells |
"""


def test_a_row_names_its_cells_by_the_headers_of_their_columns() -> None:
    """A cell under an empty header (the row's own label) and a cell past the last header
    stand alone, an empty cell is left out, a header's markup goes as the text's does; lines
    between pipes without the line under a header are cells only."""
    lines = plain_text(PLANS).split("\n")
    assert [line.strip() for line in lines if " · " in line] == [
        "Free · Pro",
        "Price · Free: $0 · Pro: $12 per user",
        "SSO · Pro: Yes",
        "Support · Free: Email · Pro: Chat · 24/7",
        "just · cells",
    ]


def test_the_index_weighs_a_tables_header_once() -> None:
    """The index's body text is the table without the labels of its rows (the header row
    says them once): a column "Minimum version" must not count "version" once a row."""
    text = plain_text(REFUNDS)
    body = parts(doc("refunds", "Refunds", text))["body"]
    assert body.count("Situation") == 1 and body.count("Refund") == 1
    assert "\n You were charged twice for the same period · Yes, always" in body
    assert without_labels(body) == body
    assert without_labels("no table · here") == "no table · here"


def test_snippet_is_the_sentence_with_the_query_words() -> None:
    finder = WordFinder([["charged", "charg"], ["twice"]])
    got = snippet(plain_text(REFUNDS), finder)
    assert got == (
        "Situation: You were <mark>charged</mark> <mark>twice</mark> for the same period · "
        "Refund: Yes, always, whenever you notice it."
    )


TIMESHEETS = """Flagged entries need a look before you approve them.

| Flag | What to check |
|------|---------------|
| **Missing clock-out** | The entry was closed by automatic clock-out. Enter the real end time. |
| **No shift** | The person clocked in without a scheduled shift. |
"""


def test_a_snippet_from_a_table_row_quotes_the_row_with_its_headers() -> None:
    """A row is one unit of a snippet, as of a card: words in its last cell's second sentence
    show the whole row, headers and all, not "Enter the real end time." alone; the next row
    does not run on after it."""
    got = snippet(plain_text(TIMESHEETS), WordFinder([["end"], ["time"]]))
    assert got == (
        "Flag: Missing clock-out · What to check: The entry was closed by automatic "
        "clock-out. Enter the real <mark>end</mark> <mark>time</mark>."
    )
    got = snippet(plain_text(TIMESHEETS), WordFinder([["flagged"]]))
    assert got == "<mark>Flagged</mark> entries need a look before you approve them."


def test_snippet_never_runs_a_sentence_into_a_heading_or_table_header() -> None:
    got = snippet(plain_text(REFUNDS), WordFinder([["refund"]]))
    assert got == "This page explains when we <mark>refund</mark> payments."
    assert "Situation" not in got


def test_sentences_split_lines_and_full_stops() -> None:
    assert sentences("One here. Two there!\nA heading\n") == [
        "One here.",
        "Two there!",
        "A heading",
    ]


ADMONITION = """We reply within one business day. Once a refund is approved, you get a credit note.

!!! warning "Please talk to us before disputing a charge"
    If you ask your bank to reverse a charge, the subscription is paused.

!!! tip inline end "Tip"
    Ask us first.
"""


def test_an_admonition_title_is_a_label_not_a_quoted_sentence() -> None:
    """The title of `!!! warning "..."` is its own line without quotes: a label, so a snippet
    (and an answer card) stops before it rather than quoting it as part of the text."""
    text = plain_text(ADMONITION)
    assert "\n Please talk to us before disputing a charge\n" in text
    assert '"' not in text and "inline end" not in text and "warning" not in text
    got = snippet(text, WordFinder([["credit"], ["note"]]))
    assert got.endswith("you get a <mark>credit</mark> <mark>note</mark>.")


def test_a_title_before_a_sentence_ends_as_one_in_a_snippet() -> None:
    """A snippet starting at a note's title read "Please talk to us before disputing a
    charge If you ask your bank…": the title now ends as a sentence before the text goes on;
    a line that ends as a sentence is left as it is."""
    got = snippet(plain_text(ADMONITION), WordFinder([["disput"], ["charg"]]))
    assert got == (
        "Please talk to us before <mark>disputing</mark> a <mark>charge</mark>. If you ask "
        "your bank to reverse a <mark>charge</mark>, the subscription is paused."
    )
    asked = "How do I dispute a charge?\nAsk your bank to reverse the charge first."
    assert snippet(asked, WordFinder([["disput"], ["charg"]])).startswith(
        "How do I <mark>dispute</mark> a <mark>charge</mark>? Ask your bank"
    )


def test_a_synonym_phrase_is_marked_only_whole(example_build: tuple[Path, BuildReport]) -> None:
    """ "how long does a refund take" marked "Refunds go <mark>back</mark>" and "Not enough
    <mark>money</mark>": 'money back' is a synonym phrase of 'refund', and its words were
    marked wherever each stood. They are marked together, as the phrase ("30-day
    <mark>money</mark>-<mark>back</mark> guarantee"), and a snippet is no longer chosen for
    one of them alone. A typed phrase of a synonym group is shown whole too."""
    config, _ = load_config(ROOT / "site_config.yml")
    with Searcher(example_build[0] / "index" / "public", synonyms=config.synonyms_for()) as en:
        found = en.search("how long does a refund take").results
        typed = en.search("money back guarantee").results
    snippets = [h.snippet.lower() for h in found]
    assert "<mark>refunds</mark> go back to" in snippets[0]
    assert not any(marked_alone(s, w) for s in snippets for w in ("money", "back")), snippets
    for s in (h.snippet.lower() for h in typed):
        assert not any(marked_alone(s, w) for w in ("money", "back")), s
    assert any("<mark>money</mark>-<mark>back</mark>" in h.snippet.lower() for h in typed)
    # the words a phrase is said with may hold a stop word: "mot de passe" for mot, pass
    finder = WordFinder(
        [["password", ("mot", "pass")]],
        lambda w: [w.removesuffix("e")],  # a stemmer's "passe": "pass"
        lambda w: w == "de",
    )
    said = "Changez de mot de passe, mot après mot."
    assert [said[a:b] for a, b, _ in finder.words(said)] == ["mot", "passe"]


def test_clauses_in_each_is_clauses_in_of_each_text() -> None:
    """One search over the texts joined gives, text by text, what one search each gives:
    a stem at a text's start, one running into the next text, a longer stem of another
    clause at the same place, an empty text, letters whose lower case is longer."""
    finder = WordFinder([["log", "logg"], ["login"], ["reset", "rese"], ["İstanbul"]])
    texts = [
        "Log in",
        "",
        "blog post",
        "catalog",
        "login page reset",
        "İstanbul office: logging",
        "re",
        "set",
        "RESETTING",
    ]
    each = finder.clauses_in_each(texts)
    assert each == [finder.clauses_in(t) for t in texts]
    assert each[0] == {0} and each[2] == set() and each[4] == {0, 1, 2} and each[8] == {2}
    assert finder.clauses_in_each(texts[4:5]) == [{0, 1, 2}]
    assert finder.clauses_in_each(texts, {1, 2}) == [found & {1, 2} for found in each]
    assert finder.clauses_in_each(texts[4:5], {0}) == [{0}]


def test_first_is_where_find_starts() -> None:
    finder = WordFinder([["refund"], ["charg"]])
    for text in ("You were charged; refunds follow.", "No match here.", "Refund", ""):
        found = finder.find(text)
        assert finder.first(text) == (found[0][0] if found else None)


def test_sentences_of_spaced_and_unspaced_lines() -> None:
    """A line splits only where a full stop, question or exclamation mark is followed by
    space and a capital or digit, whatever the spaces were."""
    text = "One.\tTwo?  3 apples!\u00a0Four\n  \n e.g. not split.Here\nwhy?no\nA . B"
    assert sentences(text) == [
        "One.",
        "Two?",
        "3 apples!",
        "Four",
        "e.g. not split.Here",
        "why?no",
        "A .",
        "B",
    ]


def test_sentences_are_those_of_each_line() -> None:
    """sentences() splits the whole text at once: the same as splitting line by line."""
    import random
    import re

    end = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-Z0-9])")

    def line_by_line(text: str) -> list[str]:
        return [p for line in text.splitlines() for p in end.split(" ".join(line.split())) if p]

    rng = random.Random(3)
    pieces = [
        "a",
        "Bc",
        "9",
        ".",
        "!",
        "?",
        " ",
        "  ",
        "\t",
        "\n",
        "\n\n",
        "\r\n",
        "\u2028",
        '"',
        "“",
        "(",
        "\x0c",
        "é",
    ]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        assert sentences(text) == line_by_line(text), repr(text)


def test_marks_are_whole_words_of_the_query_not_words_it_begins() -> None:
    """ "app" marks "app" and "apps" (its stem), never "appear", "Apple" or "approved"; a
    stem's own forms ("charged", "charges") still are marked, and so is a typed word."""
    from kb_core.search.text.analysis import Analyzer

    terms = Analyzer("en").word_terms
    text = (
        "Open the Tandem app. Shifts appear in Apple Calendar once approved. "
        "Both apps are free. You were charged, and charges appear on the invoice."
    )
    got = snippet(text, WordFinder([["app", "app"]], terms), width=400)
    assert re.findall(r"<mark>(.*?)</mark>", got) == ["app", "apps"]
    got = snippet(text, WordFinder([["charged", "charg"]], terms), width=400)
    assert re.findall(r"<mark>(.*?)</mark>", got) == ["charged", "charges"]
    # without the analyser's terms, every word a stem begins (what ranking counts)
    assert len(WordFinder([["app"]]).find(text)) == 6


def test_the_example_marks_only_forms_of_app(example_build: tuple[Path, BuildReport]) -> None:
    """On the built example, the snippets of "app" mark "app"/"apps" only (before: "appear",
    "approved", "approximate" in the first ten results)."""
    build, _ = example_build
    with Searcher(build / "index" / "public") as searcher:
        found = searcher.search("app", limit=10)
    marked = {
        m.lower() for h in found.results for m in re.findall(r"<mark>(.*?)</mark>", h.snippet)
    }
    assert marked and marked <= {"app", "apps"}, marked


def test_the_count_is_of_the_results_that_match_well(
    example_build: tuple[Path, BuildReport],
) -> None:
    """A question of eight words has some word in nearly every article of the example (35):
    "total" says so, "matches" counts the results scoring at least half the best one's."""
    build, _ = example_build
    with Searcher(build / "index" / "public") as searcher:
        found = searcher.search("how can I change the time zone of my team schedule", limit=10)
    assert found.total >= 30
    assert 1 <= found.matches < len(found.results) == 10
    best = found.results[0].score
    assert all(h.score >= MATCH_SHARE * best for h in found.results[: found.matches])
    assert all(h.score < MATCH_SHARE * best for h in found.results[found.matches :])


def test_french_rows_put_a_narrow_no_break_space_before_the_colon(
    example_build: tuple[Path, BuildReport],
) -> None:
    """On /fr/ a table row's snippet read "Signalement: Départ manquant", English punctuation
    in French text; French typography puts a narrow no-break space before the colon. The
    English articles the French portal shows untranslated, and the English portal, keep ": "."""
    index = example_build[0] / "index"
    with Searcher(index / "fr" / "public") as fr, Searcher(index / "public") as en:
        flagged = fr.search("départ manquant").results
        reason = fr.search("incorrect billing address").results
        english = en.search("incorrect billing address").results
    row = next(h.snippet for h in flagged if h.id == "approve-timesheets")
    assert row.startswith("Signalement\u202f: Départ <mark>manquant</mark> · À vérifier\u202f: ")
    for results in (reason, english):
        shown = next(h.snippet for h in results if h.id == "failed-payments")
        assert shown.startswith("Reason shown: <mark>Incorrect</mark>"), shown
    text = plain_text(REFUNDS, "fr")
    assert "Situation\u202f: You were charged twice" in text  # "Refund?" is the label "Refund"
    assert "Refund\u202f: Yes, always" in text


def marked_alone(snippet: str, word: str) -> bool:
    """Whether ``snippet`` marks ``word`` with no marked word right before or after it."""
    mark = f"<mark>{word}</mark>"
    return any(
        not snippet[: m.start()].endswith(("</mark> ", "</mark>-"))
        and not snippet[m.end() :].startswith((" <mark>", "-<mark>"))
        for m in re.finditer(re.escape(mark), snippet)
    )


def test_a_stop_word_is_marked_only_within_a_phrase_of_the_query(
    example_build: tuple[Path, BuildReport],
) -> None:
    """ "mot de passe oublié" on /fr/ marked every "de" of the French articles it found, and
    "can't sign in" every "in" of the English ones ("ask an Admin in your workspace"): a stop
    word of a phrase ("mot de passe", "sign in") is marked where it goes on from the marked
    word before it, never alone. "not" (the negation "can't" says) is a word."""
    config, _ = load_config(ROOT / "site_config.yml")
    index = example_build[0] / "index"
    with Searcher(index / "fr" / "public", synonyms=config.synonyms_for("fr")) as fr:
        french = fr.search("mot de passe oublié").results
        planner = fr._ranker.planner
    assert [h.id for h in french[:3]] == [
        "reset-password",
        "clock-in-and-out",
        "approve-timesheets",
    ]
    assert "<mark>password</mark>" in french[0].snippet
    for hit in french:
        assert not marked_alone(hit.snippet.lower(), "de"), (hit.id, hit.snippet)
    phrase = WordFinder([["mot", "de", "passe", "pass"]], planner.word_terms, planner.says_nothing)
    said = "Changez de mot de passe."
    assert [said[a:b] for a, b, _ in phrase.words(said)] == ["mot", "de", "passe"]
    with Searcher(index / "public", synonyms=config.synonyms_for()) as en:
        english = [h.snippet.lower() for h in en.search("can't sign in").results]
    assert not any(marked_alone(s, "in") for s in english), english
    assert any("<mark>sign</mark> <mark>in</mark>" in s for s in english)
    assert any(marked_alone(s, "not") for s in english)


def test_a_long_article_is_stored_cut_at_a_line_so_its_snippet_ends_a_word(
    tmp_path: Path,
) -> None:
    """The index keeps the first 2,000 characters of an article for its snippets; cut at
    exactly that, "The new owner gets an email…" was stored, and shown, as "The new owner
    gets an emai". The stored text ends at a line's end, its snippet at a word's."""
    filler = "".join(
        f"{n}. Open the schedule and check the shifts of week {n:02}.\n" for n in range(30)
    )
    last = "The new owner gets an email and must click Accept ownership within 7 days."
    cut = 2_000 - len(filler) - last.index("email") - 4  # the limit falls inside "email"
    body = filler + "x" * cut + "\n" + last + "\nMore text after it."
    build_index([doc("owners", "Roles", body)], tmp_path / "index")
    with Searcher(tmp_path / "index") as searcher:
        (hit,) = searcher.search("new owner gets", limit=1).results
    shown = re.sub(r"</?mark>", "", hit.snippet).rstrip("…")
    assert "emai" not in shown or "email" in shown, hit.snippet
    assert shown.split()[-1] in body.split(), hit.snippet


def test_a_snippet_ends_at_a_word_before_a_long_one() -> None:
    """A sentence longer than the snippet, with a long word (a URL) over its second half: the
    snippet was cut inside the word; it ends before it."""
    url = "https://example.com/" + "very-long-path-segment/" * 6
    text = f"Refund requests go to billing at {url} and are answered within two days."
    shown = snippet(text, WordFinder([["refund"]]), width=100)
    assert shown.endswith("at…"), shown
