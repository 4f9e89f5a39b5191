"""Roles need a second person: a reviewer or editor role is given only when two people agree.

One editor asks (:func:`role_grant_request`: the invite form for an invitee, the desk's Roles
page for someone already on the desk); another editor, or an administrator (superuser),
confirms or declines it (:func:`role_grant_confirm`, :func:`role_grant_decline`). Nobody
confirms a grant they asked for or one that is for themselves, so one person cannot make a
"second pair of eyes" for the four-eyes rule. Every step writes an audit entry.

This module is the only code that puts someone in the reviewer or editor group: invitations
(``accounts.invitation_accept``) give the translator role and leave the rest to the grant, and
the admin shows group membership read-only. The demo loader (``load_demo``, refused with DEBUG
off) seeds its made-up accounts directly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from translations import permissions
from translations.models import GrantState, Invitation, Role, RoleGrant

SECOND_LOOK_ROLES = (Role.REVIEWER, Role.EDITOR)


class RoleGrantError(DeskError):
    """A grant that cannot be asked for or decided (already has the role, already decided)."""


def _is_administrator(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _role_give(*, user: Any, role: str) -> None:
    """Put ``user`` in ``role``'s group (and the translator group: reviewers and editors translate
    too). Editors also work in the Django admin."""
    user.groups.add(Group.objects.get_or_create(name=role)[0], Group.objects.get_or_create(name=Role.TRANSLATOR)[0])
    if role == Role.EDITOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_desk_groups", None)  # roles.py caches a user's groups per object


def has_role(*, user: Any, role: str) -> bool:
    return user.groups.filter(name=role).exists()


@transaction.atomic
def role_grant_request(
    *, by: Any, role: str, user: Any | None = None, invitation: Invitation | None = None
) -> RoleGrant:
    """An editor asks for ``role`` (reviewer or editor) for ``user`` (on the desk) or for the
    person behind ``invitation``. Writes a pending RoleGrant and an audit entry; nothing changes
    for the person until another editor confirms."""
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can ask for a reviewer or editor role."))
    if role not in SECOND_LOOK_ROLES:
        raise RoleGrantError(_("Only the reviewer and editor roles need a second editor."))
    if (user is None) == (invitation is None):
        raise ValueError("a grant is for a user or for an invitation")
    if user is not None:
        if has_role(user=user, role=role):
            raise RoleGrantError(_("%(person)s already has this role.") % {"person": user.get_username()})
        if RoleGrant.objects.filter(user=user, role=role, state=GrantState.PENDING).exists():
            raise RoleGrantError(_("This role is already waiting for a second editor's confirmation."))
    grant = RoleGrant.objects.create(role=role, user=user, invitation=invitation, requested_by=by)
    audit_record(actor=by, action="role_grant.request", target=grant, role=role, person=str(user or invitation))
    return grant


def _decidable(*, grant: RoleGrant, by: Any) -> RoleGrant:
    if not (permissions.is_editor(by) or _is_administrator(by)):
        raise PermissionDenied(_("Only editors can confirm or decline roles."))
    locked = RoleGrant.objects.select_for_update(of=("self",)).select_related("user", "invitation").get(pk=grant.pk)
    if locked.state != GrantState.PENDING:
        raise RoleGrantError(_("This role was already %(state)s.") % {"state": locked.get_state_display().lower()})
    return locked


@transaction.atomic
def role_grant_confirm(*, grant: RoleGrant, by: Any) -> RoleGrant:
    """A second editor (or an administrator) confirms ``grant``: never the editor who asked for
    it, never the person it is for. Gives the role now if the person is on the desk (otherwise
    when they accept the invitation). Writes the decision and an audit entry."""
    locked = _decidable(grant=grant, by=by)
    if locked.requested_by_id == by.pk:
        raise PermissionDenied(_("You asked for this role yourself: another editor must confirm it."))
    if locked.user_id is not None and locked.user_id == by.pk:
        raise PermissionDenied(_("A role for you must be confirmed by another editor."))
    locked.state, locked.decided_by, locked.decided_at = GrantState.CONFIRMED, by, timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    if locked.user is not None:
        _role_give(user=locked.user, role=locked.role)
    audit_record(actor=by, action="role_grant.confirm", target=locked, role=locked.role)
    return locked


@transaction.atomic
def role_grant_decline(*, grant: RoleGrant, by: Any) -> RoleGrant:
    """Any editor (or administrator) declines ``grant``; the one who asked may withdraw it. The
    person keeps the roles they had (an invitee joins as a translator). Writes an audit entry."""
    locked = _decidable(grant=grant, by=by)
    locked.state, locked.decided_by, locked.decided_at = GrantState.DECLINED, by, timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(actor=by, action="role_grant.decline", target=locked, role=locked.role)
    return locked


def role_grant_accepted(*, invitation: Invitation, user: Any) -> None:
    """Called by ``invitation_accept`` inside its transaction: the grant of the invitation now
    names the new account, and a grant confirmed before the person joined takes effect."""
    grant = RoleGrant.objects.select_for_update().filter(invitation=invitation).first()
    if grant is None:
        return
    grant.user = user
    grant.save(update_fields=["user"])
    if grant.state == GrantState.CONFIRMED:
        _role_give(user=user, role=grant.role)


def role_grants_pending() -> QuerySet[RoleGrant]:
    """Selector: grants waiting for a decision, oldest first, with the people to name."""
    return (
        RoleGrant.objects.filter(state=GrantState.PENDING)
        .select_related("user__contributor", "invitation", "requested_by__contributor")
        .order_by("requested_at")
    )
