"""``/healthz``: what the load balancer asks every few seconds. Cheap: one ``SELECT 1``.

200 ``ok`` when this process can reach a writable primary. While there is none (a failover)
but the replica answers, 200 ``read-only``: every node is in the same state, and taking them
all out would turn the pages readers can still get (the replica, the page cache) into the
balancer's own 503; writes get the desk's 503 with ``Retry-After`` instead
(``newsroom.core.db_unavailable``). 503 only when neither answers, so the balancer takes a
node out while it cannot serve at all. No session, no template, no cache.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsroom.core import db_routing


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    if _answers(DEFAULT_DB_ALIAS):
        return HttpResponse("ok\n", content_type="text/plain")
    if db_routing.replica_configured() and _answers(db_routing.REPLICA):
        return HttpResponse("read-only\n", content_type="text/plain")
    return HttpResponse("database unavailable\n", status=503, content_type="text/plain")


def _answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        connections[alias].close()  # a fresh connection on the next check
        return False
    return True
