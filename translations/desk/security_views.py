"""Account security pages: second factors, verifying, sessions, the second-editor reset, and the
password views that end other sessions or are throttled.

The rules are in ``newsroom/core/factors.py`` (who must enrol, recent verification),
``newsroom/core/sessions.py`` and ``translations/people/security.py``; these views only read
forms and call them. The enrol and verify pages are :func:`factors.factor_exempt` (a person
who must enrol reaches them); managing factors still needs this session verified once a factor
exists, so a stolen password alone cannot add or remove one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from newsroom.core import factors, passwords, sessions
from newsroom.core.roles import editor_required, is_desk_member
from translations.people import security

TOTP_SESSION_KEY = "desk_totp_device_id"

View = Callable[..., HttpResponse]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}),
    )


class ResetForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Their username"), max_length=150)
    reason = forms.CharField(
        label=gettext_lazy("How you checked it is really them"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _account_holder(view: View) -> View:
    """Logged in, and on the desk or in the admin (staff): whoever may be asked for a factor."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (is_desk_member(request.user) or getattr(request.user, "is_staff", False)):
            raise PermissionDenied(_("This page is for members of the desk."))
        return view(request, *args, **kwargs)

    return wrapped


def account_page(view: View) -> View:
    """An account holder's page; reachable before enrolling; once a factor exists, this session
    must have verified it."""

    @_account_holder
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if factors.has_factor(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
            return HttpResponseRedirect(factors.verify_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return factors.factor_exempt(wrapped)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@account_page
def overview(request: HttpRequest) -> HttpResponse:
    """Second factors: the passkeys and apps, recovery codes left, add or remove one."""
    user: Any = request.user
    devices = security.factors_of(user=user)
    return render(
        request,
        "desk/security/overview.html",
        {
            "passkeys": [d for d in devices if isinstance(d, WebAuthnCredential)],
            "apps": [d for d in devices if isinstance(d, TOTPDevice)],
            "codes_left": security.recovery_codes_left(user=user),
            "must_enrol": factors.must_enrol(user),
            "has_factor": bool(devices),
        },
    )


@account_page
def totp_add(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the code (or type the key), then type its first code."""
    user: Any = request.user
    device = TOTPDevice.objects.filter(pk=request.session.get(TOTP_SESSION_KEY), user=user, confirmed=False).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if security.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["code"], session_key=request.session.session_key
        ):
            factors.factor_verified(request, device)
            request.session.pop(TOTP_SESSION_KEY, None)
            messages.success(request, _("Authenticator app added. Your other sessions were signed out."))
            if not security.recovery_codes_left(user=user):
                return _codes_page(request, security.recovery_codes_generate(user=user))
            return redirect("desk:security")
        form.add_error("code", _("That code does not match. Check the app's clock and type the newest code."))
    if device is None:
        device = security.totp_device_start(user=user)
        request.session[TOTP_SESSION_KEY] = device.pk
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "desk/security/totp_add.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, title=_("Code to scan with your authenticator app")),
            "secret": _base32(device),
        },
        status=400 if form.errors else 200,
    )


def _base32(device: TOTPDevice) -> str:
    import base64

    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    return render(request, "desk/security/recovery_codes.html", {"codes": codes})


@account_page
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if not factors.has_factor(request.user):
        messages.error(request, _("Add a passkey or an authenticator app first: recovery codes stand in for one."))
        return redirect("desk:security")
    return _codes_page(request, security.recovery_codes_generate(user=request.user))


@account_page
@require_POST
def factor_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = {"app": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    if model is None:
        raise PermissionDenied(_("Unknown kind of factor."))
    device = get_object_or_404(model, pk=pk, user=request.user)  # type: ignore[misc]
    security.factor_remove(user=request.user, device=device, session_key=request.session.session_key)
    messages.success(request, _("Removed. Your other sessions were signed out."))
    return redirect("desk:security")


@_account_holder
def verify(request: HttpRequest) -> HttpResponse:
    """Confirm it is you: a passkey, a code from the app, or a recovery code (used up)."""
    user: Any = request.user
    next_url = _safe_next(request, reverse("desk:landing"))
    if not factors.has_factor(user) and not security.recovery_codes_left(user=user):
        return redirect("desk:security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # django-otp makes a device wait longer after each wrong code; say so rather than "wrong".
        waiting = any(not d.verify_is_allowed()[0] for d in devices_for_user(user))
        device = match_token(user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is not None:
            factors.factor_verified(request, device)
            if device.__class__.__name__ == "StaticDevice":
                left = security.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    _("Recovery code used; %(left)d left. Add a new factor if you lost yours.") % {"left": left},
                )
            return HttpResponseRedirect(next_url)
        if waiting:
            form.add_error("code", _("Too many wrong codes: wait a few seconds, then type the newest code."))
        else:
            form.add_error("code", _("That code does not match (a recovery code works once)."))
    return render(
        request,
        "desk/security/verify.html",
        {"form": form, "next": next_url, "has_passkey": WebAuthnCredential.objects.filter(user=user).exists()},
        status=400 if form.errors else 200,
    )


verify = factors.factor_exempt(verify)


@account_page
def sessions_page(request: HttpRequest) -> HttpResponse:
    """The person's signed-in sessions; end one, or all but this one."""
    user: Any = request.user
    if request.method == "POST":
        if request.POST.get("end") == "others":
            ended = sessions.sessions_end_others(user=user, keep=request.session.session_key, reason="asked")
            messages.success(request, _("Signed out of %(n)d other sessions.") % {"n": ended})
        elif request.POST.get("end", "").isdigit():
            if sessions.session_end(user=user, session_id=int(request.POST["end"])):
                messages.success(request, _("That session was signed out."))
        return redirect("desk:sessions")
    rows = [
        {
            "row": row,
            "place": sessions.place_label(row.ip_address),
            "current": row.session_key == request.session.session_key,
        }
        for row in sessions.sessions_active(user=user)
    ]
    return render(request, "desk/security/sessions.html", {"rows": rows})


@editor_required
def factor_reset(request: HttpRequest) -> HttpResponse:
    """Another editor resets the factors of someone who lost them all (after checking who they are)."""
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = User.objects.filter(username=form.cleaned_data["username"].strip(), is_active=True).first()
        if person is None:
            form.add_error("username", _("Nobody on the desk has that username."))
        else:
            try:
                removed = security.factors_reset(user=person, by=request.user, reason=form.cleaned_data["reason"])
            except factors.FactorStale:
                raise
            except (PermissionDenied, security.FactorError) as e:
                form.add_error(None, getattr(e, "message", None) or str(e))
            else:
                messages.success(
                    request,
                    _("%(name)s's %(n)d factors were removed; they were signed out and told by e-mail.")
                    % {"name": person.get_username(), "n": removed},
                )
                return redirect("desk:factor_reset")
    return render(request, "desk/security/reset.html", {"form": form}, status=400 if form.errors else 200)


# --- Passkeys: the library's ceremony views, marking the session and ending others ----------


class PasskeyRegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            security.factor_added(user=self.request.user, kind="passkey", session_key=self.request.session.session_key)
            if not self.request.session.get(factors.VERIFIED_AT_SESSION_KEY):
                device = WebAuthnCredential.objects.filter(user=self.request.user).order_by("-pk").first()
                factors.factor_verified(self.request, device)
        return response


class PasskeyAuthenticationComplete(webauthn_views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> Any:
        result = super().complete_auth(device)
        factors.factor_verified(self.request, device)
        return result


# --- Passwords ---------------------------------------------------------------------------


class PasswordChange(auth_views.PasswordChangeView):
    """Django's view; afterwards the person's other sessions end."""

    def form_valid(self, form: Any) -> HttpResponse:
        before = self.request.session.session_key
        response = super().form_valid(form)  # a new session key (update_session_auth_hash)
        sessions.session_rekeyed(before=before, after=self.request.session.session_key)
        sessions.sessions_end_others(user=self.request.user, keep=self.request.session.session_key, reason="password")
        return response


class PasswordReset(auth_views.PasswordResetView):
    """Django's view (the same answer whether or not the address has an account), throttled per
    client address with a sentence and per e-mail address silently (nothing to tell apart)."""

    def form_valid(self, form: Any) -> HttpResponse:
        if not passwords.reset_allowed(key=f"ip:{self.request.META.get('REMOTE_ADDR', '')}"):
            form.add_error(None, _("Too many reset requests from your network. Please try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not passwords.reset_allowed(key=f"email:{form.cleaned_data['email'].strip().lower()}"):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's view; a password set by e-mail signs the person out everywhere."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sessions.sessions_end_all(user=self.user, by=self.user, reason="password reset")
        return response


def webauthn_urlpatterns() -> list[Any]:
    """django-otp-webauthn's URLs (namespace ``otp_webauthn``) with the two completions above."""
    from django.urls import path
    from django_otp_webauthn import urls as webauthn_urls

    ours = {
        "credential-registration-complete": PasskeyRegistrationComplete.as_view(),
        "credential-authentication-complete": PasskeyAuthenticationComplete.as_view(),
    }
    return [path(str(p.pattern), ours[p.name], name=p.name) if p.name in ours else p for p in webauthn_urls.urlpatterns]
