"""While the database has no primary (a failover), people get a 503 to retry, never a 500.

During a failover (Patroni promotes a replica: seconds) a request can meet a connection that
is cut, a write port with no server behind it, or a node that has just become read-only.
Django raises ``OperationalError`` (or ``InternalError`` for "read-only transaction"); without
this module that is a 500 page. Here:

* a safe request (GET, HEAD) that failed so is run once more with every read sent to the
  replica (:func:`newsroom.core.db_routing.primary_unavailable`): readers keep reading;
* anything else gets **503** with ``Retry-After: 2``: a short page, or JSON for JSON requests
  (the API, autosave), which the desk's scripts retry ("Reconnecting…"). Nothing was written:
  the transaction never committed, so a retry is safe.

:class:`DatabaseUnavailableMiddleware` catches what a view raises; exceptions raised in other
middleware reach ``handler500``, which asks :func:`unavailable_response_for_current_exception`
first. Other database errors (a constraint, a bad query) stay 500s.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, InternalError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from newsroom.core import db_routing

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
SAFE_METHODS = ("GET", "HEAD")
SENTENCE = "The database is switching to another server. Nothing was saved; please try again in a few seconds."
# SQLSTATEs that mean "this server cannot take this now" rather than "this request is wrong":
# 08… connection exceptions, 25006 read-only transaction (a demoted primary), 57P01–57P03
# shutdown / crash / cannot connect now.
_UNAVAILABLE_STATES = ("08", "25006", "57P01", "57P02", "57P03")


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says there is no writable primary right now (not a fault of the request)."""
    if not isinstance(exc, (OperationalError, InterfaceError, InternalError)):
        return False
    cause = exc.__cause__
    sqlstate = getattr(getattr(cause, "diag", None), "sqlstate", None) or getattr(cause, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(_UNAVAILABLE_STATES)
    # No SQLSTATE: the server never answered (refused, cut, closed, a pool that found none).
    return not isinstance(exc, InternalError)


def wants_json(request: HttpRequest) -> bool:
    return (
        request.path.startswith("/api/")
        or request.content_type == "application/json"
        or "application/json" in request.headers.get("Accept", "")
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: JSON for JSON requests, else a short accessible page."""
    if wants_json(request):
        body = json.dumps({"error": SENTENCE, "retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        try:
            html = loader.render_to_string("503.html", {"sentence": SENTENCE})
            response = HttpResponse(html, status=503)
        except Exception:  # an error page must never become a 500
            logger.exception("503 page failed to render")
            response = HttpResponse(SENTENCE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.database_unavailable = True  # type: ignore[attr-defined]
    return response


def unavailable_response_for_current_exception(request: HttpRequest) -> HttpResponse | None:
    """For ``handler500``: the 503 when the exception being handled is a missing primary."""
    exc = sys.exc_info()[1]
    if not is_database_unavailable(exc):
        return None
    return unavailable_response(request)


class DatabaseUnavailableMiddleware:
    """A failover gives readers the replica's answer and writers a 503 they can retry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(response, "database_unavailable", False)
            and request.method in SAFE_METHODS
            and db_routing.replica_configured()
        ):
            logger.warning("no primary: %s %s answered from the replica", request.method, request.path)
            with db_routing.primary_unavailable():
                response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        # (Django closes the broken connection when the request ends: CONN_HEALTH_CHECKS, errors_occurred.)
        logger.warning("no primary: %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)
