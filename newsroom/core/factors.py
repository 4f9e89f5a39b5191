"""Second factors: who must have one, whether this session verified one, and how recently.

The factors themselves are django-otp's devices: an authenticator app (``TOTPDevice``), single-use
recovery codes (``StaticDevice``) and passkeys (django-otp-webauthn's ``WebAuthnCredential``).
This module is the one place that decides:

- **enrolment by role** (:class:`SecondFactorMiddleware`): with ``DESK_REQUIRE_SECOND_FACTOR``
  on, a reviewer or editor reaches no desk page, and nobody the Django admin, until they have a
  factor and verified it in this session; whoever has enrolled a factor (a translator too) is
  asked for it whatever the setting. Pages a person needs to enrol or verify are marked with
  :func:`factor_exempt`;
- **recent verification** (:func:`factor_recheck`): publishing, unpublishing, role and credit
  changes of others, deleting a person and resetting someone's factors call it inside their
  service, so every route to them is checked. The session's verification time reaches services
  the way the client address reaches the audit log: a context variable set by the middleware for
  the request. Outside a request (Celery, ``manage.py``) there is no session to check: those
  are run by the desk's operators, not by a signed-in person;
- :func:`factor_verified` is the only code that marks a session verified (the one-time code and
  recovery code form, and the passkey ceremony's views, ``translations/desk/security_views.py``).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp_webauthn.helpers import WebAuthnHelper

from newsroom.core import roles, sessions
from newsroom.core.surfaces import is_signed_in_path

VERIFIED_AT_SESSION_KEY = "desk_factor_verified_at"

# (user id, epoch seconds of the session's last verification or None) for this request.
_verification: contextvars.ContextVar[tuple[int, float | None] | None] = contextvars.ContextVar(
    "desk_factor_verification", default=None
)


class FactorStale(PermissionDenied):
    """A sensitive action asked of someone whose factor was not verified recently enough."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_requirement_on() -> bool:
    return bool(settings.DESK_REQUIRE_SECOND_FACTOR)


def has_factor(user: Any) -> bool:
    """True when ``user`` has a confirmed factor (recovery codes alone do not count: they are
    the way back to one)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached: bool | None = getattr(user, "_desk_has_factor", None)
    if cached is None:
        cached = any(d.__class__.__name__ != "StaticDevice" for d in devices_for_user(user, confirmed=True))
        user._desk_has_factor = cached
    return cached


def must_enrol(user: Any) -> bool:
    """Reviewers and editors (superusers included) must have a factor when the desk requires it."""
    return is_requirement_on() and roles.is_reviewer(user)


def verify_url(next_url: str = "") -> str:
    url = reverse("desk:factor_verify")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def refusal_sentence() -> str:
    return _(
        "This needs your second factor again: you last confirmed it more than %(minutes)d minutes ago."
        " Confirm it is you, then try again."
    ) % {"minutes": settings.DESK_FACTOR_RECHECK_MINUTES}


def factor_recheck(*, by: Any) -> None:
    """Refuse (``FactorStale``, with a sentence) a sensitive action by ``by`` unless this request's
    session verified a factor within ``DESK_FACTOR_RECHECK_MINUTES``. It applies when the desk
    requires factors or ``by`` has one; outside a request it allows (module docstring)."""
    current = _verification.get()
    if current is None or not getattr(by, "is_authenticated", False) or current[0] != by.pk:
        return
    if not (is_requirement_on() or has_factor(by)):
        return
    verified_at = current[1]
    if verified_at is None or time.time() - verified_at > settings.DESK_FACTOR_RECHECK_MINUTES * 60:
        raise FactorStale(refusal_sentence())


@contextmanager
def verification_context(*, user_id: int, verified_at: float | None) -> Iterator[None]:
    """What the middleware sets for a request (tests use it to call services as a session would)."""
    token = _verification.set((user_id, verified_at))
    try:
        yield
    finally:
        _verification.reset(token)


def factor_verified(request: HttpRequest, device: Any) -> None:
    """Mark this session verified by ``device`` now (django-otp's login, and the time for
    :func:`factor_recheck`)."""
    otp_login(request, device)
    request.session[VERIFIED_AT_SESSION_KEY] = time.time()


View = Callable[..., HttpResponse]


def factor_exempt(view: View) -> View:
    """Mark a page a person must reach before verifying (enrol, verify, recover, sign out)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponse:
        return view(*args, **kwargs)

    wrapped.desk_factor_exempt = True  # type: ignore[attr-defined]
    return wrapped


def _guarded(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    if "admin" in match.namespaces:
        return True
    return "desk" in match.namespaces


class SecondFactorMiddleware:
    """Sends whoever must verify (or enrol) to do so first, records the session's last use, and
    gives services the session's verification time. Declared in ``site/cache.py``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_signed_in_path(request.path_info):  # reader pages never read the session (no Vary: Cookie)
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        sessions.session_touch(request=request)
        token = _verification.set((user.pk, request.session.get(VERIFIED_AT_SESSION_KEY)))
        try:
            return self.get_response(request)
        finally:
            _verification.reset(token)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not is_signed_in_path(request.path_info):  # reader pages never read the session
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(view_func, "desk_factor_exempt", False):
            return None
        if not _guarded(request) or user.is_verified():
            return None
        is_admin = "admin" in (request.resolver_match.namespaces if request.resolver_match else [])
        if has_factor(user):  # whoever enrolled is asked for it, whatever the setting
            return HttpResponseRedirect(verify_url(request.get_full_path()))
        if must_enrol(user) or (is_admin and is_requirement_on()):
            messages.warning(
                request,
                _(
                    "Reviewers and editors need a second factor on this desk: add a passkey or an"
                    " authenticator app below before you go on."
                )
                if not is_admin
                else _("The admin needs a second factor: add a passkey or an authenticator app below first."),
            )
            return HttpResponseRedirect(reverse("desk:security"))
        return None


class DeskWebAuthnHelper(WebAuthnHelper):
    """The relying party is the host the desk answers on (ALLOWED_HOSTS checked it) unless
    ``OTP_WEBAUTHN_RP_ID`` names one; the expected origin is the request's own unless
    ``OTP_WEBAUTHN_ALLOWED_ORIGINS`` lists them."""

    def get_relying_party_domain(self) -> str:
        return str(settings.OTP_WEBAUTHN_RP_ID or self.request.get_host().rsplit(":", 1)[0])

    def get_allowed_origins(self) -> list[str]:
        configured = list(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)
        return configured or [f"{self.request.scheme}://{self.request.get_host()}"]
