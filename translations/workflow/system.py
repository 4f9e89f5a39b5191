"""The workflow's writes that no person's button takes: opening a job, the archive import,
scheduled publication and expired claims. They record their events as the verbs do."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom import publishing
from newsroom.core.bulk import ids_take, rows_copy
from newsroom.models import Article, NameSpelling
from translations import permissions, versions
from translations.models import Credit, NotificationKind, Role, State, Translation, WorkflowEvent
from translations.people import names
from translations.workflow.actions import Publish
from translations.workflow.base import WorkflowError, record, records_bulk

logger = logging.getLogger(__name__)


class JobExists(WorkflowError):
    """The article already has a (not spiked) job in that language: ``translation`` is it."""

    def __init__(self, translation: Translation) -> None:
        name = dict(settings.LANGUAGES).get(translation.language, translation.language)
        super().__init__(
            _("This story already has a job in %(language)s (%(state)s); here it is. Nothing new was opened.")
            % {"language": name, "state": translation.get_state_display()}
        )
        self.translation = translation


@transaction.atomic
def translation_create(
    *, article: Article, by: Any, language: str = "en", due_at: dt.datetime | None = None, brief: str = ""
) -> Translation:
    """Open a job: editors only. Writes an open Translation following the article's current revision."""
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can open translation jobs."))
    if language not in settings.PUBLISHING_LANGUAGES:
        raise WorkflowError(_("The desk does not publish in “%(code)s”.") % {"code": language})
    if article.current_revision is None:
        raise WorkflowError(_("This article has no source text to translate yet."))
    existing = Translation.objects.filter(article=article, language=language).exclude(state=State.SPIKED).first()
    if existing is not None:
        raise JobExists(existing)
    byline, byline_outlet = article.default_byline(language)
    t = Translation(
        article=article,
        language=language,
        source_revision=article.current_revision,
        due_at=due_at,
        brief=brief,
        title="",
        byline=byline,
        byline_outlet=byline_outlet,
    )
    if article.triage != Article.Triage.ACCEPTED:
        Article.objects.filter(pk=article.pk).update(triage=Article.Triage.ACCEPTED)
    return record(t, by=by, action="open", old_state=State.OPEN, comment=_("Job opened"))


@transaction.atomic
def translation_archive_publish(
    *,
    article: Article,
    by: Any,
    title: str,
    lead: str,
    blocks: dict[str, dict[str, Any]],
    tags: str,
    translator: Any,
    reviewer: Any | None,
    published_at: dt.datetime,
    comment: str = "",
) -> Translation:
    """A translation already published in another CMS arrives published here (``import_archive``).

    Who: the ``import_archive`` command (an operator at the shell; ``by`` is usually None), for
    an article with no translation yet. Writes the Translation in its published state with a
    revision, one ``archive_import`` event (open → published) and an audit entry, credits the
    translator and reviewer, and publishes through ``publishing.article_publish`` at the
    archive's own publication time. Notifies nobody (the people are the archive's).
    """
    if Translation.objects.filter(article=article, language="en").exclude(state=State.SPIKED).exists():
        raise WorkflowError(_("This article already has a translation job in that language."))
    if article.current_revision_id is None:
        raise WorkflowError(_("This article has no source text to translate yet."))
    t = _archive_translation(
        article=article, title=title, lead=lead, blocks=blocks, tags=tags,
        translator=translator, reviewer=reviewer, published_at=published_at,
    )  # fmt: skip
    t.save()
    for credit in _archive_credits(t):
        credit.save()
    publishing.article_publish(translation=t, at=published_at)
    return record(
        t, by=by, action="archive_import", old_state=State.OPEN, comment=comment or _("Imported from the archive")
    )


@dataclass(frozen=True)
class ArchivePublication:
    """One story of :func:`translations_archive_publish_bulk`: the arguments of
    :func:`translation_archive_publish` for it."""

    article: Article
    title: str
    lead: str
    blocks: dict[str, dict[str, Any]]
    tags: str
    translator: Any
    reviewer: Any | None
    published_at: dt.datetime
    comment: str


def _archive_translation(
    *,
    article: Article,
    title: str,
    lead: str,
    blocks: dict[str, dict[str, Any]],
    tags: str,
    translator: Any,
    reviewer: Any | None,
    published_at: dt.datetime,
) -> Translation:
    """The published Translation an archived story becomes (not saved): the one rule for both paths."""
    byline, byline_outlet = article.default_byline("en")
    t = Translation(
        article=article,
        language="en",
        state=State.PUBLISHED,
        source_revision=article.current_revision,
        title=title,
        lead=lead,
        blocks=blocks,
        tags=tags,
        byline=byline,
        byline_outlet=byline_outlet,
        translator=translator,
        reviewer=reviewer,
        first_published_at=published_at,
        edit_version=1,
    )
    if translator is not None:  # the archive's translator wrote the text (the byline is the desk's default)
        t.authors = versions.authors_add(
            authors={},
            before={**{name: None for name in versions.TEXT_FIELDS}, "byline": byline, "byline_outlet": byline_outlet},
            after=versions.text_snapshot(t),
            user_id=translator.pk,
        )
    return t


