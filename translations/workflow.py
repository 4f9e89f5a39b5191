"""The translation workflow: the only code that writes ``Translation.state``.

```
open ─claim/assign→ in_progress ─submit→ in_review ─approve→ approved ─publish→ published
                      ↑    │ release→ open     │                 │ schedule→ scheduled
                      └────┴── request_changes ┘                 │
published ─correct→ in_progress ─submit→ in_review ─approve→ published (a correction: the editor
                      ↑                         │   edits and sends it; a second person's approval
                      └──── request_changes ────┘   publishes it; the live text stays up meanwhile)
any state but published ─spike→ spiked ─restore→ previous state
published ─unpublish→ approved (with a reason)
```

Each transition is one ``translation_<verb>`` function: it locks the row, checks the actor's
permission (``permissions.py``) and the current state, writes the new state, a
:class:`WorkflowEvent`, a django-reversion revision and an audit entry in one transaction,
records the notifications it causes and queues their delivery with ``transaction.on_commit``.
A refused transition raises :class:`PermissionDenied` or :class:`WorkflowError` with a
sentence for the person, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reversion.models import Version

from newsroom import publishing
from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from newsroom.models import Article
from translations import editing, permissions, versions
from translations.assist import checks, glossary, memory
from translations.models import Credit, NotificationKind, Role, State, Translation, WorkflowEvent
from translations.people import names, notifications


class WorkflowError(DeskError):
    """A transition that is not possible now (wrong state, missing reason, …)."""


class SubmitRefused(WorkflowError):
    """The checks found errors: the translation stays in progress. ``problems`` says where."""

    def __init__(self, message: str, problems: list[checks.Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def translation_problems(*, translation: Translation) -> list[checks.Problem]:
    """The checks of the working copy (errors block submission, warnings do not)."""
    source_blocks = list(translation.source_revision.blocks)
    terms = list(
        glossary.glossary_terms(source_language=translation.article.language, target_language=translation.language)
    )
    hits = glossary.hits_by_block(blocks=source_blocks, terms=terms)
    return checks.translation_checks(
        title=translation.title,
        source_blocks=source_blocks,
        target_blocks=translation.blocks,
        glossary_by_block={bid: [(h.source_term, h.target_term) for h in hs] for bid, hs in hits.items()},
        machine_drafts=translation.machine_drafts,
        target_language=translation.language,
    )


# Which states each action starts from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "claim": frozenset({State.OPEN}),
    "assign": frozenset({State.OPEN, State.IN_PROGRESS}),
    "release": frozenset({State.IN_PROGRESS}),
    "submit": frozenset({State.IN_PROGRESS}),
    # From approved too: a reviewer may reopen it, e.g. when the source changed after approval.
    "request_changes": frozenset({State.IN_REVIEW, State.APPROVED}),
    "approve": frozenset({State.IN_REVIEW}),
    "publish": frozenset({State.APPROVED, State.SCHEDULED}),
    "schedule": frozenset({State.APPROVED}),
    "unschedule": frozenset({State.SCHEDULED}),
    "unpublish": frozenset({State.PUBLISHED}),
    "correct": frozenset({State.PUBLISHED}),
    "spike": frozenset(set(State.values) - {State.PUBLISHED, State.SPIKED}),
    "restore": frozenset({State.SPIKED}),
}

PERMISSION: dict[str, Callable[..., bool]] = {
    "claim": permissions.can_claim,
    "assign": permissions.can_assign,
    "release": permissions.can_release,
    "submit": permissions.can_submit,
    "request_changes": permissions.can_request_changes,
    "approve": permissions.can_approve,
    "publish": permissions.can_publish,
    "schedule": permissions.can_schedule,
    "unschedule": permissions.can_schedule,
    "unpublish": permissions.can_manage,
    "correct": permissions.can_manage,
    "spike": permissions.can_spike,
    "restore": permissions.can_manage,
}

REFUSALS: dict[str, str] = {
    "claim": "Only desk members can claim jobs.",
    "assign": "Only editors can assign jobs.",
    "release": "Only the assigned translator or an editor can release this job.",
    "submit": "Only the assigned translator can submit this.",
    "request_changes": "Only a reviewer who did not translate this can ask for changes.",
    "approve": (
        "Four eyes: only a reviewer who did not translate or change this text (nor open its correction) can approve it."
    ),
    "publish": "Four eyes: only an editor who did not translate or change this text can publish it.",
    "schedule": "Four eyes: only an editor who did not translate or change this text can schedule it.",
    "unschedule": "Only an editor can cancel a scheduled publication.",
    "unpublish": "Only editors can unpublish.",
    "correct": "Only editors can open a correction.",
    "spike": "Only editors can spike a job.",
    "restore": "Only editors can restore a spiked job.",
}

WRONG_STATE: dict[str, str] = {
    "claim": "Someone else has already taken this job.",
    "assign": "Only open or in-progress jobs can be assigned.",
    "release": "Only a job in progress can be released.",
    "submit": "This translation is no longer in progress.",
    "request_changes": "Changes can only be requested while the translation is in review or approved.",
    "approve": "This translation is not in review.",
    "publish": "Only an approved translation can be published.",
    "schedule": "Only an approved translation can be scheduled.",
    "unschedule": "This translation is not scheduled.",
    "unpublish": "This translation is not published.",
    "correct": "Only a published translation can be corrected.",
    "spike": "A published translation must be unpublished before it is spiked.",
    "restore": "This job is not spiked.",
}

COMMENTS: dict[str, str] = {
    "claim": "Claimed",
    "assign": "Assigned",
    "release": "Released",
    "submit": "Submitted for review",
    "request_changes": "Changes requested",
    "approve": "Approved",
    "publish": "Published",
    "schedule": "Scheduled",
    "unschedule": "Schedule cancelled",
    "unpublish": "Unpublished",
    "correct": "Correction opened",
    "correction_publish": "Correction published",
    "spike": "Spiked",
    "restore": "Restored",
    "expire": "Claim expired",
    "open": "Job opened",
    "archive_import": "Imported from the archive",
}


def available_actions(*, user: Any, translation: Translation) -> list[str]:
    """The transitions ``user`` may take now; views show exactly these buttons."""
    return [
        action
        for action, states in ALLOWED_FROM.items()
        if translation.state in states
        and PERMISSION[action](user=user, translation=translation)
        and not (action == "claim" and translation.translator_id)
    ]


def _lock(translation: Translation, action: str, by: Any) -> Translation:
    t = Translation.objects.select_for_update().select_related("article").get(pk=translation.pk)
    if not PERMISSION[action](user=by, translation=t):
        raise PermissionDenied(_(REFUSALS[action]))
    if t.state not in ALLOWED_FROM[action]:
        raise WorkflowError(_(WRONG_STATE[action]))
    return t


def _record(
    t: Translation,
    *,
    by: Any,
    action: str,
    old_state: str,
    comment: str,
    notify: Iterable[tuple[Any, str]] = (),
) -> Translation:
    """Save the row as a revision and append the event, audit entry and notifications."""
    t.last_activity_at = timezone.now()
    if reversion.is_active():
        # A surrounding revision block would save our version only when it ends, and the
        # event could not pin it: transitions never run inside another revision.
        raise RuntimeError("Workflow transitions must not run inside reversion.create_revision().")
    with reversion.create_revision(atomic=False):
        t.save()
        reversion.set_user(by if getattr(by, "is_authenticated", False) else None)
        reversion.set_comment(comment or _(COMMENTS[action]))
    version = Version.objects.get_for_object(t).only("pk", "revision_id").first()
    event = WorkflowEvent.objects.create(
        translation=t,
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        from_state=old_state,
        to_state=t.state,
        comment=comment,
        revision_id=version.revision_id if version is not None else None,
        content_hash=versions.working_copy_hash(t),
    )
    audit_record(actor=by, action=f"translation.{action}", target=t, from_state=old_state, to_state=t.state)
    ids = notifications.notifications_record(event=event, recipients=notify)
    if ids:
        transaction.on_commit(lambda: notifications.notifications_queue(ids), robust=True)
    return t


def _snapshot_credits(t: Translation) -> None:
    """Each credit keeps the name its person chose at publication, even if they change it later."""
    for credit in t.credits.select_related("user", "user__contributor"):
        if credit.user is not None:
            credit.credit_name = names.public_name(credit.user, credit.role)
        credit.save(update_fields=["credit_name"])


def _ensure_credit(t: Translation, user: Any, role: str) -> None:
    # Editors are recorded but not credited in public unless the editor says so at publication.
    Credit.objects.get_or_create(translation=t, user=user, role=role, defaults={"is_credited": role != Role.EDITOR})


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
    if Translation.objects.filter(article=article, language=language).exclude(state=State.SPIKED).exists():
        raise WorkflowError(_("This article already has a translation job in that language."))
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
    return _record(t, by=by, action="open", old_state=State.OPEN, comment=_("Job opened"))


@transaction.atomic
def translation_claim(*, translation: Translation, by: Any) -> Translation:
    """A translator takes an open job. Safe under races: the row lock makes the second claim fail."""
    t = _lock(translation, "claim", by)
    if t.translator_id:
        raise WorkflowError(_(WRONG_STATE["claim"]))
    old, t.state = t.state, State.IN_PROGRESS
    t.translator, t.claimed_at, t.reminded_at = by, timezone.now(), None
    _ensure_credit(t, by, Role.TRANSLATOR)
    return _record(t, by=by, action="claim", old_state=old, comment="")


@transaction.atomic
def translation_assign(
    *,
    translation: Translation,
    by: Any,
    translator: Any,
    reviewer: Any | None = None,
    due_at: dt.datetime | None = None,
    comment: str = "",
) -> Translation:
    """An editor gives the job to a named translator (and reviewer); the previous holder is kept in history."""
    t = _lock(translation, "assign", by)
    if not permissions.is_desk_member(translator):
        raise WorkflowError(_("That person is not a member of the desk."))
    if reviewer is not None and (not permissions.is_reviewer(reviewer) or reviewer.pk == translator.pk):
        raise WorkflowError(_("The reviewer must be a reviewer and not the translator."))
    old = t.state
    notify: list[tuple[Any, str]] = []
    if t.translator_id != translator.pk:
        t.translator, t.claimed_at, t.reminded_at = translator, timezone.now(), None
        Credit.objects.filter(translation=t, role=Role.TRANSLATOR).exclude(user=translator).delete()
        notify.append((translator, NotificationKind.ASSIGNED))
    _ensure_credit(t, translator, Role.TRANSLATOR)
    if reviewer is not None:
        t.reviewer = reviewer
    if due_at is not None:
        t.due_at = due_at
    t.state = State.IN_PROGRESS
    return _record(t, by=by, action="assign", old_state=old, comment=comment, notify=notify)


@transaction.atomic
def translation_release(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """The translator (or an editor) hands the job back to the board; the text stays."""
    t = _lock(translation, "release", by)
    old, t.state = t.state, State.OPEN
    Credit.objects.filter(translation=t, role=Role.TRANSLATOR, user=t.translator).delete()
    t.translator, t.claimed_at = None, None
    return _record(t, by=by, action="release", old_state=old, comment=comment)


@transaction.atomic
def translation_submit(
    *, translation: Translation, by: Any, comment: str = "", correction_note: str | None = None
) -> Translation:
    """The translator sends the text for review; the reviewer (or every reviewer) is notified.

    A correction is sent by an editor for a second look, with its correction note (readers see
    it once the correction is approved): ``correction_note`` replaces the note written when it
    was opened, and a correction without a note is refused. Every reviewer and editor but those
    who changed the text and the correcting editor is notified.
    """
    t = _lock(translation, "submit", by)
    if t.is_correction:
        if correction_note is not None:
            t.correction_note = correction_note.strip()[:2000]
        if not t.correction_note:
            raise WorkflowError(_("Write the correction note readers will see."))
    problems = translation_problems(translation=t)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise SubmitRefused(
            ngettext(
                "Not sent: %(n)d problem must be fixed first.",
                "Not sent: %(n)d problems must be fixed first.",
                len(errors),
            )
            % {"n": len(errors)}
            + " "
            + errors[0].message,
            problems,
        )
    old, t.state = t.state, State.IN_REVIEW
    if t.is_correction:
        excluded = {*versions.author_ids(t.authors), t.corrected_by_id, t.translator_id}
        recipients = [u for u in notifications.reviewers_except(None) if u.pk not in excluded]
    else:
        recipients = [t.reviewer] if t.reviewer else notifications.reviewers_except(t.translator)
    return _record(
        t,
        by=by,
        action="submit",
        old_state=old,
        comment=comment,
        notify=[(r, NotificationKind.REVIEW_REQUESTED) for r in recipients],
    )


@transaction.atomic
def translation_request_changes(*, translation: Translation, by: Any, comment: str) -> Translation:
    """A reviewer sends the text back with a required reason that reaches the translator
    (for a correction: the correcting editor, who holds it)."""
    if not comment.strip():
        raise WorkflowError(_("Say what needs to change: the translator sees your reason."))
    t = _lock(translation, "request_changes", by)
    old, t.state = t.state, State.IN_PROGRESS
    if t.is_correction:
        holder = t.corrected_by
    else:
        holder = t.translator
        if t.reviewer_id is None:
            t.reviewer = by
    return _record(
        t,
        by=by,
        action="request_changes",
        old_state=old,
        comment=comment,
        notify=[(holder, NotificationKind.CHANGES_REQUESTED)] if holder else [],
    )


@transaction.atomic
def translation_approve(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """A reviewer who did not translate it approves; they are credited as reviewer, and the
    approved block pairs go into translation memory.

    Approving a correction publishes it in the same action: any reviewer or editor who neither
    changed its text nor opened it approves, and readers get exactly the text this approval
    pins, with the correction note; the correcting editor gets an editor credit.
    """
    t = _lock(translation, "approve", by)
    submitted = versions.latest_pin(t, "submit")
    if submitted is None or submitted.event.content_hash != versions.working_copy_hash(t):
        raise WorkflowError(
            _("The text differs from what was submitted for review. Request changes so it is submitted again.")
        )
    old, t.state = t.state, State.APPROVED
    if t.reviewer_id is None:
        t.reviewer = by
    _ensure_credit(t, by, Role.REVIEWER)
    memory.memory_record_approved(translation=t)
    if t.is_correction:
        _record(t, by=by, action="approve", old_state=old, comment=comment)
        return _publish(t, by=by, editor=t.corrected_by, comment=_(COMMENTS["correction_publish"]))
    return _record(
        t,
        by=by,
        action="approve",
        old_state=old,
        comment=comment,
        notify=[(t.translator, NotificationKind.APPROVED)] if t.translator else [],
    )


def _publish(t: Translation, *, by: Any, editor: Any, comment: str) -> Translation:
    """Publish the text the latest approval pinned (caller holds the lock, state approved)."""
    pin = versions.approved_pin(t)
    if pin is None:
        raise WorkflowError(_("No approved version of this text was found; it must be reviewed again."))
    old, t.state = t.state, State.PUBLISHED
    now = timezone.now()
    if editor is not None:
        _ensure_credit(t, editor, Role.EDITOR)
    # Readers get exactly the text the reviewer approved, whatever the working copy holds.
    _snapshot_credits(t)  # first: the page stored at publication shows the names as published
    publishing.article_publish(translation=versions.approved_copy(t, pin), at=now)
    t.first_published_at = t.first_published_at or now
    t.scheduled_for, t.is_correction, t.correction_note, t.corrected_by = None, False, "", None
    recipients = {u.pk: u for u in (t.translator, t.reviewer, editor) if u is not None}
    return _record(
        t,
        by=by,
        action="publish",
        old_state=old,
        comment=comment,
        notify=[(u, NotificationKind.PUBLISHED) for u in recipients.values()],
    )


@transaction.atomic
def translation_publish(
    *, translation: Translation, by: Any, comment: str = "", credited_ids: Iterable[int] | None = None
) -> Translation:
    """An editor who did not translate it publishes: the live fields take the approved text.

    Credits are snapshotted with each person's current credit choice. A correction gets a
    dated note on the article. Translator and reviewer are notified.
    """
    t = _lock(translation, "publish", by)
    if permissions.is_translator_of(by, t):
        raise PermissionDenied(_(REFUSALS["publish"]))
    if credited_ids is not None:
        credits_confirm(translation=t, by=by, credited_ids=credited_ids)
    return _publish(t, by=by, editor=by, comment=comment)


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
    t.save()
    # Each credit is stored with its snapshot name (as _snapshot_credits would take it), before
    # publishing: the page stored at publication shows the names as published.
    for user, role in ((translator, Role.TRANSLATOR), (reviewer, Role.REVIEWER)):
        if user is not None:
            Credit.objects.create(
                translation=t, user=user, role=role, is_credited=True, credit_name=names.public_name(user, role)
            )
    publishing.article_publish(translation=t, at=published_at)
    return _record(
        t, by=by, action="archive_import", old_state=State.OPEN, comment=comment or _(COMMENTS["archive_import"])
    )


@transaction.atomic
def translation_schedule(
    *,
    translation: Translation,
    by: Any,
    at: dt.datetime,
    comment: str = "",
    credited_ids: Iterable[int] | None = None,
) -> Translation:
    """An editor sets a publication time; beat publishes it then (``translations_publish_due``)."""
    if at <= timezone.now():
        raise WorkflowError(_("Choose a time in the future, or publish now."))
    t = _lock(translation, "schedule", by)
    if credited_ids is not None:
        credits_confirm(translation=t, by=by, credited_ids=credited_ids)
    old, t.state, t.scheduled_for = t.state, State.SCHEDULED, at
    return _record(
        t,
        by=by,
        action="schedule",
        old_state=old,
        comment=comment or _("Scheduled for %(at)s") % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")},
    )


@transaction.atomic
def translation_unschedule(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    t = _lock(translation, "unschedule", by)
    old, t.state, t.scheduled_for = t.state, State.APPROVED, None
    return _record(t, by=by, action="unschedule", old_state=old, comment=comment)


@transaction.atomic
def translation_unpublish(*, translation: Translation, by: Any, reason: str) -> Translation:
    """An editor takes the text off the site, with a reason kept in the log."""
    if not reason.strip():
        raise WorkflowError(_("Give a reason for unpublishing."))
    t = _lock(translation, "unpublish", by)
    old, t.state = t.state, State.APPROVED
    publishing.article_unpublish(translation=t)
    return _record(t, by=by, action="unpublish", old_state=old, comment=reason)


@transaction.atomic
def translation_correct(
    *, translation: Translation, by: Any, note: str = "", comment: str = "", restore_version: Version | None = None
) -> Translation:
    """An editor opens a correction of a published story and holds it; the live text stays up.

    Who: editors. Changes: the working copy becomes editable (in progress, ``is_correction``)
    for editors only, ``corrected_by`` = ``by``; ``note`` (the dated note readers will see)
    may be written now or when the correction is sent (``translation_submit`` requires it).
    The translator keeps the job and its credit and is told (a ``correcting`` notice), not
    assigned. With ``restore_version`` (History → Restore on a published story) the working
    copy takes that version's text in the same transaction, saved as a new version.
    """
    t = _lock(translation, "correct", by)
    old, t.state = t.state, State.IN_PROGRESS
    t.is_correction, t.correction_note, t.corrected_by = True, note.strip()[:2000], by
    t = _record(
        t,
        by=by,
        action="correct",
        old_state=old,
        comment=comment or note.strip(),
        notify=[(t.translator, NotificationKind.CORRECTING)] if t.translator else [],
    )
    if restore_version is not None:
        t = editing.translation_restore_version(translation=t, version=restore_version, by=by)
    return t


@transaction.atomic
def translation_spike(*, translation: Translation, by: Any, reason: str = "") -> Translation:
    """An editor shelves a job; it can be restored to where it was."""
    t = _lock(translation, "spike", by)
    old, t.state, t.state_before_spike = t.state, State.SPIKED, t.state
    return _record(t, by=by, action="spike", old_state=old, comment=reason)


@transaction.atomic
def translation_restore(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    t = _lock(translation, "restore", by)
    old, t.state = t.state, t.state_before_spike or State.OPEN
    if t.state == State.SCHEDULED and (t.scheduled_for is None or t.scheduled_for <= timezone.now()):
        t.state = State.APPROVED
    if t.state not in (State.OPEN,) and t.translator_id is None:
        t.state = State.OPEN
    t.state_before_spike = ""
    try:
        with transaction.atomic():
            return _record(t, by=by, action="restore", old_state=old, comment=comment)
    except IntegrityError as e:
        raise WorkflowError(_("Another job for this article and language is active; spike it first.")) from e


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
            translation_publish(translation=Translation(pk=pk), by=event.actor, comment=_("Published as scheduled"))
            published.append(pk)
        except (PermissionDenied, WorkflowError):
            import logging

            logging.getLogger(__name__).exception("Scheduled publication of translation %s failed", pk)
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
    return _record(
        t,
        by=None,
        action="expire",
        old_state=old,
        comment=_("Claim expired after no activity"),
        notify=[(holder, NotificationKind.CLAIM_EXPIRED)],
    )


@transaction.atomic
def credits_confirm(*, translation: Translation, by: Any, credited_ids: Iterable[int]) -> list[Credit]:
    """The editor confirms who is credited in public: credits in ``credited_ids`` are, others not.

    Callers: editors who may publish this translation. Writes ``Credit.is_credited`` and
    ``credit_name`` (snapshot of each person's choice) and an audit entry.
    """
    if not permissions.can_publish(user=by, translation=translation):
        raise PermissionDenied(_("Only an editor who did not translate this can confirm its credits."))
    if translation.state not in (State.APPROVED, State.SCHEDULED):
        raise WorkflowError(_("Credits are confirmed when an approved translation is published."))
    wanted = {int(i) for i in credited_ids}
    credits = list(
        Credit.objects.select_for_update(of=("self",))
        .filter(translation=translation)
        .select_related("user", "user__contributor")
    )
    if wanted - {c.pk for c in credits}:
        raise WorkflowError(_("Some credits do not belong to this translation."))
    for credit in credits:
        credit.is_credited = credit.pk in wanted
        if credit.user is not None:
            credit.credit_name = names.public_name(credit.user, credit.role)
        credit.save(update_fields=["is_credited", "credit_name"])
    audit_record(
        actor=by, action="translation.credits_confirm", target=translation, credited=",".join(map(str, sorted(wanted)))
    )
    return credits
