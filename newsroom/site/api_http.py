"""HTTP for the read API (everything under ``/api/``): one middleware, before sessions and CSRF.

- **Read-only and cookie-free:** GET and HEAD only (OPTIONS answers CORS preflights); any other
  method is a 405 before CSRF or the session is looked at. The API views never read the
  session, so no response sets a cookie or varies on one.
- **CORS open for reading:** ``Access-Control-Allow-Origin: *`` (the data is public and no
  credentials are accepted).
- **Rate limit per client** (``REMOTE_ADDR``, or behind ``TRUSTED_PROXIES`` the right-most
  untrusted ``X-Forwarded-For`` address): ``API_RATE_LIMIT`` requests per ``API_RATE_WINDOW``
  seconds, counted atomically in the shared cache; past it a 429 with ``Retry-After``. 0 turns it off (the test settings' default).
- **Cache tied to the site's:** a 200 is kept in the default cache under the site cache's
  version (:func:`newsroom.site.cache.site_cache_lists_version`), so the same invalidation on
  publish, unpublish and correction forgets API answers too. Keyed on the known parameters
  only (:data:`newsroom.site.api.PARAMS`), so junk parameters cannot fill the cache.
- **Revalidation:** ETag (hash of the body), Last-Modified where the view sets it, 304s,
  ``Cache-Control: public, max-age=SITE_MAX_AGE`` on 200s and ``no-cache`` on errors.
- **JSON errors:** a 404 for an unknown path, a 405 or a 500 from outside the API views is
  turned into ``{"detail": "<sentence>"}``.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from newsroom.core.caching import page_cache
from newsroom.site import edge
from newsroom.site.cache import CachedResponse, request_cache_address, revalidatable, site_cache_lists_version

logger = logging.getLogger(__name__)

PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
EXPOSED_HEADERS = "ETag, Last-Modified, Retry-After, Content-Language"
# A view's own Content-Security-Policy (the interactive reference's) is kept with its page.
KEPT_HEADERS = ("Content-Type", "Last-Modified", "Content-Security-Policy", edge.HEADER)
SENTENCES = {
    400: "The request is not valid.",
    404: "There is no such API address; the schema at /api/v1/schema/ lists them.",
    405: "This API is read-only: use GET.",
    429: "Too many requests from this client; wait for the time in Retry-After.",
    500: "Something went wrong on our side; please try again later.",
}


def _seconds() -> int:
    return int(getattr(settings, "SITE_CACHE_SECONDS", 600))


def json_error(status: int, detail: str | None = None) -> HttpResponse:
    body = json.dumps({"detail": detail or SENTENCES.get(status, "The request failed.")})
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def rate_limit_wait(request: HttpRequest) -> int:
    """Seconds this client must wait (0: go ahead). A fixed window counted in the shared cache.

    The client is the peer (``REMOTE_ADDR``) unless the peer is one of ``TRUSTED_PROXIES``;
    then it is the right-most address in ``X-Forwarded-For`` that is not a trusted proxy (the
    left part of that header is whatever the client wrote, so it is never believed). The count
    is atomic: Redis ``INCR`` in one transaction with the window's expiry, or, for the cache
    backends whose ``add``/``incr`` read then write (files, database), those two under an
    exclusive file lock shared by every process of the machine.
    """
    limit = int(getattr(settings, "API_RATE_LIMIT", 0))
    if limit <= 0:
        return 0
    window = max(1, int(getattr(settings, "API_RATE_WINDOW", 60)))
    now = time.time()
    slot = int(now // window)
    trusted = [ipaddress.ip_network(net, strict=False) for net in getattr(settings, "TRUSTED_PROXIES", [])]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    client = request.META.get("REMOTE_ADDR", "")
    if trusted and is_trusted(client):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        while hops and is_trusted(hops[-1]):
            client = hops.pop()
        if hops:
            client = hops[-1]
    key = f"api:rate:{client}:{slot}"
    ttl = window + 5
    backend = caches["default"]  # the backend itself: ``cache`` is a proxy to it
    if isinstance(backend, RedisCache):
        redis_key = backend.make_and_validate_key(key)
        with backend._cache.get_client(redis_key, write=True).pipeline() as pipe:  # MULTI … EXEC
            pipe.set(redis_key, 0, ex=ttl, nx=True)
            pipe.incr(redis_key)
            count = int(pipe.execute()[1])
    else:
        lock_dir = Path(getattr(backend, "_dir", settings.DATA_DIR))
        lock_dir.mkdir(parents=True, exist_ok=True)
        with (lock_dir / "api-rate.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if backend.add(key, 1, ttl):
                count = 1
            else:
                try:
                    count = backend.incr(key)
                except ValueError:  # expired between add and incr
                    backend.set(key, 1, ttl)
                    count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((slot + 1) * window - now))


def _cache_key(request: HttpRequest) -> str:
    from newsroom.site.api import PARAMS

    address = request_cache_address(request, PARAMS)  # scheme, host, path, the parsed query escaped
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()
    return f"api:page:{site_cache_lists_version()}:{digest}"


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "86400"
            response.headers["Allow"] = ALLOWED_METHODS
            return self._cors(response)
        if request.method not in ("GET", "HEAD"):
            response = json_error(405)
            response.headers["Allow"] = ALLOWED_METHODS
            return self._cors(response)
        wait = rate_limit_wait(request)
        if wait:
            response = json_error(429)
            response.headers["Retry-After"] = str(wait)
            response.headers["Cache-Control"] = "no-store"
            return self._cors(response)
        is_head = request.method == "HEAD"
        request.method = "GET"  # HEAD is GET without the body; the views declare GET only
        try:
            response = self._cached(request)
        finally:
            request.method = "HEAD" if is_head else "GET"
        response = self._finish(request, response)
        if is_head and isinstance(response, HttpResponse):
            length = len(response.content)
            response.content = b""
            response.headers["Content-Length"] = str(length)
        return self._cors(response)

    def _answer(self, request: HttpRequest) -> HttpResponseBase:
        """The view's answer, with the edge keys it collected on a keepable 200 (``edge``)."""
        with edge.collecting() as keys:
            response = self.get_response(request)
        if response.status_code == 200 and isinstance(response, HttpResponse) and not response.cookies:
            edge.response_tag(response, keys)
        return response

    def _cached(self, request: HttpRequest) -> HttpResponseBase:
        if _seconds() <= 0:
            return self._answer(request)
        key = _cache_key(request)
        cached = page_cache.get(key)
        if isinstance(cached, CachedResponse):
            return cached.response()
        response = self._answer(request)
        if (
            response.status_code == 200
            and isinstance(response, HttpResponse)
            and not response.streaming
            and not response.cookies
        ):
            kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
            page_cache.set(key, CachedResponse(response.content, kept), _seconds())
        return response

    def _finish(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.headers.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            replaced = json_error(response.status_code)
            if "Allow" in response.headers:
                replaced.headers["Allow"] = response.headers["Allow"]
            response = replaced
        # The language is a query parameter here, never Accept-Language (LocaleMiddleware adds it).
        if response.headers.get("Vary") == "Accept-Language":
            del response.headers["Vary"]
        if response.status_code != 200 or not isinstance(response, HttpResponse):
            response.headers["Cache-Control"] = "no-cache"
            return response
        return revalidatable(request, response)

    @staticmethod
    def _cors(response: HttpResponseBase) -> HttpResponseBase:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