def _archive_credits(t: Translation) -> list[Credit]:
    """Each credit with its snapshot name (as credits.snapshot_credits would take it), made before
    publishing: the page stored at publication shows the names as published."""
    return [
        Credit(translation=t, user=user, role=role, is_credited=True, credit_name=names.public_name(user, role))
        for user, role in ((t.translator, Role.TRANSLATOR), (t.reviewer, Role.REVIEWER))
        if user is not None
    ]


def translations_archive_publish_bulk(*, stories: list[ArchivePublication], by: Any) -> list[Translation]:
    """:func:`translation_archive_publish` for many stories at once (``import_archive``'s bulk path).

    Who: the ``import_archive`` command, inside its batch's transaction and the rendering
    owner's batch. Writes for each story exactly what the one-by-one service writes (the
    published Translation, its credits, the live fields through ``publishing.articles_publish_bulk``,
    a revision, an ``archive_import`` event and an audit entry), with one statement per table
    instead of several per story. Each article is the row in memory, with its current revision
    and outlet. Raises :class:`WorkflowError` (nothing written) if any story already has an
    English job; ``publishing.BulkPublishError`` as that service does. Notifies nobody.
    """
    if not stories:
        return []
    pks = [story.article.pk for story in stories]
    taken = set(
        Translation.objects.filter(article_id__in=pks, language="en")
        .exclude(state=State.SPIKED)
        .values_list("article_id", flat=True)
    )
    if taken:
        raise WorkflowError(_("This article already has a translation job in that language."))
    if any(story.article.current_revision_id is None for story in stories):
        raise WorkflowError(_("This article has no source text to translate yet."))
    now = timezone.now()
    translations = []
    authors = [name for story in stories for name in story.article.authors or []]
    with NameSpelling.preloaded(names=authors, languages=["en"]):  # the default bylines: one query
        for story in stories:
            t = _archive_translation(
                article=story.article, title=story.title, lead=story.lead, blocks=story.blocks, tags=story.tags,
                translator=story.translator, reviewer=story.reviewer, published_at=story.published_at,
            )  # fmt: skip
            t.last_activity_at = now  # as record() sets it
            translations.append(t)
    for t, pk in zip(translations, ids_take(Translation, len(translations)), strict=True):
        t.pk = pk
    rows_copy(translations)  # their blocks as one COPY, not as literals (newsroom.core.bulk)
    credits = [credit for t in translations for credit in _archive_credits(t)]
    Credit.objects.bulk_create(credits)
    prefetch_related_objects(translations, "credits")  # what the revisions follow, read in one query
    # Recorded before the live fields are set on the articles in memory: each row names its story
    # as the one-by-one service's does (by the source title the article row it holds still has).
    records_bulk(
        [
            (t, State.OPEN, story.comment or _("Imported from the archive"))
            for t, story in zip(translations, stories, strict=True)
        ],
        by=by,
        action="archive_import",
    )
    publishing.articles_publish_bulk(translations=translations)
    return translations


def translations_publish_due(*, now: dt.datetime | None = None) -> list[int]:
    """Publish every scheduled translation whose time has come, as the editor who scheduled it.

    Called by Celery beat. Each publication is its own transaction; one failure does not stop
    the others (it stays scheduled and is logged).
    """
    now = now or timezone.now()
    published: list[int] = []
    due = Translation.objects.filter(state=State.SCHEDULED, scheduled_for__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        event = WorkflowEvent.objects.filter(translation_id=pk, action="schedule").select_related("actor").last()
        if event is None or event.actor is None:
            continue
        try:
            Publish(translation=Translation(pk=pk), by=event.actor, comment=_("Published as scheduled")).execute()
            published.append(pk)
        except (PermissionDenied, WorkflowError):
            logger.exception("Scheduled publication of translation %s failed", pk)
    return published


@transaction.atomic
def translation_expire_claim(*, translation: Translation) -> Translation:
    """The system returns a claim nobody worked on to the board (Celery beat, after a reminder)."""
    t = Translation.objects.select_for_update().get(pk=translation.pk)
    if t.state != State.IN_PROGRESS or t.translator is None:
        raise WorkflowError(_("Only a job in progress can expire."))
    holder = t.translator
    old, t.state = t.state, State.OPEN
    Credit.objects.filter(translation=t, role=Role.TRANSLATOR, user=holder).delete()
    t.translator, t.claimed_at, t.reminded_at = None, None, None
    return record(
        t,
        by=None,
        action="expire",
        old_state=old,
        comment=_("Claim expired after no activity"),
        notify=[(holder, NotificationKind.CLAIM_EXPIRED)],
    )
