"""Who may do what. Views use these to show buttons; the workflow checks them again.

Roles are the groups ``editor``, ``reviewer`` and ``translator`` (created by a migration).
Volunteers are translators whose profile says ``is_volunteer``. Superusers count as editors.

A correction of a published story (``Translation.is_correction``) is the editors' work: the
translator is told about it but neither edits nor submits it; it cannot be assigned, released
or spiked; and it goes live once a second person approves it (any reviewer or another editor,
never one who changed its text nor the editor who opened it).

Four eyes is computed from the record of who wrote the text (``Translation.authors``), read
from the exact version being decided: approving, from the version the submission pinned;
publishing and scheduling (and the scheduled publication), from the version the approval
pinned (:func:`translations.versions.pinned_author_ids`). Who holds the job now does not make
anyone an author: an editor who wrote the text and assigned it to someone else is still one.
"""

from __future__ import annotations

from typing import Any

from newsroom.core.roles import EDITOR, REVIEWER, ROLE_GROUPS, TRANSLATOR, is_desk_member, is_editor, is_reviewer
from translations.models import Translation
from translations.versions import pinned_author_ids

__all__ = ["EDITOR", "REVIEWER", "ROLE_GROUPS", "TRANSLATOR", "is_desk_member", "is_editor", "is_reviewer"]


def is_translator_of(user: Any, translation: Translation) -> bool:
    return translation.translator_id is not None and translation.translator_id == getattr(user, "pk", None)


def can_claim(*, user: Any, translation: Translation) -> bool:
    return is_desk_member(user)


def can_assign(*, user: Any, translation: Translation) -> bool:
    return is_editor(user) and not translation.is_correction


def can_release(*, user: Any, translation: Translation) -> bool:
    if translation.is_correction:
        return False
    return is_translator_of(user, translation) or is_editor(user)


def can_edit_text(*, user: Any, translation: Translation) -> bool:
    """Only the assignee (and editors) change the text; a correction, only editors."""
    if translation.is_correction:
        return is_editor(user)
    return is_translator_of(user, translation) or is_editor(user)


def can_submit(*, user: Any, translation: Translation) -> bool:
    if translation.is_correction:
        return is_editor(user)
    return is_translator_of(user, translation) or is_editor(user)


def is_corrector_of(user: Any, translation: Translation) -> bool:
    """``user`` opened the translation's open correction."""
    return (
        translation.is_correction
        and translation.corrected_by_id is not None
        and translation.corrected_by_id == getattr(user, "pk", None)
    )


def can_review(*, user: Any, translation: Translation) -> bool:
    """Four eyes: a reviewer who is not the translator; the assigned reviewer, or any when none is.

    A correction is reviewed by any reviewer or editor but the editor who opened it."""
    if not is_reviewer(user) or is_translator_of(user, translation):
        return False
    if translation.is_correction:
        return not is_corrector_of(user, translation)
    if translation.reviewer_id and translation.reviewer_id != user.pk and not is_editor(user):
        return False
    return True


def wrote_text(*, user: Any, translation: Translation, pinned_by: str) -> bool:
    """``user`` is an author of the version the latest ``pinned_by`` (submit, approve) event pinned."""
    pk = getattr(user, "pk", None)
    return pk is not None and pk in pinned_author_ids(translation, pinned_by)


def can_approve(*, user: Any, translation: Translation) -> bool:
    """Four eyes: a reviewer who wrote none of the submitted version (and does not hold the job)."""
    return can_review(user=user, translation=translation) and not wrote_text(
        user=user, translation=translation, pinned_by="submit"
    )


can_request_changes = can_review


def can_comment(*, user: Any, translation: Translation) -> bool:
    return can_review(user=user, translation=translation) or is_translator_of(user, translation)


def can_publish(*, user: Any, translation: Translation) -> bool:
    """Four eyes again: an editor who wrote none of the approved version (and does not hold the job)."""
    return (
        is_editor(user)
        and not is_translator_of(user, translation)
        and not wrote_text(user=user, translation=translation, pinned_by="approve")
    )


can_schedule = can_publish


def can_manage(*, user: Any, translation: Translation) -> bool:
    """Unpublish, correct, restore: editors."""
    return is_editor(user)


def can_spike(*, user: Any, translation: Translation) -> bool:
    """Editors; an open correction is not spiked (the story is live: it is finished or reverted)."""
    return is_editor(user) and not translation.is_correction
