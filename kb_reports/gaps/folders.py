"""Where ``kb gaps --stub`` puts a draft: in the category of the articles its searchers came
nearest, or of the contact-form topic they then wrote under.

The evidence, first to last: the article the group's action names; an article its visitors
read after finding nothing; the category whose names say most of the topic its searchers
chose on the contact form ("Billing and invoices": ``billing/invoices-and-payments``, whose
titles are *Billing* and *Invoices and payments*), or the folder in it of the article search
came nearest (its best result, re-run), when that is in it; that article; the article whose
title, keywords and summary share most words with the searches. Else ``drafts/``. Words
alone pick badly: "pay with bitcoin" shares "pay" with *Approve timesheets* ("pay period")
more than with *Update your payment method*.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from kb_reports.gaps.articles import PublishedArticles, TermIndex
from kb_reports.gaps.model import FailedGroup
from kb_reports.gaps.terms import terms_of_text

__all__ = ["draft_folder", "topic_folder"]

DRAFTS = Path("drafts")


def draft_folder(group: FailedGroup, content_dir: Path, catalog: PublishedArticles) -> Path:
    """The folder (relative to ``content_dir``) a draft answering ``group`` goes in."""

    def folder_of(article_id: str | None) -> Path | None:
        a = catalog.articles.get(article_id) if article_id else None
        return Path(a.source).parent if a is not None else None

    nearest = folder_of(group.loop.top_id if group.loop else None)
    for article_id in [
        group.action.article_id if group.action else None,
        *(a for a, _ in group.read_after),
    ]:
        if (found := folder_of(article_id)) is not None:
            return found
    for topic, _ in group.topics:
        chosen = topic_folder(topic, content_dir)
        if chosen is not None:
            inside = nearest is not None and chosen in (nearest, *nearest.parents)
            return nearest if inside and nearest is not None else chosen
    if nearest is not None:
        return nearest
    closest = TermIndex(catalog).best(terms_of_text(" ".join(q for q, _ in group.queries)))
    return folder_of(closest.id if closest else None) or DRAFTS


def topic_folder(topic: str, content_dir: Path) -> Path | None:
    """The category folder whose titles and names, its parents' included, say most words of
    a contact-form topic (the shallower of two that say as many); None when none says one."""
    wanted = terms_of_text(topic)
    root = Path(content_dir)
    best: tuple[int, int, str] | None = None
    for category in sorted(root.rglob("_category.yml")):
        folder = category.parent.relative_to(root)
        said: set[str] = set()
        for part in [folder, *folder.parents][:-1]:  # the folder and its parents, not root
            said |= terms_of_text(part.name.replace("-", " ")) | terms_of_text(
                _title(root / part / "_category.yml")
            )
        score = len(wanted & said)
        if score and (best is None or (-score, len(folder.parts)) < (-best[0], best[1])):
            best = (score, len(folder.parts), folder.as_posix())
    return Path(best[2]) if best else None


def _title(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    return str(data.get("title", "")) if isinstance(data, dict) else ""
