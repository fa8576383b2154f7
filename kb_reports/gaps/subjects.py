"""What ``kb gaps`` advises from the subjects of contact requests sent without reading anything.

The contact form suggests articles for a subject as it is typed (not recorded: the report
searches the subjects again, on the portal each request was written in). When search answers
a subject with an article, the article exists and was passed over: its title or summary must
say what the senders asked ("I was charged twice this month" was told to write an article while
*Get a refund*, with a row for being charged twice, was the form's first suggestion). What it
should say is the subject's topic, without the sender's circumstances ("charged twice", not
"charged twice this month": :mod:`kb_reports.gaps.topic`). Subjects that search answers with
different articles give each article its advice.

A subject search has no confident answer for is judged as a weak search is
(:func:`kb_reports.gaps.actions.suggest`): the article it suggests first, or the one whose
words are nearest, when it is about the subject (``Advisor.about``) needs a section or a
keyword; the default language's article when that portal answers a subject of another
language's, untranslated there, needs a translation; else there is an article to write,
titled after the subject ("1 Billing request came without reading any article, and search has
no confident answer for “Do you have a Slack integration”: …, write a new article, e.g.
“Slack integration”"; it used to say "write or link the article for the most asked questions").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kb_core.manifest import ManifestArticle
from kb_core.search.text.analysis import analysis_language, fold, stop_words
from kb_reports.gaps.advisor import Advisor
from kb_reports.gaps.articles import PublishedArticles
from kb_reports.gaps.model import Action, ActionKind, counted
from kb_reports.gaps.terms import NEGATIONS, NOT, STOP_WORDS, stem, words_of
from kb_reports.gaps.topic import word_spans
from kb_reports.gaps.words import EXAMPLES, FILLER, Vocabulary, quote, readable_title

__all__ = ["SubjectSearch", "Subjects"]

UNANSWERED_ACTIONS = 3  # actions per topic for subjects search has no confident answer for
Asked = tuple[str, str | None]  # (subject, the language of the portal it was written in)


class SubjectSearch(Protocol):
    """Search as the contact form runs it on a subject (``gaps_loop.LoopChecker``)."""

    def can_search(self, language: str | None) -> bool: ...

    def answer(self, query: str, language: str | None = None) -> str | None: ...

    def suggested(self, query: str, language: str | None = None, limit: int = 3) -> list[str]: ...

    def in_default(self, queries: Sequence[str], language: str | None) -> str | None: ...


@dataclass
class _Fix:
    """One thing to do for subjects search has no confident answer for."""

    kind: ActionKind  # "improve", "add-keyword", "translate" or "write"
    article: ManifestArticle | None  # the article to fix, as the request's portal shows it
    shown: list[ManifestArticle]  # the contact form's suggestions, as that portal shows them
    phrase: str  # the first subject's topic
    title: str = ""  # of the article to write
    asked: list[Asked] = field(default_factory=list)  # the latest first


@dataclass(frozen=True)
class Subjects:
    """Judges requests' subjects: ``search`` as the contact form ran it (None without an
    index), ``advisor`` (is an article about a subject), ``portals``: the articles as each
    other language's portal shows them, ``default``: the site's language."""

    search: SubjectSearch | None
    advisor: Advisor
    portals: Mapping[str, PublishedArticles]
    default: str = ""

    @property
    def catalog(self) -> PublishedArticles:
        return self.advisor.catalog

    @property
    def vocab(self) -> Vocabulary:
        return self.advisor.vocab

    def actions(self, asked: Sequence[Asked], topic: str) -> list[Action]:
        """What to do for the subjects of ``topic``'s requests that read nothing (``asked``,
        the oldest first): for each article search answers some with (the one answering most
        of them first, then the latest asked), make its title or summary say what they asked,
        on the request's portal; then, for those it answers none of, the fixes of
        :meth:`_unanswered`. None when no subject can be searched."""
        if self.search is None:
            return []
        found: dict[str, list[Asked]] = {}
        unanswered: list[Asked] = []
        for subject, language in reversed(asked):  # the latest first
            if self.vocab.is_noise(subject) or not self.search.can_search(language):
                continue
            article = self.search.answer(subject, language)
            if article is not None and article in self.catalog.articles:
                found.setdefault(article, []).append((subject, language))
            else:
                unanswered.append((subject, language))
        ranked = sorted(found.items(), key=lambda kv: -len(kv[1]))  # stable: the latest on a tie
        improve = [self._improve(a, asked, topic) for a, asked in ranked]
        return improve + self._unanswered(unanswered, topic)

    def _portal(self, article_id: str, language: str | None) -> ManifestArticle:
        """An article as the portal of ``language`` shows it (its translation, if any)."""
        portal = self.portals.get(language) if language else None
        return (portal.articles.get(article_id) if portal else None) or self.catalog.articles[
            article_id
        ]

    def _other(self, language: str | None) -> str | None:
        return language if language and language != self.default else None

    def _untranslated(self, a: ManifestArticle, language: str | None) -> bool:
        """Whether the portal of ``language`` (another than the default) shows ``a`` in
        another language than its own."""
        return language in self.portals and bool(a.language) and a.language != language

    def _improve(self, article_id: str, asked: Sequence[Asked], topic: str) -> Action:
        """Make one article say what the requests it answers (``asked``: subject and portal
        language, the latest first) asked for, on the portal of the latest."""
        subject, language = asked[0]
        vocab = self.vocab
        a = self._portal(article_id, language)
        n = len(asked)
        said = unsaid(subject, f"{a.title} {a.summary}", vocab, language)
        untranslated = self._untranslated(a, language)
        if untranslated and language:
            from kb_core.i18n import language_name

            name = language_name(language, "en")
            said = said or vocab.topic.phrase(subject, language)
            todo = (
                f"it was not opened: the {name} portal shows it untranslated. Translate it into "
                f"{name}, its title or summary saying {quote(said)}."
            )
        elif said:
            todo = f"it was not opened. Make its title or summary say {quote(said)}."
        else:  # every word is there already: the request needed more than they say
            todo = (
                "it was not opened, though its title and summary already say "
                f"{quote(vocab.topic.phrase(subject, language))}. Its title and summary need "
                "nothing; read the requests for what the article lacks."
            )
        return Action(
            "translate" if untranslated else "improve",
            f"{counted(n, f'{topic} request')} came without reading any article, though search "
            f"answers {quote(subject[:80])} with {quote(a.title)} ({a.source}), which the "
            f"contact form suggested: {todo}",
            article_id=a.id,
            source=a.source,
            terms=(said,) if said else (),
            queries=tuple(s for s, _ in asked[:EXAMPLES]),
        )

    def _unanswered(self, asked: Sequence[Asked], topic: str) -> list[Action]:
        """What to do for subjects search has no confident answer for (``asked``, the latest
        first): one action per article to fix or article to write, the one most asked first,
        then the latest; subjects of one article to write (one's words among another's) are
        one action, titled after the shorter."""
        fixes: list[_Fix] = []
        for subject, language in asked:
            fix = self._fix(subject, language)
            same = next((f for f in fixes if _same(f, fix)), None)
            if same is None:
                fixes.append(fix)
                continue
            same.asked.append((subject, language))
            if fix.kind == "write" and len(words_of(fix.title)) < len(words_of(same.title)):
                same.title, same.phrase = fix.title, fix.phrase
        fixes.sort(key=lambda f: -len(f.asked))  # stable: the latest on a tie
        return [self._action(f, topic) for f in fixes[:UNANSWERED_ACTIONS]]

    def _fix(self, subject: str, language: str | None) -> _Fix:
        """What to do for one subject search has no confident answer for (see the module)."""
        assert self.search is not None
        advisor, vocab = self.advisor, self.vocab
        speech = language or self.default or None
        phrase = vocab.topic.phrase(subject, speech)
        ids = [i for i in self.search.suggested(subject, language) if i in self.catalog.articles]
        shown = [self._portal(i, language) for i in ids]
        best = advisor.terms.best(advisor.grouper.analyse(phrase))
        for article_id in [*ids, *([best.id] if best is not None and best.id not in ids else [])]:
            a = self.catalog.articles[article_id]
            if not advisor.about(phrase, a):
                continue
            seen = self._portal(article_id, language)
            kind: ActionKind = "add-keyword"
            if self._untranslated(seen, language):
                kind = "translate"
            elif advisor.in_view(phrase, a):
                kind = "improve"
            return _Fix(kind, seen, shown, phrase, asked=[(subject, language)])
        other = self._other(language)
        in_default = self.search.in_default([subject], other) if other else None
        if in_default is not None and in_default in self.catalog.articles:
            a = self.catalog.articles[in_default]
            return _Fix("translate", a, shown, phrase, asked=[(subject, language)])
        title = readable_title(subject, speech, vocab.topic, vocab.casing, [subject])
        return _Fix("write", None, shown, phrase, title, [(subject, language)])

    def _action(self, f: _Fix, topic: str) -> Action:
        """One fix in words: the requests, what the contact form suggested, what to do."""
        from kb_core.i18n import language_name

        subject, language = f.asked[0]
        other = self._other(language)
        name = language_name(other, "en") if other else ""
        portal = f"the {name} portal's search" if other else "search"
        came = (
            f"{counted(len(f.asked), f'{topic} request')} came without reading any article, "
            f"and {portal} has no confident answer for {quote(subject[:80])}"
        )
        a, phrase = f.article, quote(f.phrase)
        listed = _listed([quote(s.title) for s in f.shown])
        suggested = a is not None and a.id in {s.id for s in f.shown}
        if a is not None and f.kind == "translate" and not suggested:
            default = language_name(self.default, "en")
            todo = (
                f", though the {default} portal's search answers it with {quote(a.title)} "
                f"({a.source}), which the {name} portal shows untranslated: translate it into "
                f"{name}."
            )
        elif a is not None:
            named = f"{quote(a.title)} ({a.source})"
            if suggested:
                where = f": the contact form suggested {named}, which is about it"
            else:
                instead = f"suggested {listed}, not" if f.shown else "did not suggest"
                where = f": the contact form {instead} {named}, which is about it"
            if f.kind == "translate":
                todo = (
                    f"{where} but is shown untranslated. Translate it into {name}, its title or "
                    f"summary saying {phrase}."
                )
            elif f.kind == "improve":
                todo = (
                    f"{where} and says {phrase} in its title, summary or keywords, but did not "
                    "answer it. Check that it does, and add a section answering it if not."
                )
            else:
                todo = (
                    f"{where} but did not answer it. Add a section answering {phrase} (its "
                    f"heading in those words), or {phrase} to its keywords if it answers it "
                    "already."
                )
        else:
            which = f" and its {name} translation" if other else ""
            write = f"rite a new article{which}, e.g. {quote(f.title)}, that answers it."
            if not f.shown:
                todo = f": search finds nothing for it. W{write}"
            elif not other:
                todo = f": the contact form suggested {listed}, none about it. W{write}"
            else:  # the sentence model reads English only: it cannot judge these suggestions
                foreign = [quote(s.title) for s in f.shown if self._untranslated(s, language)]
                if len(foreign) == len(f.shown):
                    shown_so = ", untranslated," if len(f.shown) == 1 else ", all untranslated,"
                    fix = f"translate it into {name}, saying {phrase}"
                else:
                    shown_so = f" ({_listed(foreign)} untranslated)" if foreign else ""
                    fix = f"make its title or summary say {phrase}"
                    fix += " (translating it, if untranslated)" if foreign else ""
                todo = (
                    f": the contact form suggested {listed}{shown_so} as no exact match. "
                    f"If {'it' if len(f.shown) == 1 else 'one of them'} answers it, {fix}; "
                    f"else w{write}"
                )
        return Action(
            f.kind,
            came + todo,
            article_id=a.id if a is not None else None,
            source=a.source if a is not None else None,
            title=f.title if f.kind == "write" else None,
            terms=(f.phrase,) if f.kind in ("add-keyword", "translate") else (),
            queries=tuple(s for s, _ in f.asked[:EXAMPLES]),
        )


def _listed(quoted: Sequence[str]) -> str:
    """“A”, “B” and “C”."""
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}" if len(quoted) > 1 else "".join(quoted)


def _same(a: _Fix, b: _Fix) -> bool:
    """Whether two fixes ask for the same thing: one article, or one article to write (the
    words of one title among the other's: "Devis pour 200 salariés" and "Obtenir un devis
    pour 200 salariés")."""
    if a.kind != b.kind:
        return False
    if a.kind != "write":
        return a.article is not None and b.article is not None and a.article.id == b.article.id
    x, y = set(words_of(a.title)), set(words_of(b.title))
    return bool(x and y) and (x <= y or y <= x)


# A summary names a problem in a few words: a subject's topic of up to this many content words
# is quoted whole; a longer one only from the first to the last word the article lacks.
PHRASE_WORDS = 4
_PARTICLES = frozenset({"in", "on"})  # stop words that end a phrase: "log in", "clock in"


def _term(word: str) -> str:
    return NOT if word in NEGATIONS else stem(word)


def unsaid(subject: str, shown: str, vocab: Vocabulary, language: str | None = None) -> str:
    """What ``shown`` (an article's title and summary) should say for the sender of
    ``subject`` to recognise it: the subject's topic, as typed, from its first to its last
    content word (a negation is one, and "can't" says what "doesn't" does), or only the
    stretch of it ``shown`` lacks when it is long; '' when ``shown`` lacks none of them."""
    phrase = vocab.topic.phrase(subject, language)
    spans = [(s, e, words_of(phrase[s:e])[0]) for s, e in word_spans(phrase)]
    have = {_term(w) for w in words_of(shown) if w not in STOP_WORDS}
    # English: ours (a negation is content); another language: its search's ("un", "à")
    code = analysis_language(language or "en")
    stop = STOP_WORDS | FILLER | (stop_words(code) if code != "en" else frozenset())
    content = [i for i, (_, _, w) in enumerate(spans) if w not in stop and fold(w) not in stop]
    lacking = [i for i in content if _term(spans[i][2]) not in have]
    if not lacking:
        return ""
    chosen = content if len(content) <= PHRASE_WORDS else lacking
    first, last = chosen[0], chosen[-1]
    while last + 1 < len(spans) and spans[last + 1][2] in _PARTICLES:
        last += 1
    return phrase[spans[first][0] : spans[last][1]]
