"""The editors' inbox: feed items waiting to be imported and imported articles waiting for a job.

Services only (the views in ``desk_views.py`` are thin). Accepting an article into a job is
``translations.workflow.translation_create``, which also marks the article accepted.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.models import Article, FeedItem
from newsroom.sources import fetching, importing
from translations import permissions


class TriageError(Exception):
    """A triage decision that cannot be taken; ``message`` is for the editor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _require_editor(by: Any) -> None:
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can triage the inbox."))


def inbox_feed_items() -> QuerySet[FeedItem]:
    """Feed items nobody has imported or rejected yet, newest first."""
    return FeedItem.objects.filter(status=FeedItem.Status.NEW).select_related("feed", "feed__outlet")


def inbox_articles() -> QuerySet[Article]:
    """Imported articles still waiting for an editor's decision (no job, not rejected)."""
    return Article.objects.filter(triage=Article.Triage.NEW).select_related("outlet").order_by("-created_at")


def feeditem_import(*, item: FeedItem, by: Any) -> importing.ImportResult:
    """Import the story a feed item points at. Editors only.

    On success the item becomes ``imported`` and points at the article. A refusal marks the item
    ``failed`` with the reason (kept for the desk) and is raised again for the editor to read.
    """
    _require_editor(by)
    try:
        result = importing.article_import(url=item.url, by=by, outlet=item.feed.outlet)
    except (fetching.FetchError, importing.ImportRefused) as exc:
        FeedItem.objects.filter(pk=item.pk).update(status=FeedItem.Status.FAILED, error=str(exc))
        audit_record(actor=by, action="feeditem.import_failed", target=item, error=str(exc))
        raise
    with transaction.atomic():
        FeedItem.objects.filter(pk=item.pk).update(status=FeedItem.Status.IMPORTED, article=result.article, error="")
        audit_record(actor=by, action="feeditem.import", target=item, article=result.article.pk)
    item.refresh_from_db()
    return result


@transaction.atomic
def feeditem_reject(*, item: FeedItem, by: Any, reason: str) -> FeedItem:
    """Drop a feed item from the inbox (the reason goes to the audit log). Editors only."""
    _require_editor(by)
    FeedItem.objects.filter(pk=item.pk).update(status=FeedItem.Status.REJECTED, error="")
    audit_record(actor=by, action="feeditem.reject", target=item, reason=reason)
    item.refresh_from_db()
    return item


@transaction.atomic
def article_reject(*, article: Article, by: Any, reason: str) -> Article:
    """Decide not to translate an imported article. Editors only; a reason is required.

    Only an article still waiting in the inbox (triage "new") can be rejected: one accepted
    into a job is handled on the job (spike it), one already rejected stays as it is.
    """
    _require_editor(by)
    reason = reason.strip()
    if not reason:
        raise TriageError(_("Give a reason for rejecting the article."))
    updated = Article.objects.filter(pk=article.pk, triage=Article.Triage.NEW).update(
        triage=Article.Triage.REJECTED, triage_reason=reason
    )
    if not updated:
        raise TriageError(_("This article has already been decided on (accepted into a job or rejected)."))
    audit_record(actor=by, action="article.reject", target=article, reason=reason)
    article.refresh_from_db()
    return article
