"""Passwords: a local list of breached passwords (beside Django's common-password list), and the
throttle of password-reset e-mails, which never says whether an address has an account."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BREACHED_LIST = Path(__file__).resolve().parent.parent / "data" / "breached-passwords.txt"


@functools.cache
def _breached() -> frozenset[str]:
    lines = BREACHED_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


class BreachedPasswordValidator:
    """Refuses a password found in the desk's local breached list (case-insensitive)."""

    def validate(self, password: str, user: Any = None) -> None:
        if password.strip().lower() in _breached():
            raise ValidationError(
                _("This password has appeared in a data breach. Please choose another."), code="password_breached"
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be one that appeared in a known data breach.")


def reset_allowed(*, key: str) -> bool:
    """Count one password-reset request for ``key`` (a client address or an e-mail address) in
    the current hour; False once it is over ``DESK_PASSWORD_RESET_PER_HOUR``."""
    cache_key = f"password-reset:{key}"
    cache.add(cache_key, 0, timeout=3600)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=3600)
        count = 1
    return count <= settings.DESK_PASSWORD_RESET_PER_HOUR
