"""The desk's audit log: every service that changes something records who did what, from where.

The client address is not a service argument (services are called from tasks and tests as
well as views), so :class:`AuditMiddleware` puts it in a context variable for the request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse

from newsroom.models import AuditEntry

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("desk_client_ip", default=None)


def audit_record(*, actor: Any, action: str, target: models.Model | None = None, **detail: Any) -> AuditEntry:
    """Append one row to the audit log. Any service may call it inside its transaction."""
    entry = audit_entry(actor=actor, action=action, target=target, **detail)
    entry.save()
    return entry


def audit_entry(*, actor: Any, action: str, target: models.Model | None = None, **detail: Any) -> AuditEntry:
    """The row :func:`audit_record` appends, not saved yet: a bulk service saves many with one
    ``bulk_create`` (``import_archive``)."""
    return AuditEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        detail={k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in detail.items()},
        ip_address=_client_ip.get(),
    )


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # REMOTE_ADDR only: X-Forwarded-For is the proxy's business (see SECURE_PROXY_SSL_HEADER docs).
        token = _client_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
