"""Deleting a person's account: their private data goes, the public record stays as agreed.

A volunteer may ask to be forgotten. What is private goes: the ``User`` row (username, email,
names, password), their :class:`~translations.models.Contributor` profile, their notices,
invitations sent to their email address and login-attempt records under their username.
What they agreed to make public stays: every credit keeps its ``credit_name`` snapshot (their
pseudonym, "a volunteer translator", or the real name if that is what they chose), and
``Credit.user`` becomes NULL (``on_delete=SET_NULL``). Credits on work not yet published are
snapshotted now with the person's credit choice, so when it is published later it credits
them as they chose, not as whoever the account would have become.

Jobs they hold in progress go back to the board (text kept, their credit detached and kept).
Jobs of theirs in review, approved or scheduled and never published are refused: a
translation in those states must have a translator (database constraint), so the editor
decides first (publish it, or ask for changes, then delete).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from newsroom.models import AuditEntry
from newsroom.site.rendering import owner as rendering
from translations import permissions, workflow
from translations.models import (
    Contributor,
    Credit,
    CreditMode,
    Invitation,
    Notification,
    Role,
    State,
    Translation,
)
from translations.people import names

# States in which the translator must stay set (constraint translation_worked_on_has_translator).
_HELD_STATES = (State.IN_REVIEW, State.APPROVED, State.SCHEDULED)


class UserDeleteRefused(DeskError):
    """The account cannot be deleted yet; ``message`` says what the editor should do first."""


@transaction.atomic
def user_delete(*, user: Any, by: Any) -> dict[str, int]:
    """Delete ``user``'s account and private data, keeping their credits as they chose them.

    Who may call: editors only (PermissionDenied otherwise); nobody deletes themself this way.
    Changes: snapshots the credit name on every credit of theirs that is not yet published,
    releases their in-progress jobs (credit detached and kept), deletes their invitations,
    login-attempt records, notifications, profile and the User row (Credit.user, Translation
    translator/reviewer, comments, events and audit actors become NULL). Writes one audit
    entry that names them only by id and public credit name. Invalidates the site's page
    cache (their public translator page is gone). Queues nothing.
    Raises UserDeleteRefused if they translate a job in review, approved or scheduled.
    Returns counts of what was removed or kept.
    """
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can delete accounts."))
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == by.pk:
        raise UserDeleteRefused(_("You cannot delete your own account here; ask another editor."))
    held = list(
        Translation.objects.filter(translator=user, state__in=_HELD_STATES, first_published_at__isnull=True).order_by(
            "pk"
        )
    )
    if held:
        jobs = ", ".join(f"#{t.pk} ({t.get_state_display()})" for t in held)
        raise UserDeleteRefused(
            _(
                "This person is the translator of jobs that are in review, approved or scheduled: %(jobs)s. "
                "Publish them, or ask for changes, before deleting the account."
            )
            % {"jobs": jobs}
        )

    contributor = Contributor.objects.filter(user=user).first()
    public_name = names.public_name(user, Role.TRANSLATOR)
    counts = {"credits_kept": 0, "jobs_released": 0, "notifications": 0, "invitations": 0}

    # Unpublished work: snapshot the name now, as they chose it; published snapshots stay as they are.
    for credit in Credit.objects.filter(user=user).select_related("translation"):
        if credit.translation.state != State.PUBLISHED or not credit.credit_name:
            credit.credit_name = names.public_name(user, credit.role)
            credit.save(update_fields=["credit_name"])
        counts["credits_kept"] += 1

    # Jobs they hold go back to the board; their credit is detached first so releasing keeps it.
    for t in Translation.objects.filter(translator=user, state=State.IN_PROGRESS).order_by("pk"):
        if t.first_published_at is None:
            Credit.objects.filter(translation=t, user=user).update(user=None)
            workflow.translation_release(translation=t, by=by, comment=_("The translator's account was deleted."))
            counts["jobs_released"] += 1

    email = (user.email or "").strip()
    if email:
        counts["invitations"], _detail = Invitation.objects.filter(email__iexact=email).delete()
    counts["notifications"], _detail = Notification.objects.filter(user=user).delete()
    _forget_login_attempts(user.get_username())
    # Earlier audit rows about this account named it by username: keep the rows, drop the name.
    AuditEntry.objects.filter(target_type=user._meta.label_lower, target_id=str(user.pk)).update(
        target_repr=_("(deleted account)")
    )
    user_id = user.pk
    was_named = contributor is not None and contributor.credit_mode == CreditMode.REAL_NAME
    # Every page naming them (or linking to their public page, gone now) is forgotten.
    rendering.person_credit_changed(user_id=user_id)
    Contributor.objects.filter(user=user).delete()
    user.delete()
    audit_record(
        actor=by,
        action="user.delete",
        target=None,
        user_id=user_id,
        credited_as=public_name,
        credited_by_real_name=was_named,
        **counts,
    )
    return counts


def _forget_login_attempts(username: str) -> None:
    """django-axes keeps usernames of login attempts; they are personal data too."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(Q(username=username)).delete()
