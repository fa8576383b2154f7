"""A one-word failed search under the longer searches it is the distinctive word of.

"bitcoin" and "pay with bitcoin" both found nothing because of "bitcoin", the one word of the
longer search the published articles lack: its *distinctive* word. A writer wants one topic,
"pay with bitcoin", with both counted, and no separate "Bitcoin" article. Words alone keep
them apart when the longer search is searched more ("bitcoin" is vaguer than its leader), and
meaning does not always join them; so after both passes (``gaps_grouping``), the one-word
search joins the group of the longer searches whose distinctive word it is, and that group is
named after them, when:

- every longer failed search whose distinctive word it is stands in one group, and that
  group's terms hold the word: "bitcoin" beside "bitcoin invoice" and "pay with bitcoin" in
  two groups is left apart, as is a word the articles have ("pay");
- the word's group holds nothing else (its spellings, typos and synonyms are one key with it;
  the longer searches, when words or meaning already joined them): a group that meaning also
  gave other searches ("bitcoin" with "crypto payments") has a topic of its own, broader than
  the longer searches', and is left as it is.

A negated search ("can't pay with bitcoin") is a problem, not the word's how-to: its negation
is a term no article is made of, so the word is not its only distinctive one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Set

Key = tuple[str, ...]

__all__ = ["join_distinctive"]


def join_distinctive(
    leaders: Mapping[Key, Key], key_count: Mapping[Key, int], known: Set[str]
) -> tuple[dict[Key, Key], set[Key]]:
    """``leaders`` (each key's group leader) with each one-word key that is the distinctive
    word of one group's longer keys put in that group (led by the most searched of them where
    the word led it); and the one-word keys so joined (listed after the group's own)."""
    out = dict(leaders)
    members: dict[Key, list[Key]] = defaultdict(list)
    for key, leader in leaders.items():
        members[leader].append(key)
    longer: dict[str, list[Key]] = defaultdict(list)  # a word -> keys it is distinctive in
    for key in leaders:
        unknown = [t for t in key if t not in known]
        if len(key) > 1 and len(unknown) == 1:
            longer[unknown[0]].append(key)
    joined: set[Key] = set()
    for word, keys in sorted(longer.items()):
        short = (word,)
        if short not in leaders:
            continue
        groups = {leaders[k] for k in keys}
        if len(groups) != 1:
            continue  # two topics hold the word
        (target,) = groups
        own = leaders[short]
        if word not in target:
            continue
        if own == target:  # together already: named after the longer searches
            if not set(members[own]) <= {short, *keys}:
                continue  # meaning gave the group other searches: a topic of its own
            head = target if target != short else min(keys, key=lambda k: (-key_count[k], k))
            for k in members[own]:
                out[k] = head
        elif members[own] == [short]:
            out[short] = target
        else:
            continue  # meaning gave the word other searches: a topic of its own
        joined.add(short)
    return out, joined
