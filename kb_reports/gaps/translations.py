"""``kb gaps`` advice for a site of several languages: when the article a gap needs exists in the
default language, and the other language's portal shows it untranslated or its searches miss
it, the action is to ``translate`` it, not to write another (``actions.suggest`` asks these
first; ``subjects`` asks them for contact requests too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kb_reports.gaps.advisor import Advisor
from kb_reports.gaps.model import Action, FailedGroup, WeakGroup
from kb_reports.gaps.words import EXAMPLES, quote

# (queries, their portal's language) -> the default language's article that search answers
# them with, confidently, when that language's portal shows it untranslated (else None)
InDefault = Callable[[Sequence[str], str | None], str | None]
# (query, its portal's language) -> the article that portal answers it with, confidently, when
# it shows that article untranslated (else None)
Untranslated = Callable[[str, str | None], str | None]


def other_language(language: str | None, default: str) -> str | None:
    """``language`` when it is another than the site's default, else None."""
    return language if language and language != default else None


def translation(
    advisor: Advisor, in_default: InDefault | None, default_language: str
) -> Callable[..., Action | None]:
    """``(queries, language, what their search did)`` -> a ``translate`` action naming the
    default language's article that answers them (see :data:`InDefault`), or None."""
    from kb_core.i18n import language_name

    def translate(
        queries: Sequence[str], language: str | None, outcome: str = "found no confident answer"
    ) -> Action | None:
        other = other_language(language, default_language)
        article_id = in_default(queries, other) if in_default and other else None
        a = advisor.catalog.articles.get(article_id) if article_id else None
        if a is None or other is None:
            return None
        name, default = language_name(other, "en"), language_name(default_language, "en")
        shown = ", ".join(quote(q) for q in queries[:3])
        return Action(
            "translate",
            f"Translate {quote(a.title)} ({a.source}) into {name}: the {name} portal "
            f"{outcome} for {shown}, and the {default} portal's search answers it with "
            "this article.",
            article_id=a.id,
            source=a.source,
            queries=tuple(queries[:EXAMPLES]),
        )

    return translate


def shown_untranslated(
    advisor: Advisor, w: WeakGroup, untranslated: Untranslated | None, default_language: str
) -> Action | None:
    """Translate the article a weak group's own portal showed it untranslated (its searchers
    were answered in a language they did not search in, and opened nothing), or None."""
    from kb_core.i18n import language_name

    other = other_language(w.portal, default_language)
    article_id = untranslated(w.label, other) if untranslated and other else None
    a = advisor.catalog.articles.get(article_id) if article_id else None
    if a is None or other is None:
        return None
    name = language_name(other, "en")
    return Action(
        "translate",
        f"Translate {quote(a.title)} ({a.source}) into {name}: the {name} portal answers "
        f"{quote(w.label)} with it, untranslated, and none of its {w.searches} searches "
        "opened it.",
        article_id=a.id,
        source=a.source,
        queries=tuple(q for q, _ in w.queries[:EXAMPLES]),
    )


def now_untranslated(
    advisor: Advisor,
    g: FailedGroup,
    clean: Sequence[str],
    untranslated: Untranslated | None,
    default_language: str,
) -> Action | None:
    """Translate the article a failed group's own portal now answers most of its searches
    with, untranslated (a synonym or an article added since they found nothing: "annuler mon
    abonnement" after [cancel, annuler] joined search.synonyms), or None. The default
    language's search may not answer them, its language's own words unknown to it ("mon")."""
    from collections import Counter

    from kb_core.i18n import language_name

    other = other_language(g.portal, default_language)
    if untranslated is None or other is None:
        return None
    asked = list(dict.fromkeys(clean or [g.label]))[:EXAMPLES]
    votes = Counter(found for q in asked if (found := untranslated(q, other)) is not None)
    best = votes.most_common(1)
    a = advisor.catalog.articles.get(best[0][0]) if best else None
    if a is None or 2 * best[0][1] < len(asked):
        return None
    name = language_name(other, "en")
    shown = ", ".join(quote(q) for q in asked[:3])
    return Action(
        "translate",
        f"Translate {quote(a.title)} ({a.source}) into {name}: the {name} portal found "
        f"nothing for {shown}, and now answers it with this article, untranslated.",
        article_id=a.id,
        source=a.source,
        queries=tuple(asked),
    )
