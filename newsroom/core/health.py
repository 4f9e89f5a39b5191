"""``/healthz``: what the load balancer asks every few seconds. Cheap: one ``SELECT 1``.

200 ``ok`` when this process can reach a writable primary, 503 otherwise, so the balancer
takes a node out while it cannot serve the desk. No session, no template, no cache.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        connections[DEFAULT_DB_ALIAS].close()  # a fresh connection on the next check
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
