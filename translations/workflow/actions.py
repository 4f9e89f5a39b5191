"""The workflow's verbs, one class each, registered in button order.

Each says who may take it (a ``permissions.py`` predicate), from which states, the sentences a
person reads, the form that carries it and, in ``apply``, what it changes; the
:class:`~translations.workflow.base.Transition` base locks, checks and records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext
from reversion.models import Version

from newsroom import publishing
from translations import editing, permissions, versions
from translations.assist import checks, glossary, memory
from translations.models import Credit, NotificationKind, Role, State, Translation
from translations.people import notifications
from translations.workflow.base import FreeText, SubmitRefused, Transition, WorkflowError, record
from translations.workflow.credits import credits_confirm, ensure_credit, snapshot_credits
from translations.workflow.registry import register

# The comment of the publication an approved correction makes.
CORRECTION_PUBLISHED = N_("Correction published")


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
    ) + checks.name_spelling_checks(uses=publishing.translator_name_uses(translation=translation))


@register
@dataclass(kw_only=True)
class Claim(Transition):
    """A translator takes an open job. Safe under races: the row lock makes the second claim fail."""

    name = "claim"
    from_states = frozenset({State.OPEN})
    permission = staticmethod(permissions.can_claim)
    refusal = N_("Only desk members can claim jobs.")
    wrong_state = N_("Someone else has already taken this job.")
    event_comment = N_("Claimed")
    success = N_("The job is yours.")
    label = N_("Claim this job")

    @classmethod
    def refusal_for(cls, *, user: Any, translation: Translation) -> Exception | None:
        refusal = super().refusal_for(user=user, translation=translation)
        if refusal is None and translation.translator_id:
            return WorkflowError(_(cls.wrong_state))
        return refusal

    def apply(self, t: Translation) -> Translation:
        old, t.state = t.state, State.IN_PROGRESS
        t.translator, t.claimed_at, t.reminded_at = self.by, timezone.now(), None
        ensure_credit(t, self.by, Role.TRANSLATOR)
        return self.record(t, old_state=old, comment="")


@register
@dataclass(kw_only=True)
class Assign(Transition):
    """An editor gives the job to a named translator (and reviewer); the previous holder is kept in history."""

    name = "assign"
    from_states = frozenset({State.OPEN, State.IN_PROGRESS})
    permission = staticmethod(permissions.can_assign)
    refusal = N_("Only editors can assign jobs.")
    wrong_state = N_("Only open or in-progress jobs can be assigned.")
    event_comment = N_("Assigned")
    success = N_("Assigned.")
    label = N_("Assign")
    page = "desk:assign"
    page_label = N_("Assign…")
    takes_transition_form = False  # its page names the translator, the reviewer and the due date

    translator: Any
    reviewer: Any | None = None
    due_at: dt.datetime | None = None
    comment: str = ""

    def apply(self, t: Translation) -> Translation:
        translator, reviewer = self.translator, self.reviewer
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
        ensure_credit(t, translator, Role.TRANSLATOR)
        if reviewer is not None:
            t.reviewer = reviewer
        if self.due_at is not None:
            t.due_at = self.due_at
        t.state = State.IN_PROGRESS
        return self.record(t, old_state=old, comment=self.comment, notify=notify)


@register
@dataclass(kw_only=True)
class Release(Transition):
    """The translator (or an editor) hands the job back to the board; the text stays."""

    name = "release"
    from_states = frozenset({State.IN_PROGRESS})
    permission = staticmethod(permissions.can_release)
    refusal = N_("Only the assigned translator or an editor can release this job.")
    wrong_state = N_("Only a job in progress can be released.")
    event_comment = N_("Released")
    success = N_("Released back to the board.")
    label = N_("Give the job back")
    is_secondary = True

    comment: str = ""

    def apply(self, t: Translation) -> Translation:
        old, t.state = t.state, State.OPEN
        Credit.objects.filter(translation=t, role=Role.TRANSLATOR, user=t.translator).delete()
        t.translator, t.claimed_at = None, None
        return self.record(t, old_state=old, comment=self.comment)


@register
@dataclass(kw_only=True)
class Submit(Transition):
    """The translator sends the text for review; the reviewer (or every reviewer) is notified.

    A correction is sent by an editor for a second look, with its correction note (readers see
    it once the correction is approved): ``correction_note`` replaces the note written when it
    was opened, and a correction without a note is refused. Every reviewer and editor but those
    who changed the text and the correcting editor is notified. The submission checks
    (:func:`translation_problems`) run here, so every route enforces them.
    """

    name = "submit"
    from_states = frozenset({State.IN_PROGRESS})
    permission = staticmethod(permissions.can_submit)
    refusal = N_("Only the assigned translator can submit this.")
    wrong_state = N_("This translation is no longer in progress.")
    event_comment = N_("Submitted for review")
    success = N_("Sent for review.")
    label = N_("Submit for review")
    # Its own view saves the text the editor form carries first.
    route = "desk:submit"

    comment: str = ""
    correction_note: str | None = None

    @classmethod
    def success_message(cls, translation: Translation) -> str:
        if translation.is_correction:
            return _("Sent for a second look: it goes live when another reviewer or editor approves it.")
        return _(cls.success)

    def apply(self, t: Translation) -> Translation:
        if t.is_correction:
            if self.correction_note is not None:
                t.correction_note = self.correction_note.strip()[:2000]
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
        return self.record(
            t,
            old_state=old,
            comment=self.comment,
            notify=[(r, NotificationKind.REVIEW_REQUESTED) for r in recipients],
        )


@register
@dataclass(kw_only=True)
class RequestChanges(Transition):
    """A reviewer sends the text back with a required reason that reaches the translator
    (for a correction: the correcting editor, who holds it)."""

    name = "request_changes"
    # From approved too: a reviewer may reopen it, e.g. when the source changed after approval.
    from_states = frozenset({State.IN_REVIEW, State.APPROVED})
    permission = staticmethod(permissions.can_request_changes)
    refusal = N_("Only a reviewer who did not translate this can ask for changes.")
    wrong_state = N_("Changes can only be requested while the translation is in review or approved.")
    event_comment = N_("Changes requested")
    success = N_("Changes requested; the translator has been told.")
    label = N_("Request changes")
    free_text = FreeText(label=N_("What needs to change"), required=True)

    comment: str

    def validate(self) -> None:
        if not self.comment.strip():
            raise WorkflowError(_("Say what needs to change: the translator sees your reason."))

    def apply(self, t: Translation) -> Translation:
        old, t.state = t.state, State.IN_PROGRESS
        if t.is_correction:
            holder = t.corrected_by
        else:
            holder = t.translator
            if t.reviewer_id is None:
                t.reviewer = self.by
        return self.record(
            t,
            old_state=old,
            comment=self.comment,
            notify=[(holder, NotificationKind.CHANGES_REQUESTED)] if holder else [],
        )


@register
@dataclass(kw_only=True)
class Approve(Transition):
    """A reviewer who did not translate it approves; they are credited as reviewer, and the
    approved block pairs go into translation memory.

    Approving a correction publishes it in the same action: any reviewer or editor who neither
    changed its text nor opened it approves, and readers get exactly the text this approval
    pins, with the correction note; the correcting editor gets an editor credit.
    """

    name = "approve"
    from_states = frozenset({State.IN_REVIEW})
    permission = staticmethod(permissions.can_approve)
    refusal = N_(
        "Four eyes: only a reviewer who did not translate or change this text (nor open its correction) can approve it."
    )
    wrong_state = N_("This translation is not in review.")
    event_comment = N_("Approved")
    success = N_("Approved.")
    label = N_("Approve")

    comment: str = ""

    @classmethod
    def success_message(cls, translation: Translation) -> str:
        return _("Approved: the correction is published.") if translation.is_correction else _(cls.success)

    def needs_recent_factor(self, t: Translation) -> bool:
        return bool(t.is_correction)  # approving a correction publishes it

    def apply(self, t: Translation) -> Translation:
        submitted = versions.latest_pin(t, "submit")
        if submitted is None or submitted.event.content_hash != versions.working_copy_hash(t):
            raise WorkflowError(
                _("The text differs from what was submitted for review. Request changes so it is submitted again.")
            )
        old, t.state = t.state, State.APPROVED
        if t.reviewer_id is None:
            t.reviewer = self.by
        ensure_credit(t, self.by, Role.REVIEWER)
        memory.memory_record_approved(translation=t)
        if t.is_correction:
            self.record(t, old_state=old, comment=self.comment)
            return publish_approved(t, by=self.by, editor=t.corrected_by, comment=_(CORRECTION_PUBLISHED))
        return self.record(
            t,
            old_state=old,
            comment=self.comment,
            notify=[(t.translator, NotificationKind.APPROVED)] if t.translator else [],
        )


def publish_approved(t: Translation, *, by: Any, editor: Any, comment: str) -> Translation:
    """Publish the text the latest approval pinned (caller holds the lock, state approved)."""
    pin = versions.approved_pin(t)
    if pin is None:
        raise WorkflowError(_("No approved version of this text was found; it must be reviewed again."))
    old, t.state = t.state, State.PUBLISHED
    now = timezone.now()
    if editor is not None:
        ensure_credit(t, editor, Role.EDITOR)
    # Readers get exactly the text the reviewer approved, whatever the working copy holds.
    snapshot_credits(t)  # first: the page stored at publication shows the names as published
    publishing.article_publish(translation=versions.approved_copy(t, pin), at=now)
    t.first_published_at = t.first_published_at or now
    t.scheduled_for, t.is_correction, t.correction_note, t.corrected_by = None, False, "", None
    recipients = {u.pk: u for u in (t.translator, t.reviewer, editor) if u is not None}
    return record(
        t,
        by=by,
        action=Publish.name,
        old_state=old,
        comment=comment,
        default_comment=_(Publish.event_comment),
        notify=[(u, NotificationKind.PUBLISHED) for u in recipients.values()],
    )


@register
@dataclass(kw_only=True)
class Publish(Transition):
    """An editor who did not translate it publishes: the live fields take the approved text.

    Credits are snapshotted with each person's current credit choice (``credited_ids``, when
    given, are confirmed first). A correction gets a dated note on the article. Translator and
    reviewer are notified.
    """

    name = "publish"
    is_sensitive = True
    from_states = frozenset({State.APPROVED, State.SCHEDULED})
    permission = staticmethod(permissions.can_publish)
    refusal = N_("Four eyes: only an editor who did not translate or change this text can publish it.")
    wrong_state = N_("Only an approved translation can be published.")
    event_comment = N_("Published")
    success = N_("Published.")
    label = N_("Publish")
    page = "desk:preview"
    page_label = N_("Preview and publish")

    comment: str = ""
    credited_ids: Iterable[int] | None = None

    @classmethod
    def refusal_for(cls, *, user: Any, translation: Translation) -> Exception | None:
        refusal = super().refusal_for(user=user, translation=translation)
        if refusal is None and permissions.is_translator_of(user, translation):
            return PermissionDenied(_(cls.refusal))
        return refusal

    def apply(self, t: Translation) -> Translation:
        if self.credited_ids is not None:
            credits_confirm(translation=t, by=self.by, credited_ids=self.credited_ids)
        return publish_approved(t, by=self.by, editor=self.by, comment=self.comment)


@register
@dataclass(kw_only=True)
class Schedule(Transition):
    """An editor sets a publication time; beat publishes it then (``translations_publish_due``)."""

    name = "schedule"
    is_sensitive = True
    from_states = frozenset({State.APPROVED})
    permission = staticmethod(permissions.can_schedule)
    refusal = N_("Four eyes: only an editor who did not translate or change this text can schedule it.")
    wrong_state = N_("Only an approved translation can be scheduled.")
    event_comment = N_("Scheduled")
    success = N_("Scheduled.")
    label = N_("Schedule")
    page = "desk:preview"
    page_label = N_("Preview and schedule")

    at: dt.datetime
    comment: str = ""
    credited_ids: Iterable[int] | None = None

    @classmethod
    def form_arguments(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        if data.get("at") is None:
            raise WorkflowError(_("Choose when to publish."))
        return {"at": data["at"], **super().form_arguments(data)}

    def validate(self) -> None:
        if self.at <= timezone.now():
            raise WorkflowError(_("Choose a time in the future, or publish now."))

    def apply(self, t: Translation) -> Translation:
        if self.credited_ids is not None:
            credits_confirm(translation=t, by=self.by, credited_ids=self.credited_ids)
        old, t.state, t.scheduled_for = t.state, State.SCHEDULED, self.at
        at = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M %Z")
        return self.record(t, old_state=old, comment=self.comment or _("Scheduled for %(at)s") % {"at": at})


@register
@dataclass(kw_only=True)
class Unschedule(Transition):
    """An editor cancels a scheduled publication: the job is approved again."""

    name = "unschedule"
    from_states = frozenset({State.SCHEDULED})
    permission = staticmethod(permissions.can_schedule)
    refusal = N_("Only an editor can cancel a scheduled publication.")
    wrong_state = N_("This translation is not scheduled.")
    event_comment = N_("Schedule cancelled")
    success = N_("Schedule cancelled.")
    label = N_("Unschedule")

    comment: str = ""

    def apply(self, t: Translation) -> Translation:
        old, t.state, t.scheduled_for = t.state, State.APPROVED, None
        return self.record(t, old_state=old, comment=self.comment)


@register
@dataclass(kw_only=True)
class Unpublish(Transition):
    """An editor takes the text off the site, with a reason kept in the log.

    Also while a correction is open (the story is live then too): the correction is discarded
    first — the working copy goes back to the published text — and the job is approved again.
    """

    name = "unpublish"
    is_sensitive = True
    from_states = frozenset({State.PUBLISHED, State.IN_PROGRESS})
    permission = staticmethod(permissions.can_manage)
    refusal = N_("Only editors can unpublish.")
    wrong_state = N_("This translation is not published.")
    event_comment = N_("Unpublished")
    success = N_("Unpublished.")
    label = N_("Unpublish")
    free_text = FreeText(label=N_("Reason"), argument="reason", required=True)
    is_secondary = True
    is_danger = True

    reason: str

    @classmethod
    def refusal_for(cls, *, user: Any, translation: Translation) -> Exception | None:
        refusal = super().refusal_for(user=user, translation=translation)
        if refusal is None and translation.state == State.IN_PROGRESS and not translation.is_correction:
            return WorkflowError(_(cls.wrong_state))
        return refusal

    @classmethod
    def success_message(cls, translation: Translation) -> str:
        if translation.is_correction:
            return _("Unpublished. The open correction was discarded: its text went back to the published version.")
        return _(cls.success)

    def validate(self) -> None:
        if not self.reason.strip():
            raise WorkflowError(_("Give a reason for unpublishing."))

    def apply(self, t: Translation) -> Translation:
        old = t.state
        if t.is_correction:
            correction_drop(t)
        t.state = State.APPROVED
        publishing.article_unpublish(translation=t)
        return self.record(t, old_state=old, comment=self.reason)


def correction_drop(t: Translation) -> None:
    """Put the published text back into the working copy of ``t`` (locked, a correction) and
    close the correction; the caller records it. Nothing public changes: readers never saw it."""
    pin = versions.approved_pin(t)
    if pin is None:
        raise WorkflowError(_("No published version of this text was found."))
    snap = pin.snapshot
    for field in versions.TEXT_FIELDS:
        setattr(t, field, snap[field])
    if snap["source_revision_id"] is not None:
        t.source_revision_id = snap["source_revision_id"]
    drafts = pin.version.field_dict.get("machine_drafts")
    t.machine_drafts = drafts if isinstance(drafts, dict) else {}
    authors = pin.version.field_dict.get("authors")  # who wrote the published text, as it was
    t.authors = authors if isinstance(authors, dict) else {}
    t.is_correction, t.correction_note, t.corrected_by = False, "", None
    t.edit_version += 1  # an editor still open on the correction gets "changed meanwhile", not a silent overwrite


@register
@dataclass(kw_only=True)
class Correct(Transition):
    """An editor opens a correction of a published story and holds it; the live text stays up.

    Who: editors. Changes: the working copy becomes editable (in progress, ``is_correction``)
    for editors only, ``corrected_by`` = ``by``; ``note`` (the dated note readers will see)
    may be written now or when the correction is sent (``Submit`` requires it). The translator
    keeps the job and its credit and is told (a ``correcting`` notice), not assigned. With
    ``restore_version`` (History → Restore on a published story) the working copy takes that
    version's text in the same transaction, saved as a new version.
    """

    name = "correct"
    from_states = frozenset({State.PUBLISHED})
    permission = staticmethod(permissions.can_manage)
    refusal = N_("Only editors can open a correction.")
    wrong_state = N_("Only a published translation can be corrected.")
    event_comment = N_("Correction opened")
    success = N_(
        "Correction opened: edit the text, write the correction note and send it for a second look. "
        "Readers see the published version until someone else approves it."
    )
    label = N_("Correct")
    free_text = FreeText(label=N_("Correction note readers will see"), argument="note")

    note: str = ""
    comment: str = ""
    restore_version: Version | None = None

    def apply(self, t: Translation) -> Translation:
        old, t.state = t.state, State.IN_PROGRESS
        note = self.note.strip()
        t.is_correction, t.correction_note, t.corrected_by = True, note[:2000], self.by
        t = self.record(
            t,
            old_state=old,
            comment=self.comment or note,
            notify=[(t.translator, NotificationKind.CORRECTING)] if t.translator else [],
        )
        if self.restore_version is not None:
            t = editing.translation_restore_version(translation=t, version=self.restore_version, by=self.by)
        return t


@register
@dataclass(kw_only=True)
class DiscardCorrection(Transition):
    """An editor drops an open correction (opened by mistake, or no longer wanted).

    Who: editors. Changes: the working copy takes the published text again, the job is
    published and no longer a correction; an event and a revision record it. No note for
    readers: the live story was never touched, so they never saw anything to correct.
    """

    name = "discard_correction"
    from_states = frozenset({State.IN_PROGRESS})
    permission = staticmethod(permissions.can_manage)
    refusal = N_("Only editors can discard a correction.")
    wrong_state = N_("There is no open correction to discard.")
    event_comment = N_("Correction discarded")
    success = N_("Correction discarded: the text is the published version again. Readers saw no change.")
    label = N_("Discard the correction")
    free_text = FreeText(label=N_("Why (kept in the history, never shown to readers)"))
    is_secondary = True

    comment: str = ""

    @classmethod
    def refusal_for(cls, *, user: Any, translation: Translation) -> Exception | None:
        refusal = super().refusal_for(user=user, translation=translation)
        if refusal is None and not translation.is_correction:
            return WorkflowError(_(cls.wrong_state))
        return refusal

    def apply(self, t: Translation) -> Translation:
        old = t.state
        correction_drop(t)
        t.state = State.PUBLISHED
        return self.record(t, old_state=old, comment=self.comment)


@register
@dataclass(kw_only=True)
class Spike(Transition):
    """An editor shelves a job; it can be restored to where it was."""

    name = "spike"
    from_states = frozenset(set(State.values) - {State.PUBLISHED, State.SPIKED})
    permission = staticmethod(permissions.can_spike)
    refusal = N_("Only editors can spike a job.")
    wrong_state = N_("A published translation must be unpublished before it is spiked.")
    event_comment = N_("Spiked")
    success = N_("Spiked.")
    label = N_("Spike")
    free_text = FreeText(label=N_("Reason"), argument="reason")
    is_secondary = True

    reason: str = ""

    def apply(self, t: Translation) -> Translation:
        old, t.state, t.state_before_spike = t.state, State.SPIKED, t.state
        return self.record(t, old_state=old, comment=self.reason)


@register
@dataclass(kw_only=True)
class Restore(Transition):
    """An editor brings a spiked job back to the state it was spiked in (or open, when nobody holds it)."""

    name = "restore"
    from_states = frozenset({State.SPIKED})
    permission = staticmethod(permissions.can_manage)
    refusal = N_("Only editors can restore a spiked job.")
    wrong_state = N_("This job is not spiked.")
    event_comment = N_("Restored")
    success = N_("Restored.")
    label = N_("Restore")

    comment: str = ""

    def apply(self, t: Translation) -> Translation:
        old, t.state = t.state, t.state_before_spike or State.OPEN
        if t.state == State.SCHEDULED and (t.scheduled_for is None or t.scheduled_for <= timezone.now()):
            t.state = State.APPROVED
        if t.state not in (State.OPEN,) and t.translator_id is None:
            t.state = State.OPEN
        t.state_before_spike = ""
        try:
            with transaction.atomic():
                return self.record(t, old_state=old, comment=self.comment)
        except IntegrityError as e:
            raise WorkflowError(_("Another job for this article and language is active; spike it first.")) from e
