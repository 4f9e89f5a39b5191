"""Signed-in sessions a person can see and end (Account → Sessions).

Each session that signs in gets a ``DeskSession`` row (device from the user agent, the address,
last use); ending one deletes it from Django's session store, so the browser holding it is signed
out at its next request. A sign-in from a device the person has not used before is e-mailed to
them. There is no geo database: the place is a coarse label from the address itself.
"""

from __future__ import annotations

import ipaddress
import re
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.models import DeskSession

TOUCH_EVERY_SECONDS = 300
_TOUCHED_KEY = "desk_session_touched"

_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]  # fmt: skip


def device_label(user_agent: str) -> str:
    """ "Firefox on Windows" from a user agent; "" when it says nothing usable."""
    ua = (user_agent or "").strip()
    if not ua:
        return ""
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    if "HeadlessChrome" in ua:
        browser = "Chrome (headless)"
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or re.split(r"[\s/]", ua, maxsplit=1)[0][:60]


def place_label(ip: str | None) -> str:
    """A coarse, database-free label: this computer, a local network, or the /16 (IPv4) or /32
    (IPv6) network the address belongs to."""
    if not ip:
        return _("unknown")
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return _("unknown")
    if addr.is_loopback:
        return _("this computer")
    if addr.is_private or addr.is_link_local:
        return _("a local network")
    prefix = 16 if addr.version == 4 else 32
    return _("network %(net)s") % {"net": ipaddress.ip_network(f"{ip}/{prefix}", strict=False)}


def _store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_record(*, request: HttpRequest, user: Any) -> DeskSession | None:
    """A session signed in: its row, and an e-mail to the person when the device is new to them
    (only when the user agent names one and they signed in before from others)."""
    key = request.session.session_key
    if not key:
        return None
    device = device_label(request.META.get("HTTP_USER_AGENT", ""))
    known = set(DeskSession.objects.filter(user=user).exclude(device="").values_list("device", flat=True))
    row, _created = DeskSession.objects.update_or_create(
        session_key=key,
        defaults={"user": user, "device": device, "ip_address": request.META.get("REMOTE_ADDR") or None,
                  "last_used_at": timezone.now(), "ended_at": None},
    )  # fmt: skip
    request.session[_TOUCHED_KEY] = time.time()
    if device and known and device not in known and user.email:
        place = place_label(row.ip_address)
        transaction.on_commit(lambda: _new_device_mail(user=user, device=device, place=place))
    return row


def _new_device_mail(*, user: Any, device: str, place: str) -> None:
    body = render_to_string(
        "emails/new_device.txt",
        {"user": user, "device": device, "place": place, "SITE_URL": settings.SITE_URL,
         "SITE_NAME": settings.DESK_SITE_NAME},
    )  # fmt: skip
    send_mail(_("A new sign-in to your desk account"), body, None, [user.email])


def session_touch(*, request: HttpRequest) -> None:
    """Note this session's use, at most every few minutes (one UPDATE)."""
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    if session is None or not key or time.time() - float(session.get(_TOUCHED_KEY, 0)) < TOUCH_EVERY_SECONDS:
        return
    session[_TOUCHED_KEY] = time.time()
    updated = DeskSession.objects.filter(session_key=key, ended_at__isnull=True).update(
        last_used_at=timezone.now(), ip_address=request.META.get("REMOTE_ADDR") or None
    )
    if not updated:
        session_record(request=request, user=request.user)


def session_rekeyed(*, before: str | None, after: str | None) -> None:
    """The same browser's session got a new key (a password change): its row follows."""
    if before and after and before != after:
        DeskSession.objects.filter(session_key=before).update(session_key=after)


def sessions_active(*, user: Any) -> QuerySet[DeskSession]:
    """The person's sessions that can still be used, most recently used first."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return DeskSession.objects.filter(user=user, ended_at__isnull=True, session_key__in=live).order_by("-last_used_at")


def _end(rows: QuerySet[DeskSession]) -> int:
    keys = list(rows.values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store(session_key=key).delete()
    return rows.update(ended_at=timezone.now())


@transaction.atomic
def session_end(*, user: Any, session_id: int) -> int:
    """The person ends one of their own sessions, named by its row (the page never shows a
    session key: it is a bearer token). Another person's row ends nothing."""
    ended = _end(DeskSession.objects.filter(user=user, pk=session_id, ended_at__isnull=True))
    if ended:
        audit_record(actor=user, action="account.session_end", target=user)
    return ended


@transaction.atomic
def sessions_end_others(*, user: Any, keep: str | None, reason: str) -> int:
    """Sign ``user`` out everywhere but the session ``keep`` (their own request's): asked by
    them, or after a password or factor change. One audit entry."""
    rows = DeskSession.objects.filter(user=user, ended_at__isnull=True)
    if keep:
        rows = rows.exclude(session_key=keep)
    ended = _end(rows)
    audit_record(actor=user, action="account.sessions_end_others", target=user, reason=reason, ended=ended)
    return ended


@transaction.atomic
def sessions_end_all(*, user: Any, by: Any, reason: str) -> int:
    """Sign ``user`` out everywhere (their factors were reset, their password reset by e-mail)."""
    ended = _end(DeskSession.objects.filter(user=user, ended_at__isnull=True))
    audit_record(actor=by, action="account.sessions_end_all", target=user, reason=reason, ended=ended)
    return ended


@receiver(user_logged_in, dispatch_uid="desk_session_record")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_record(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="desk_session_ended")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = request.session.session_key if request is not None and hasattr(request, "session") else None
    if key:
        DeskSession.objects.filter(session_key=key).update(ended_at=timezone.now())
