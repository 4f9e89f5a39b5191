"""The public site's page cache: whole responses keyed on a site-wide version, the language and the URL.

Publishing, unpublishing and corrections call :func:`site_cache_invalidate`, which moves the
version on: every cached page becomes unreachable at once (the old entries age out), so no
page can show text that is no longer live, whatever lists the article appears in. Other
changes (an editor featuring a story in the admin) show within ``SITE_CACHE_SECONDS``.

The cache is the project's default cache (files under ``.data/`` or Redis), shared by every
web process, so one invalidation reaches all of them. Only anonymous-safe responses are
cached: the site's pages do not depend on who asks (they never read the session).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language

VERSION_KEY = "site:version"


def _seconds() -> int:
    return int(getattr(settings, "SITE_CACHE_SECONDS", 600))


def _max_age() -> int:
    """How long browsers and proxies may keep a page: short, so a correction shows quickly."""
    return int(getattr(settings, "SITE_MAX_AGE", 60))


def site_cache_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY) or version
    return str(version)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def site_cache_invalidate() -> None:
    """Forget every cached site page. Called by ``newsroom.publishing`` when live text changes.

    Bumps at once and again after the surrounding transaction commits, so a request that
    re-filled the cache from the not yet committed state in between is forgotten too.
    """
    _bump()
    transaction.on_commit(_bump)


# The only query parameters site pages read; anything else (tracking, junk) must not create
# a new cache entry, or anyone could fill the cache with ?x=1, ?x=2, …
CACHE_PARAMS = ("page", "q")


def _key(request: HttpRequest, version: str) -> str:
    params = "&".join(f"{name}={request.GET.get(name, '')}" for name in CACHE_PARAMS if name in request.GET)
    address = f"{request.get_host()}{request.path}?{params}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()
    return f"site:page:{version}:{get_language() or ''}:{digest}"


def site_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve ``view`` from the site cache; add ETag, Cache-Control and answer conditional GETs.

    Only 200 responses to GET/HEAD are stored. The ETag is the hash of the body, so a
    revalidation after a publication gets the new page and otherwise a 304.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or _seconds() <= 0:
            return _finish(request, view(request, *args, **kwargs))
        key = _key(request, site_cache_version())
        cached = cache.get(key)
        response: HttpResponseBase
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers.items():
                response.headers[name] = value
        else:
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()  # a TemplateResponse (the sitemap view): its bytes are what we keep
            if response.status_code != 200 or response.streaming or not isinstance(response, HttpResponse):
                return response
            kept = {
                name: response.headers[name]
                for name in ("Content-Type", "Last-Modified", "Content-Language", "X-Robots-Tag")
                if name in response.headers
            }
            cache.set(key, (response.content, kept), _seconds())
        return _finish(request, response)

    return wrapper


def _finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Cache-Control, ETag and the answer to a conditional GET (304) for a 200 page."""
    render = getattr(response, "render", None)
    if callable(render) and not getattr(response, "is_rendered", True):
        render()
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or not isinstance(response, HttpResponse):
        return response
    patch_cache_control(response, public=True, max_age=_max_age())
    set_response_etag(response)
    conditional = get_conditional_response(
        request,
        etag=response.headers.get("ETag"),
        last_modified=parse_http_date_safe(response.headers.get("Last-Modified") or ""),
        response=response,
    )
    return conditional if conditional is not None else response
