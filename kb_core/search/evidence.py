"""The query's evidence in a candidate article besides its BM25F score: neighbouring query
words together in its title or summary, keyword phrases and section headings the query says
word for word, and the share of the query one of its section headings says."""

from __future__ import annotations

from typing import Any

from kb_core.search.text.analysis import phrase_terms, remembered
from kb_core.search.text.finder import WordFinder
from kb_core.search.text.plan import QueryPlanner

# Bonus when two neighbouring query words appear in this order, at most about two words apart,
# in the title or the summary.
PHRASE_IN_TITLE = 1.0
PHRASE_IN_SUMMARY = 0.5
# Bonus for each of an article's keywords of two words or more that the query says word for
# word: writers put the phrases customers use there ("can't log in", "locked out").
KEYWORD_PHRASE = 2.0
# The same bonus when the query says one of an article's section headings word for word, stop
# words included ("why can't I see the billing page?" holds "Can't see the billing page?"),
# and the heading has HEADING_MIN_WORDS words or more besides stop words: a writer's heading
# is a phrase customers use too. Without it a near-exact heading counted as a few words of
# the headings field, and the rerank by meaning could put another article first.
HEADING_PHRASE = KEYWORD_PHRASE
HEADING_MIN_WORDS = 2
# Section evidence: the share of the query (each typed word weighed by its idf) that one of an
# article's section headings says and its title does not, for a heading holding
# HEADING_MATCH_MIN typed words or more. A long FAQ or troubleshooting page answers many
# questions, one a heading ("Stats stopped after migrating or cloning your WordPress site"),
# and BM25F reads all its headings as one long field, so a heading saying nearly the whole
# query counted for little against a short article sharing two of its words. The share adds
# HEADING_WORDS to the lexical score and, when meaning reorders the candidates,
# HEADING_MEANING to the fused one (where a lexical score counts for 1 - SEMANTIC_WEIGHT;
# of the RERANK_DEPTH lexical candidates).
# Whether the ranking is unsure (SEMANTIC_GATE) is judged without it: the heading reorders
# what the words found, and must not keep meaning from looking. Chosen on the training sets
# (stackfaq group 0, bench/queries/search_train, typos_train, answers_train, search_train2,
# the example's). Words the article's title holds count nothing here (the title scores
# them already), or a page with a heading "Custom properties for events" would gain on the
# article titled "Custom properties"; two-word queries get nothing: tried, they lost
# "sites api" to a page with a heading of those words, and a heading they say word for
# word gets HEADING_PHRASE.
HEADING_MATCH_MIN = 2
HEADING_MATCH_QUERY = 3  # typed words: a two-word query's heading is a phrase (HEADING_PHRASE)
HEADING_WORDS = 1.0
HEADING_MEANING = 0.2
# Landing pages (kb_builder.index.hubs: an index page, or one mostly of links to articles)
# introduce the articles that answer, and their short text and broad title hold the words of
# every question of their category. Among the lexical candidates a hub's score counts
# HUB_LEXICAL of itself, so an article scoring more than that share of it comes first; when
# meaning reorders the candidates, a hub's fused score loses HUB_MEANING (its title and lead
# are near every question of the category). A hub whose title holds every typed word is what
# the query names ("duck player", "c language reference") and keeps its score: without that
# rule, cpp-docs' 70 hubs (Microsoft Learn's lists of links) were found first by their own
# titles 16 times in 70 instead of 62. Chosen on the training sets (duckduckgo-help, the only
# one with hubs: 28 of its 261 articles): 0.4-0.6 and 0.05-0.2 gain the same top hits and
# lose none; 0.3 loses "youtube videos show ads and recommendations".
HUB_LEXICAL = 0.5
HUB_MEANING = 0.1


def proximity(
    fields: dict[str, Any],
    finder: WordFinder,
    said: dict[str | None, str],
    planner: QueryPlanner,
) -> float:
    """Bonus for neighbouring query words that appear together, in order, for keyword
    phrases the query (``said``: its phrase terms, space-padded, in each language of the
    index: :meth:`QueryPlanner.said`) contains, and for a section heading it contains."""
    in_title = finder.pairs_in(fields.get("title", ""))
    in_summary = finder.pairs_in(fields.get("summary", "")) - in_title
    text = said.get(fields.get("language")) or said[None]
    keywords = sum(1 for p in fields.get("phrases", ()) if f" {p} " in text)
    return (
        PHRASE_IN_TITLE * len(in_title)
        + PHRASE_IN_SUMMARY * len(in_summary)
        + KEYWORD_PHRASE * keywords
        + (HEADING_PHRASE if _says_heading(fields, text, planner) else 0.0)
    )


def heading_share(fields: dict[str, Any], finder: WordFinder, shares: list[float]) -> float:
    """The share of the query (``shares``: each typed clause's idf share) that the article's
    section heading saying most of it says and its title does not, counting only headings
    holding HEADING_MATCH_MIN typed clauses or more; 0 for a query of fewer than
    HEADING_MATCH_QUERY typed clauses."""
    sections = fields.get("sections") or ()
    if len(shares) < HEADING_MATCH_QUERY or not sections:
        return 0.0
    typed = range(len(shares))
    titled = finder.clauses_in(fields.get("title", ""))
    best = 0.0
    for found in finder.clauses_in_each([h for _, h, _ in sections], typed):
        if len(found) >= HEADING_MATCH_MIN:
            best = max(best, sum(shares[i] for i in found - titled))
    return best


def _says_heading(fields: dict[str, Any], text: str, planner: QueryPlanner) -> bool:
    """Whether the query (``text``: its phrase terms, space-padded, in the article's language)
    says one of the article's section headings of HEADING_MIN_WORDS words or more (not
    counting stop words) word for word."""
    language = fields.get("language")
    mine = next((p for p in planner.others if p.analyzer.language == language), planner)
    stop = mine.analyzer.stop_words

    def phrase(heading: str) -> tuple[str, ...]:  # its phrase, when it has words enough
        terms = phrase_terms(mine.keys, heading)
        words = sum(1 for t in terms.split() if t not in stop)
        return (f" {terms} ",) if words >= HEADING_MIN_WORDS else ()

    for _, heading, _ in fields.get("sections") or ():
        # kept: the same articles' headings come up query after query (0.5 ms a search)
        found = remembered(mine.headings, heading, phrase)
        if found and found[0] in text:
            return True
    return False
