"""Group search queries that ask for the same thing: the grouping half of ``kb gaps``.

Pure Python, no database: callers aggregate distinct normalised queries in SQL first and hand
the distinct strings with their counts to :class:`Grouper`. The algorithm is deterministic
(same input, same groups, whatever the input order) and close to linear in the distinct
queries:

1. analyse each query: its topic only (``gaps_topic``: "charged twice this month, please"
   is "charged twice", so both searches land in one group, each still listed as searched),
   lower-case (NFKC), split into words at anything but letters and digits, stem (Porter),
   replace configured synonym phrases by one canonical term (before stop words are dropped,
   so that "log in" is still seen), write negations ("can't", "doesnt") as "not", then drop
   stop words. "Refunds", "refund" and "money back" with the
   synonym group ``[refund, money back]`` all become the term ``refund``;
2. correct typos: a rare term of five or more letters becomes a much more frequent term
   (or a word of the published articles) one edit away (``gaps_typos``). Candidates come from a
   deletion-neighbourhood index (SymSpell's blocking: two words one edit apart share a
   string with one letter deleted), never from comparing all pairs;
3. key: the sorted set of terms, so word order and repeated words do not matter;
4. merge keys whose IDF-weighted Jaccard similarity reaches a threshold, leader-style: keys
   are visited from the most searched down and each joins the most similar existing leader,
   found through an inverted index over the leaders' rarest terms (prefix filtering), so
   no chains form and no pair of keys without a rare term in common is ever compared. Two
   guards keep groups pure: a negated and a plain key need two shared terms ("can't log in"
   is a problem, "log in" a how-to), and a key vaguer than the leader (all its terms in the
   leader's) needs half the leader's weight ("cancel" does not join "cancel subscription");
5. with sentence vectors (``gaps_semantic``, what ``kb gaps`` uses): join the word groups
   that mean the same by average linkage on the cosine of their queries' vectors, centred on
   the log's mean ("my card hasn't arrived" and "still waiting for my new card" share one
   word). Before it, step 4 runs stricter (:data:`gaps_semantic.WORD_SIMILARITY`, not
   ``gaps.group_similarity``): a word group that mixes two questions cannot be split by
   meaning afterwards, while two word groups of one question are joined by it. A topic and
   its negation ("log in", "can't log in") stay apart, though their vectors are close;
6. without sentence vectors (no encoder could be loaded) but with a log of other searches,
   word vectors learned from that log (``gaps_meaning``) must confirm each merge of step 4,
   and then join groups that mean the same thing in different words;
7. a one-word search joins the group of the longer searches it is the distinctive word of
   ("bitcoin" and "pay with bitcoin", named after the longer: ``gaps_distinctive``).

Words alone are the first pass because they are cheap and exact where meaning is vague:
spellings, plurals, typos and configured synonyms land together whatever an encoder thinks.
Meaning does what word overlap cannot: on banking77's held-out test split (thresholds tuned
on the train split, ``bench/gaps_bench.py``), the share of intents with most of their
queries in one group goes from 0.09 with words alone (0.20 with learned word vectors) to
0.66 with sentence vectors, at a purity of 0.76 (0.83 with words alone).

The group key is the leader's terms joined by ``-`` (e.g. ``refund`` or ``arriv-card``).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kb_core.config import GapSettings
from kb_core.search.text.analysis import fold
from kb_reports.gaps.distinctive import join_distinctive
from kb_reports.gaps.meaning import (
    CONFIRM_SIMILARITY,
    MEANING_SIMILARITY,
    Vector,
    key_vectors,
    merge_by_meaning,
)
from kb_reports.gaps.semantic import WORD_SIMILARITY, QueryVectors, merge_by_sentences
from kb_reports.gaps.terms import (
    NOT,
    STOP_WORDS,
    frequencies,
    reading,
    stem,
    terms_of_text,
    words_of,
)
from kb_reports.gaps.topic import Topic
from kb_reports.gaps.typos import one_edit, typo_map

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SIMILARITY",
    "Grouper",
    "Grouping",
    "QueryGroup",
    # re-exported: the words of a query (``gaps_terms``) and typos (``gaps_typos``)
    "STOP_WORDS",
    "frequencies",
    "one_edit",
    "stem",
    "terms_of_text",
    "words_of",
]


# ``gaps.group_similarity``'s default, tuned on banking77's train split (bench/gaps_bench.py).
DEFAULT_SIMILARITY = GapSettings().group_similarity
# A query whose terms are all in the leader's joins only when it carries this share of the
# leader's weight: a vaguer query ("cancel") fits many groups ("cancel card", "cancel order").
VAGUE_SIMILARITY = 0.5


@dataclass(frozen=True)
class QueryGroup:
    """Queries that ask for the same thing, most searched first."""

    key: str
    terms: tuple[str, ...]
    # distinct normalised queries, by count (desc), then text; a one-word search joined to
    # the longer ones it is the distinctive word of after them (``gaps_distinctive``)
    queries: tuple[str, ...]
    count: int
    corrected: frozenset[str] = frozenset()  # queries in which a typo was corrected

    @property
    def label(self) -> str:
        """The most searched query of the group."""
        return self.queries[0]


@dataclass(frozen=True)
class Grouping:
    """Groups of one call of :meth:`Grouper.group`, and a way to place other queries."""

    groups: tuple[QueryGroup, ...]
    grouper: Grouper
    fixes: Mapping[str, str]
    leaders: Mapping[tuple[str, ...], tuple[str, ...]]

    def key_of(self, query: str) -> str | None:
        """The key of the group a query belongs to (by its exact terms), or None."""
        terms = tuple(sorted({self.fixes.get(t, t) for t in self.grouper.analyse(query)}))
        leader = self.leaders.get(terms)
        if leader is None:
            return None
        return "-".join(leader) or "-"


class Grouper:
    """Groups distinct normalised queries; configure once, call :meth:`group` per query set.

    ``synonyms`` are the site's synonym groups (``search.synonyms``); ``known_words`` the
    words of the published articles (typos are corrected towards them); ``threshold`` the
    weighted Jaccard similarity at which a key joins a leader (``gaps.group_similarity``;
    :data:`DEFAULT_SIMILARITY` when not given); ``confirm`` and ``meaning`` the cosines of
    ``gaps_meaning`` (None: its tuned defaults); ``topic`` drops the customer's circumstances
    from each query before it is analysed, read in ``language`` (the portal's).
    Analyses are cached per query string for the life of the grouper.
    """

    def __init__(
        self,
        synonyms: Sequence[Sequence[str]] = (),
        *,
        known_words: Iterable[str] = (),
        threshold: float = DEFAULT_SIMILARITY,
        confirm: float | None = None,
        meaning: float | None = None,
        linkage: float | None = None,
        word_threshold: float | None = None,
        topic: Topic | None = None,
        language: str | None = None,
    ) -> None:
        self.threshold = threshold
        self.topic = topic
        self.language = language
        self.confirm = confirm
        self.meaning = meaning
        self.linkage = linkage
        self.word_threshold = word_threshold
        self._stems: dict[str, str] = {}
        # a portal of another language reads its searches as its search does: its stemmer and
        # stop words ("changer de fuseau horaire" is "fuseau horaire" changed, not a "de" topic)
        self._stemmer, self._stop, self._negations = reading(language)
        self._cache: dict[str, tuple[str, ...]] = {}
        # synonym phrases by their first stem, longest first: "log in" -> canonical "sign_in"
        self._synonyms: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        seen: set[tuple[str, ...]] = set()
        for phrases in synonyms:
            stemmed = [tuple(self._stem(w) for w in words_of(p)) for p in phrases]
            stemmed = [s for s in stemmed if s]
            if len(stemmed) < 2:
                continue
            canonical = "_".join(stemmed[0])
            for s in stemmed:
                if s not in seen:  # a phrase in two groups belongs to the first
                    seen.add(s)
                    self._synonyms[s[0]].append((s, canonical))
        for entries in self._synonyms.values():
            entries.sort(key=lambda e: (-len(e[0]), e[0]))
        self.known = {t for w in known_words for t in self.analyse(w)}

    def _stem(self, word: str) -> str:
        term = self._stems.get(word)
        if term is None:
            term = self._stems[word] = self._stemmer(word)
        return term

    # -- step 1: analysis -------------------------------------------------------------------

    def analyse(self, query: str) -> tuple[str, ...]:
        """Terms of one query's topic: stems, synonyms made canonical, stop words dropped."""
        found = self._cache.get(query)
        if found is not None:
            return found
        words = words_of(query)
        if self.topic is not None and len(words) > 1:  # one word is all its own topic
            words = words_of(self.topic.phrase(query, self.language))
        n = len(words)
        out: list[str] = []
        i = 0
        while i < n:
            word = words[i]
            term = self._stem(word)
            matched = False
            for phrase, canonical in self._synonyms.get(term, ()):
                size = len(phrase)
                if i + size <= n and all(
                    self._stem(words[i + k]) == phrase[k] for k in range(1, size)
                ):
                    out.append(canonical)
                    i += size
                    matched = True
                    break
            if matched:
                continue
            if word in self._negations:
                out.append(NOT)
            elif word not in self._stop and fold(word) not in self._stop:
                out.append(term)
            i += 1
        if not out:  # only common words ("how do i"): keep them, else it groups with nothing
            out = [self._stem(w) for w in words]
        result = self._cache[query] = tuple(out)
        return result

    # -- steps 3 to 5: keys and merging -----------------------------------------------------

    def group(
        self,
        counts: Mapping[str, int],
        *,
        merge: bool = True,
        log: Iterable[str] = (),
        vectors: QueryVectors | None = None,
    ) -> Grouping:
        """Group distinct queries (``query -> searches``); biggest group first.

        Without ``merge`` only queries with the same terms (after typo correction) share a
        group: cheaper, for the long tail of searches that did find something. ``vectors``:
        sentence vectors of the queries, to join word groups by meaning (step 5); without
        them, ``log``: other logged queries to learn word meaning from (step 6).
        """
        analysed = {q: self.analyse(q) for q in counts}
        freq: dict[str, int] = defaultdict(int)
        for q, terms in analysed.items():
            for t in set(terms):
                freq[t] += counts[q]
        fixes = typo_map(freq, self.known)
        by_key: dict[tuple[str, ...], list[str]] = defaultdict(list)
        fixed_queries: set[str] = set()
        for q, terms in analysed.items():
            key = tuple(sorted({fixes.get(t, t) for t in terms}))
            by_key[key].append(q)
            if any(t in fixes for t in terms):
                fixed_queries.add(q)
        key_count = {k: sum(counts[q] for q in qs) for k, qs in by_key.items()}
        if merge and vectors is not None:
            words = WORD_SIMILARITY if self.word_threshold is None else self.word_threshold
            if words < 1:
                leaders = self._merge(key_count, threshold=words)
            else:  # same terms only: the keys are the groups
                leaders = {k: k for k in key_count}
            leaders = merge_by_sentences(
                leaders, by_key, key_count, vectors, NOT, threshold=self.linkage
            )
            word_vectors = None
        else:
            word_vectors = self._key_vectors(analysed, fixes, log, key_count) if merge else None
            leaders = self._merge(key_count, word_vectors) if merge else {k: k for k in key_count}
        if word_vectors is not None:
            sizes = {k: len(qs) for k, qs in by_key.items()}
            meaning = MEANING_SIMILARITY if self.meaning is None else self.meaning
            leaders = merge_by_meaning(word_vectors, leaders, sizes, key_count, NOT, meaning)
        joined: set[tuple[str, ...]] = set()
        if merge:
            leaders, joined = join_distinctive(leaders, key_count, self.known)
        members: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        for k, leader in leaders.items():
            members[leader].append(k)
        groups = []
        for leader, keys in members.items():
            queries = sorted(
                ((q, k in joined) for k in keys for q in by_key[k]),
                key=lambda qj: (qj[1], -counts[qj[0]], len(qj[0]), qj[0]),
            )
            groups.append(
                QueryGroup(
                    key="-".join(leader) or "-",
                    terms=leader,
                    queries=tuple(q for q, _ in queries),
                    count=sum(key_count[k] for k in keys),
                    corrected=frozenset(q for q, _ in queries if q in fixed_queries),
                )
            )
        groups.sort(key=lambda g: (-g.count, g.key))
        return Grouping(tuple(groups), self, fixes, leaders)

    def _key_vectors(
        self,
        analysed: Mapping[str, tuple[str, ...]],
        fixes: Mapping[str, str],
        log: Iterable[str],
        keys: Iterable[tuple[str, ...]],
    ) -> dict[tuple[str, ...], Vector] | None:
        """Each key's vector, learned from the queries and the log (None: nothing to learn)."""
        extra = set(log)
        if not extra:
            return None
        docs = [*analysed.values(), *(self.analyse(q) for q in sorted(extra - analysed.keys()))]
        return key_vectors(([fixes.get(t, t) for t in d] for d in docs), keys)

    def _merge(
        self,
        key_count: Mapping[tuple[str, ...], int],
        vectors: Mapping[tuple[str, ...], Vector] | None = None,
        *,
        threshold: float | None = None,
    ) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Assign each key to a leader key (itself when no leader is similar enough).

        Keys are visited from the most searched down; each joins the leader with the highest
        IDF-weighted Jaccard similarity if it reaches the threshold, else leads a new group.
        Comparing with leaders only (never with followers) keeps groups from chaining.
        Candidate leaders come from an inverted index of the leaders' rarest terms probed with
        the key's rarest terms (prefix filtering: two sets this similar must share one of
        those), then a weight-ratio bound prunes before the exact similarity is computed.
        With ``vectors``, the key's and the leader's must also agree (``gaps_meaning``).
        """
        confirm = CONFIRM_SIMILARITY if self.confirm is None else self.confirm
        _, idf = frequencies(key_count)
        theta = (self.threshold if threshold is None else threshold) - 1e-9
        index: dict[str, list[int]] = defaultdict(list)
        leaders: list[tuple[str, ...]] = []
        leader_sets: list[frozenset[str]] = []
        leader_weights: list[float] = []
        leader_of: dict[tuple[str, ...], tuple[str, ...]] = {}
        for key in sorted(key_count, key=lambda k: (-key_count[k], k)):
            ordered = sorted(key, key=lambda t: (-idf[t], t))
            total = sum(idf[t] for t in ordered)
            prefix: list[str] = []
            rest = total
            for t in ordered:
                if rest < theta * total:
                    break
                prefix.append(t)
                rest -= idf[t]
            lo, hi = theta * total, total / theta if theta > 0 else math.inf
            mine = frozenset(key)
            negated = NOT in mine
            best, best_sim = -1, theta
            seen: set[int] = set()
            for t in prefix:
                for g in index.get(t, ()):
                    if g in seen:
                        continue
                    seen.add(g)
                    w = leader_weights[g]
                    if w < lo or w > hi:
                        continue
                    other = leader_sets[g]
                    shared = mine & other
                    inter = sum(idf[x] for x in shared)
                    sim = inter / (total + w - inter)
                    if sim < best_sim or (sim == best_sim and g > best):
                        continue
                    if (NOT in other) != negated and len(shared) < 2:
                        continue  # "log in" is a how-to, "can't log in" a problem
                    if sim < VAGUE_SIMILARITY and mine < other:
                        continue  # "cancel" is vaguer than "cancel subscription"
                    if vectors is not None and vectors[key] @ vectors[leaders[g]] < confirm:
                        continue  # the words are shared, the meaning is not
                    best, best_sim = g, sim
            if best >= 0:
                leader_of[key] = leaders[best]
                continue
            leader_of[key] = key
            for t in prefix:
                index[t].append(len(leaders))
            leaders.append(key)
            leader_sets.append(mine)
            leader_weights.append(total)
        return leader_of
