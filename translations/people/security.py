"""A person's second factors: enrolling, removing, recovery codes, and the second-editor reset.

The factors are django-otp devices (``newsroom/core/factors.py`` says who must have one and
checks recent verification). Every change here ends the person's other sessions (whoever else
held one of them must sign in again with the new set of factors) and writes an audit entry.

Losing every factor has no self-service way back: a recovery code is the person's own way; past
that, another editor resets the factors (:func:`factors_reset`, never for themselves), which signs
the person out everywhere and tells them by e-mail, so a reset they did not ask for is noticed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.core import factors, sessions
from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from translations import permissions

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"


class FactorError(DeskError):
    """A code that does not match, a reset that cannot be done."""


def factors_of(*, user: Any) -> list[Any]:
    """The person's confirmed factors (apps and passkeys; recovery codes are listed apart)."""
    return [d for d in devices_for_user(user, confirmed=True) if not isinstance(d, StaticDevice)]


def recovery_codes_left(*, user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_device_start(*, user: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator-app secret for ``user`` (an earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: Any, device: TOTPDevice, token: str, session_key: str | None) -> bool:
    """Confirm the app by its first code. False (and nothing changed) when the code is wrong.
    Ends ``user``'s other sessions; the caller marks its own session verified."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied(_("This is not an authenticator you are adding."))
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    factor_added(user=user, kind="totp", session_key=session_key)
    return True


def factor_added(*, user: Any, kind: str, session_key: str | None) -> None:
    """After an app or a passkey was added: audit, and the other sessions end."""
    user.__dict__.pop("_desk_has_factor", None)
    audit_record(actor=user, action="account.factor_add", target=user, kind=kind)
    sessions.sessions_end_others(user=user, keep=session_key, reason="factor added")


@transaction.atomic
def factor_remove(*, user: Any, device: Any, session_key: str | None) -> None:
    """The person removes one of their own factors (their other sessions end)."""
    if device.user_id != user.pk:
        raise PermissionDenied(_("This is not one of your factors."))
    kind = type(device).__name__
    device.delete()
    user.__dict__.pop("_desk_has_factor", None)
    audit_record(actor=user, action="account.factor_remove", target=user, kind=kind)
    sessions.sessions_end_others(user=user, keep=session_key, reason="factor removed")


@transaction.atomic
def recovery_codes_generate(*, user: Any) -> list[str]:
    """New single-use recovery codes for ``user`` (the old ones stop working); shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(actor=user, action="account.recovery_codes", target=user)
    return codes


@transaction.atomic
def factors_reset(*, user: Any, by: Any, reason: str) -> int:
    """Another editor removes every factor of ``user`` who lost them all, after confirming their
    own factor recently. ``user`` is signed out everywhere, told by e-mail, and must enrol again
    at their next sign-in. Never for oneself. Returns the number of factors removed."""
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can reset someone's second factor."))
    if by.pk == user.pk:
        raise PermissionDenied(
            _("You cannot reset your own second factor: ask another editor, who will check it is really you.")
        )
    if not reason.strip():
        raise FactorError(_("Say how you checked it is really them (for the audit log)."))
    factors.factor_recheck(by=by)
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    user.__dict__.pop("_desk_has_factor", None)
    audit_record(actor=by, action="account.factors_reset", target=user, reason=reason.strip(), removed=removed)
    sessions.sessions_end_all(user=user, by=by, reason="factors reset")
    if user.email:
        body = render_to_string(
            "emails/factors_reset.txt",
            {"user": user, "by": by, "SITE_URL": settings.SITE_URL, "SITE_NAME": settings.DESK_SITE_NAME},
        )
        email = user.email
        transaction.on_commit(lambda: send_mail(_("Your second factor was reset"), body, None, [email]))
    return removed
