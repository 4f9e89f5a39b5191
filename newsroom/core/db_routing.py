"""Reads that tolerate a little lag go to the streaming replica; everything else to the primary.

Active only when ``DATABASE_REPLICA_URL`` is set (``settings.DATABASES["replica"]``). The rules:

* a read goes to the replica only inside :func:`lag_tolerant` (views wrapped with
  :func:`lag_tolerant_view`: the desk stats, the audit log listing, the public search;
  ``backup_db`` dumps from the replica on its own);
* never inside a transaction on the primary (the workflow locks rows and reads its own writes);
* never for a person who has just written: any unsafe request (POST, …) marks the request and
  sets a short cookie (``DATABASE_REPLICA_STICKY_SECONDS``), and while it lives that browser's
  reads all go to the primary, so a save followed by its page never shows the old text;
* a page read from the replica is never put in the shared page cache (``site_cache``), so the
  cache never keeps lagging text for everyone;
* while there is no primary (a failover), :func:`primary_unavailable` sends *every* read to the
  replica, whoever asks: ``newsroom.core.db_unavailable`` runs a failed GET once more so.

The replica is never migrated (it is a physical copy of the primary).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
STICKY_COOKIE = "desk_wrote"

_lag_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("desk_lag_ok", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("desk_wrote", default=False)
_used_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("desk_used_replica", default=False)
_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("desk_in_request", default=False)
_primary_down: contextvars.ContextVar[bool] = contextvars.ContextVar("desk_primary_down", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_alias() -> str:
    """The alias for a lag-tolerant read right now: ``"replica"`` or ``"default"``."""
    if replica_configured() and _primary_down.get():
        _used_replica.set(True)
        return REPLICA
    if (
        replica_configured()
        and _lag_ok.get()
        and not _wrote.get()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        _used_replica.set(True)
        return REPLICA
    return DEFAULT_DB_ALIAS


def used_replica() -> bool:
    """Whether anything in this request (or context) was read from the replica."""
    return _used_replica.get()


@contextmanager
def lag_tolerant() -> Iterator[None]:
    token = _lag_ok.set(True)
    try:
        yield
    finally:
        _lag_ok.reset(token)


@contextmanager
def primary_unavailable() -> Iterator[None]:
    """Every read from the replica (lag or not): for answering a GET while the primary changes."""
    token = _primary_down.set(True)
    try:
        yield
    finally:
        _primary_down.reset(token)


def lag_tolerant_view(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with lag_tolerant():
            return view(request, *args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = replica_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        if _in_request.get():
            _wrote.set(True)  # this request reads its own writes from here on
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA


class ReplicaStickyMiddleware:
    """Marks requests that write, and keeps the writer's next requests on the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        tokens = (
            _wrote.set(unsafe or STICKY_COOKIE in request.COOKIES),
            _used_replica.set(False),
            _in_request.set(True),
        )
        try:
            response = self.get_response(request)
            if unsafe or _wrote.get():
                seconds = int(getattr(settings, "DATABASE_REPLICA_STICKY_SECONDS", 10))
                response.set_cookie(
                    STICKY_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax",
                    secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
                )  # fmt: skip
            return response
        finally:
            _wrote.reset(tokens[0])
            _used_replica.reset(tokens[1])
            _in_request.reset(tokens[2])
