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

Each verb is one class in ``actions.py`` (:class:`~translations.workflow.base.Transition`:
from-states, permission predicate, refusal and wrong-state sentences, event comment, success
message, its form, ``execute()``), found in one registry (``registry.py``) that the desk's
shared transition view, the translation page's buttons and the route walk read. It locks the
row, checks the actor's permission (``permissions.py``) and the current state, writes the new
state, a :class:`WorkflowEvent`, a django-reversion revision and an audit entry in one
transaction, records the notifications it causes and queues their delivery with
``transaction.on_commit``. A refused transition raises :class:`PermissionDenied` or
:class:`WorkflowError` with a sentence for the person, and writes nothing.

The functions below are the services every caller uses (views, commands, tasks, tests): each
``translation_<verb>`` hands its keyword arguments to its verb and runs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from reversion.models import Version

from translations import editing, permissions
from translations.models import Translation
from translations.workflow import actions, registry
from translations.workflow.actions import translation_problems
from translations.workflow.base import SubmitRefused, Transition, WorkflowError
from translations.workflow.credits import credits_confirm
from translations.workflow.system import (
    ArchivePublication,
    translation_archive_publish,
    translation_create,
    translation_expire_claim,
    translations_archive_publish_bulk,
    translations_publish_due,
)

__all__ = [
    "ArchivePublication",
    "SubmitRefused",
    "Transition",
    "WorkflowError",
    "available_actions",
    "can_edit_text_now",
    "credits_confirm",
    "translation_approve",
    "translation_archive_publish",
    "translations_archive_publish_bulk",
    "translation_assign",
    "translation_claim",
    "translation_correct",
    "translation_create",
    "translation_discard_correction",
    "translation_expire_claim",
    "translation_problems",
    "translation_publish",
    "translation_release",
    "translation_request_changes",
    "translation_restore",
    "translation_save_and_submit",
    "translation_schedule",
    "translation_spike",
    "translation_submit",
    "translation_unpublish",
    "translation_unschedule",
    "translations_publish_due",
]


def available_actions(*, user: Any, translation: Translation) -> list[str]:
    """The names of the verbs ``user`` may take now; pages show exactly these buttons."""
    return [verb.name for verb in registry.available(user=user, translation=translation)]


def translation_claim(*, translation: Translation, by: Any) -> Translation:
    """A translator takes an open job (:class:`actions.Claim`)."""
    return actions.Claim(translation=translation, by=by).execute()


def translation_assign(
    *,
    translation: Translation,
    by: Any,
    translator: Any,
    reviewer: Any | None = None,
    due_at: dt.datetime | None = None,
    comment: str = "",
) -> Translation:
    """An editor gives the job to a named translator (and reviewer) (:class:`actions.Assign`)."""
    return actions.Assign(
        translation=translation, by=by, translator=translator, reviewer=reviewer, due_at=due_at, comment=comment
    ).execute()


def translation_release(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """The translator (or an editor) hands the job back to the board (:class:`actions.Release`)."""
    return actions.Release(translation=translation, by=by, comment=comment).execute()


def translation_submit(
    *, translation: Translation, by: Any, comment: str = "", correction_note: str | None = None
) -> Translation:
    """The text goes to review, or a correction to its second look (:class:`actions.Submit`)."""
    return actions.Submit(translation=translation, by=by, comment=comment, correction_note=correction_note).execute()


def translation_request_changes(*, translation: Translation, by: Any, comment: str) -> Translation:
    """A reviewer sends the text back with a reason (:class:`actions.RequestChanges`)."""
    return actions.RequestChanges(translation=translation, by=by, comment=comment).execute()


def translation_approve(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """A second person approves; a correction is published by it (:class:`actions.Approve`)."""
    return actions.Approve(translation=translation, by=by, comment=comment).execute()


def translation_publish(
    *, translation: Translation, by: Any, comment: str = "", credited_ids: Iterable[int] | None = None
) -> Translation:
    """An editor publishes the approved text (:class:`actions.Publish`)."""
    return actions.Publish(translation=translation, by=by, comment=comment, credited_ids=credited_ids).execute()


def translation_schedule(
    *,
    translation: Translation,
    by: Any,
    at: dt.datetime,
    comment: str = "",
    credited_ids: Iterable[int] | None = None,
) -> Translation:
    """An editor sets a publication time (:class:`actions.Schedule`)."""
    return actions.Schedule(translation=translation, by=by, at=at, comment=comment, credited_ids=credited_ids).execute()


def translation_unschedule(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """An editor cancels a scheduled publication (:class:`actions.Unschedule`)."""
    return actions.Unschedule(translation=translation, by=by, comment=comment).execute()


def translation_unpublish(*, translation: Translation, by: Any, reason: str) -> Translation:
    """An editor takes the text off the site, with a reason (:class:`actions.Unpublish`)."""
    return actions.Unpublish(translation=translation, by=by, reason=reason).execute()


def translation_discard_correction(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """An editor drops an open correction; the text goes back to the published version
    (:class:`actions.DiscardCorrection`)."""
    return actions.DiscardCorrection(translation=translation, by=by, comment=comment).execute()


def translation_correct(
    *, translation: Translation, by: Any, note: str = "", comment: str = "", restore_version: Version | None = None
) -> Translation:
    """An editor opens a correction of a published story (:class:`actions.Correct`)."""
    return actions.Correct(
        translation=translation, by=by, note=note, comment=comment, restore_version=restore_version
    ).execute()


def translation_spike(*, translation: Translation, by: Any, reason: str = "") -> Translation:
    """An editor shelves a job (:class:`actions.Spike`)."""
    return actions.Spike(translation=translation, by=by, reason=reason).execute()


def translation_restore(*, translation: Translation, by: Any, comment: str = "") -> Translation:
    """An editor brings a spiked job back (:class:`actions.Restore`)."""
    return actions.Restore(translation=translation, by=by, comment=comment).execute()


def can_edit_text_now(*, user: Any, translation: Translation) -> bool:
    """``user`` may change the text now: the predicate and the state (``editing`` checks both on save)."""
    return (
        permissions.can_edit_text(user=user, translation=translation) and translation.state in editing.EDITABLE_STATES
    )


def translation_save_and_submit(
    *,
    translation: Translation,
    by: Any,
    text: dict[str, Any] | None,
    based_on: int | None,
    comment: str = "",
    correction_note: str | None = None,
) -> Translation:
    """The editor's Submit button: save the text its form carries, then submit it.

    Who: those ``permissions.can_submit`` allows; anyone else is refused before anything is
    saved. ``text`` (``editing.translation_save``'s text arguments, None when the form carried
    none) is saved while ``by`` may edit it, against ``based_on`` (the version the form was
    built from; None when the form's was unreadable, refused), in its own transaction: a
    submission the checks refuse keeps it. Raises ``PermissionDenied`` or ``editing.StaleEdit``
    when nothing was saved; :class:`SubmitRefused` or :class:`WorkflowError` when the text was
    saved but not sent (a refusal of the submission itself is a ``WorkflowError``).
    """
    if not permissions.can_submit(user=by, translation=translation):
        raise PermissionDenied(_(actions.Submit.refusal))
    if text is not None and can_edit_text_now(user=by, translation=translation):
        if based_on is None:
            raise PermissionDenied(_("The form is incomplete; reload the page."))
        translation = editing.translation_save(translation=translation, by=by, based_on=based_on, **text)
    try:
        return translation_submit(translation=translation, by=by, comment=comment, correction_note=correction_note)
    except PermissionDenied as e:
        raise WorkflowError(str(e)) from e
