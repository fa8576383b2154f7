"""Suggested actions of ``kb gaps``: what a writer should do about each gap, and why.

Every action is one sentence for people plus the fields a script needs (article, source file,
proposed title, terms to add, queries to answer). Kinds: ``write`` a new article,
``translate`` an article of the default language that answers searches made in another
(its portal shows it untranslated), ``add-keyword`` to an existing one (make it
recognisable), ``add-synonym`` to
``search.synonyms``, ``improve`` an article searchers were shown and still wrote to support,
``rewrite`` (unhelpful articles) and ``review`` (stale ones; both built in ``gaps``).

An existing article is named only when it is about the search (``Advisor.about`` in
``gaps_advisor``: by meaning, from the shipped sentence model); otherwise the advice is a new
article, titled after the topic of the group's clearest query (``gaps_words``, ``gaps_topic``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kb_core.search.person import asks_for_person
from kb_reports.gaps import translations
from kb_reports.gaps.advisor import Advisor
from kb_reports.gaps.model import Action, FailedGroup, StubStatus, WeakGroup
from kb_reports.gaps.terms import words_of
from kb_reports.gaps.translations import InDefault, Untranslated
from kb_reports.gaps.words import EXAMPLES, Vocabulary, quote, readable_title

READ_AFTER_SHARE = 0.2  # share of a group's visitors who must read one article to suggest it

# (query as searched, its portal's language or None) -> (top article shown, the query search
# corrected it to, if any)
Shown = Callable[[str, str | None], tuple[str | None, str | None]]


CONTACT_US = "How to contact us"


def suggest(
    advisor: Advisor,
    typo_queries: set[str],
    failed: Sequence[FailedGroup],
    weak: Sequence[WeakGroup],
    stubs: Sequence[StubStatus],
    shown: Shown,
    default_language: str = "",
    in_default: InDefault | None = None,
    untranslated: Untranslated | None = None,
    languages: Sequence[str] = (),
) -> None:
    """Attach a suggested action to each failed and weak group given (``languages``: the
    site's, the default first).

    Failed searches, in this order of evidence: a draft already written for them (finish
    it); in another language than the default, an article the default language's search
    answers them with, or their own portal now answers them with untranslated (translate
    it); an article about them that visitors read after
    finding nothing (add the searched words to its keywords); in the default language, a real
    searched word that means the same as an article's word (add a synonym); else write a new
    article, titled after the clearest query. Weak searches: the article search showed, when
    it is about the search (improve it when its readers still wrote to support, else make it
    recognisable); in another language than the default, when their own portal showed them
    an article untranslated, translate it; else translate one the default language's search
    answers them with, or write one. A new article for searches made in another language than
    ``default_language`` is asked for in theirs.
    """
    translation = translations.translation(advisor, in_default, default_language)
    catalog, vocab = advisor.catalog, advisor.vocab
    stub_of: dict[str, StubStatus] = {}
    for s in stubs:
        for q in s.queries:
            stub_of.setdefault(q, s)
    for g in failed:
        clean = [q for q, _ in g.queries if q not in typo_queries and vocab.is_clean(q)]
        speech = g.language or default_language or None  # the language its words are read in
        # a group of several languages is named by a search of its own: "payer en bitcoin
        # hier" titles no English group
        own = [q for q in clean if speech is None or _may_be(q, speech, languages)]
        label = (own or clean)[0] if clean else g.label
        stub = next((stub_of[q] for q, _ in g.queries if q in stub_of), None)
        if stub is not None:
            _finish(g, stub, stubs, clean)
            continue
        if asks_for_person(label, g.language or default_language or "en"):
            g.action = _contact_us(clean or [label])
            continue
        found = translation(clean or [g.label], g.language, "found nothing")
        found = found or translations.now_untranslated(
            advisor, g, clean, untranslated, default_language
        )
        if found is not None:
            g.action = found
            continue
        top = g.read_after[0] if g.read_after else None
        a = catalog.articles.get(top[0]) if top else None
        if (
            top
            and a is not None
            and top[1] >= 2
            and top[1] >= READ_AFTER_SHARE * g.visitors
            and advisor.about(label, a)
        ):
            terms = [vocab.topic.phrase(q, speech) for q in (clean or [label])[:3]]
            g.action = Action(
                "add-keyword",
                f"Add {quote(terms[0])} to the keywords of {quote(a.title)} ({a.source}): "
                f"{top[1]} of {g.visitors} visitors who found nothing read it next.",
                article_id=a.id,
                source=a.source,
                terms=tuple(dict.fromkeys(terms)),
            )
            continue
        language = translations.other_language(g.language, default_language)
        # the advisor's words are the default language's articles' (its stemmer, its model):
        # a search of another language's portal is answered by that language's content, and
        # an English synonym of a French word ("excel" ~ "spreadsheet") fixes nothing there;
        # a word of the customer's circumstances ("month" of "last month") is no synonym
        near = None if language else advisor.synonym(vocab.topic.words(clean, speech))
        if near is not None:
            a = near.article
            g.action = Action(
                "add-synonym",
                f"Add [{near.article_word}, {near.searched}] to search.synonyms in "
                f"site_config.yml (or {quote(near.searched)} to the keywords of "
                f"{quote(a.title)}, {a.source}).",
                article_id=a.id,
                source=a.source,
                terms=(near.article_word, near.searched),
            )
            continue
        g.action = _write(label, clean or [label], language, g.examples, vocab, speech)
        # its article drafted with the translation another portal's group asked for
        drafted = next((s for s in stubs if not language and s.article_id == _slug(g)), None)
        if drafted is not None:
            _finish(g, drafted, stubs, clean)
    for w in weak:
        translate = translations.shown_untranslated(advisor, w, untranslated, default_language)
        if translate is not None:
            w.action = translate
            continue
        w.action = _weak_action(advisor, w, shown, default_language)
        if w.action.kind == "write" and (found := translation(w.action.queries, w.language)):
            w.action = found


def _finish(
    g: FailedGroup, stub: StubStatus, stubs: Sequence[StubStatus], clean: Sequence[str]
) -> None:
    """Ask to finish the draft ``--stub`` wrote for ``g`` (and its translation's)."""
    g.stub = stub.path
    state = "published" if stub.published else "still a draft"
    g.action = Action(
        "write",
        f"Finish {_drafts(stub, stubs)} ({state}); it answers {quote(g.label)}.",
        article_id=stub.article_id,
        source=stub.path,
        title=stub.title,
        queries=tuple((clean or [g.label])[:EXAMPLES]),
    )


def _slug(g: FailedGroup) -> str:
    """The id ``--stub`` gives the article ``g``'s action asks for."""
    from kb_reports.gaps.loop import slug

    title = g.action.title if g.action and g.action.title else g.label
    return slug(title[:1].upper() + title[1:])


def _drafts(stub: StubStatus, stubs: Sequence[StubStatus]) -> str:
    """The drafts ``--stub`` wrote for one article: a translation's (``<id>.<language>.md``)
    with the draft of its default-language article, to finish first."""
    from kb_core.i18n import language_name

    def folder(path: str) -> str:
        return path.rsplit("/", 1)[0] + "/" if "/" in path else ""

    name, *rest = stub.path.rsplit("/", 1)[-1].split(".")
    if len(rest) > 1:
        original, translation = f"{folder(stub.path)}{name}.md", stub.path
    else:
        original = stub.path
        other = [
            s.path
            for s in stubs
            if s.article_id == stub.article_id
            and s.path.startswith(f"{folder(stub.path)}{name}.")
            and s.path != stub.path
        ]
        if not other:
            return f"the draft {stub.path}"
        translation = other[0]
    code = translation.rsplit("/", 1)[-1].split(".")[1]
    return f"the drafts {original} and its {language_name(code, 'en')} translation {translation}"


def _may_be(query: str, language: str, languages: Sequence[str]) -> bool:
    """True when every word of ``query`` may be a word of ``language``, of the site's."""
    from kb_core.search.languages import languages_of

    if len(languages) < 2 or language not in languages:
        return True
    return all(language in languages_of(w, languages) for w in words_of(query))


def _write(
    label: str,
    queries: Sequence[str],
    language: str | None = None,
    typed: Sequence[str] = (),
    vocab: Vocabulary | None = None,
    speech: str | None = None,
) -> Action:
    """Write a new article (in ``language``, named in English, when it is not the default),
    titled after the topic of ``label`` as a visitor typed it (``typed``: "can't", not the
    logged "cant", "Face ID", not "face id"; ``vocab``'s topic reads it in ``speech``, the
    language it was searched in, and its casing spells it as the KB does)."""
    from kb_core.i18n import language_name
    from kb_core.search.text.analysis import ELIDED, normalize_query

    spelled: dict[str, str] = {}  # a logged query -> how it was typed (its first example)
    for t in typed:
        # logged as its portal wrote it: French keeps an elided word as typed ("l'appli"; set
        # apart, "l appli", in rows logged before), English joins it ("lappli")
        forms = (normalize_query(t), normalize_query(t, ELIDED, elided=True))
        for logged in (*forms, normalize_query(t, ELIDED)):
            spelled.setdefault(logged, t)
    topic, casing = (vocab.topic, vocab.casing) if vocab else (None, None)
    title = readable_title(spelled.get(normalize_query(label), label), speech, topic, casing, typed)
    shown = ", ".join(quote(spelled.get(q, q)) for q in queries[:3])
    # another language's article is a translation of one in the default language, which
    # every page of another language falls back on (kb check refuses a translation alone)
    which = f" and its {language_name(language, 'en')} translation" if language else ""
    return Action(
        "write",
        f"Write a new article{which}, e.g. {quote(title)}, that answers {shown}.",
        title=title,
        queries=tuple(queries[:EXAMPLES]),
    )


def _contact_us(queries: Sequence[str]) -> Action:
    """Searches asking for a person that found nothing: the portal offers the contact form to
    such searches, so these were made with none to offer (a site without the form, or logged
    before it was offered); the article to write is how to reach a person, not "Talk to a
    human"."""
    shown = ", ".join(quote(q) for q in queries[:3])
    return Action(
        "write",
        f"Write a short {quote(CONTACT_US)} article (how to reach support: email, phone, hours) "
        f"for {shown}: these visitors asked for a person and were offered no way to reach one.",
        title=CONTACT_US,
        queries=tuple(queries[:EXAMPLES]),
    )


def _weak_action(advisor: Advisor, w: WeakGroup, shown: Shown, default_language: str) -> Action:
    catalog = advisor.catalog
    language = translations.other_language(w.language, default_language)
    speech = w.language or default_language or None
    topic = advisor.vocab.topic
    article_id, corrected = shown(w.label, w.portal)  # what its searchers were shown
    meant = corrected or w.label  # what search searched for, typo corrected
    a = catalog.articles.get(article_id) if article_id else None
    if a is None or not advisor.about(meant, a):
        best = advisor.terms.best(advisor.grouper.analyse(meant))
        a = best if best is not None and advisor.about(meant, best) else None
    fixed = f" (search corrects it to {quote(corrected)})" if corrected else ""
    if a is not None and w.contacted:
        return Action(
            "improve",
            f"Check that {quote(a.title)} ({a.source}) answers {quote(w.label)}{fixed}: "
            f"{w.contacted} of {w.searches} searches were shown it and then contacted "
            "support; add what they asked for.",
            article_id=a.id,
            source=a.source,
            terms=(meant,),
        )
    if a is not None and advisor.in_view(meant, a) and corrected:
        # search had to mend the typo first ("Showing results for ..."): the word as typed
        # makes the article a match of its own
        typed = topic.phrase(w.label, speech)
        return Action(
            "add-keyword",
            f"Add {quote(typed)}, as searchers typed it, to the keywords of "
            f"{quote(a.title)} ({a.source}): search corrects it to {quote(corrected)} and "
            f"shows that article, but none of its {w.searches} searches opened it.",
            article_id=a.id,
            source=a.source,
            terms=(typed,),
        )
    if a is not None and advisor.in_view(meant, a):
        return Action(
            "improve",
            f"Check the summary of {quote(a.title)} ({a.source}): its title, summary or "
            f"keywords already say {quote(meant)}, yet none of the {w.searches} searches "
            "shown it opened it. Make the summary (shown under the title in results) say "
            "what a searcher gets from the article; if the summary or the answer card already "
            "answers them, nothing is missing.",
            article_id=a.id,
            source=a.source,
            terms=(meant,),
        )
    if a is not None:
        said = topic.phrase(meant, speech)
        words = "the searched words" if said == meant else quote(said)
        return Action(
            "add-keyword",
            f"Make {quote(a.title)} ({a.source}) recognisable for {quote(meant)}: use "
            f"{words} in its title, summary or keywords.",
            article_id=a.id,
            source=a.source,
            terms=(said,),
        )
    clean = advisor.vocab.clearest([meant, *(q for q, _ in w.queries)]) or meant
    queries = [q for q, _ in w.queries] or [clean]
    return _write(clean, queries, language, w.examples, advisor.vocab, speech)
