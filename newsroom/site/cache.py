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

import contextvars
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language

from newsroom.core.db_routing import used_replica

log = logging.getLogger(__name__)

VERSION_KEY = "site:version"
LISTS_SCOPE = "lists"
# Inside :func:`site_cache_invalidate_deferred`: the stories whose pages to forget at its end.
_deferred_articles: contextvars.ContextVar[dict[int, Any] | None] = contextvars.ContextVar(
    "deferred_articles", default=None
)


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


def site_cache_lists_version() -> str:
    """The version every listing (and the read API) is keyed on: it moves whenever any story's
    live text, the listings or the feeds change."""
    return _versions(LISTS_SCOPE)


def _scope_key(scope: str) -> str:
    return f"{VERSION_KEY}:{hashlib.sha256(scope.encode('utf-8', 'surrogateescape')).hexdigest()[:32]}"


def article_scope(*, lang: str, slug: str) -> str:
    return f"article:{lang}:{slug}"


def _versions(scope: str) -> str:
    """The site-wide version and ``scope``'s, in one cache round trip."""
    keys = [VERSION_KEY, _scope_key(scope)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        site_cache_version()
        for key in keys[1:]:
            cache.add(key, uuid.uuid4().hex, None)
        found = cache.get_many(keys)
    return ".".join(str(found.get(key, "")) for key in keys)


def _bump(*scope_keys: str) -> None:
    if not scope_keys:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
        return
    cache.set_many({key: uuid.uuid4().hex for key in scope_keys}, None)


def site_cache_invalidate() -> None:
    """Forget every cached site page. Called by ``newsroom.publishing`` when live text changes.

    Bumps at once and again after the surrounding transaction commits, so a request that
    re-filled the cache from the not yet committed state in between is forgotten too.
    """
    _bump()
    transaction.on_commit(_bump)


def site_cache_invalidate_article(*, article: Any) -> None:
    """Forget ``article``'s own pages (every language, old slugs too), the listings and the feeds.

    Called by ``newsroom.publishing`` when a story's live text changes. Other stories' pages
    stay cached. Bumps at once and again on commit, as :func:`site_cache_invalidate`.
    """
    deferred = _deferred_articles.get()
    if deferred is not None:
        deferred[article.pk] = article
        return
    _articles_forget([article])


def _articles_forget(articles: list[Any]) -> None:
    from django.conf import settings as conf
    from modeltranslation.utils import build_localized_fieldname

    from newsroom.models import SlugRedirect

    scopes = {LISTS_SCOPE}
    for article in articles:
        for code in conf.PUBLISHING_LANGUAGES:
            slug = getattr(article, build_localized_fieldname("slug", code), "")
            if slug:
                scopes.add(article_scope(lang=code, slug=slug))
    redirects = SlugRedirect.objects.filter(article_id__in=[article.pk for article in articles])
    for lang, slug in redirects.values_list("language", "slug"):
        scopes.add(article_scope(lang=lang, slug=slug))
    keys = sorted(_scope_key(scope) for scope in scopes)
    _bump(*keys)
    transaction.on_commit(lambda: _bump(*keys))


@contextmanager
def site_cache_invalidate_deferred() -> Iterator[None]:
    """Collect the stories :func:`site_cache_invalidate_article` is asked to forget inside and
    forget them all once, at the end (for batches: ``import_archive``). Inside a transaction,
    as each call is: the second bump still comes when it commits. Nothing is forgotten if the
    block raises (its transaction is rolled back, so no cached page showed its changes for long).
    """
    pending: dict[int, Any] = {}
    token = _deferred_articles.set(pending)
    try:
        yield
    finally:
        _deferred_articles.reset(token)
    if pending:
        _articles_forget(list(pending.values()))


# The only query parameters site pages read; anything else (tracking, junk) must not create
# a new cache entry, or anyone could fill the cache with ?x=1, ?x=2, …
CACHE_PARAMS = ("page", "q")


def _key(request: HttpRequest, version: str, lang: str | None = None) -> str:
    params = "&".join(f"{name}={request.GET.get(name, '')}" for name in CACHE_PARAMS if name in request.GET)
    address = f"{request.get_host()}{request.path}?{params}"
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()
    return f"site:page:{version}:{(get_language() if lang is None else lang) or ''}:{digest}"


def site_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve ``view`` from the site cache; add ETag, Cache-Control and answer conditional GETs.

    Only 200 responses to GET/HEAD are stored. The ETag is the hash of the body, so a
    revalidation after a publication gets the new page and otherwise a 304. The page is in
    the ``lists`` scope; :func:`site_article_page` puts a story's page in its own.
    """
    return _cached(view, lambda request, kwargs: LISTS_SCOPE)


def site_article_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """As :func:`site_page` for a story's page (``slug`` argument): forgotten only with that story."""
    return _cached(
        view, lambda request, kwargs: article_scope(lang=get_language() or "", slug=str(kwargs.get("slug", "")))
    )


def _cached(
    view: Callable[..., HttpResponseBase], scope: Callable[[HttpRequest, dict[str, Any]], str]
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # (SitePageCacheMiddleware serves a warm page before this view is even resolved.)
        if request.method not in ("GET", "HEAD") or _seconds() <= 0:
            return _finish(request, view(request, *args, **kwargs))
        try:
            key = _key(request, _versions(scope(request, kwargs)))
            cached = cache.get(key)
        except Exception:  # the cache server restarts: render the page instead of failing
            log.warning("Site cache unavailable; rendering %s uncached", request.path, exc_info=True)
            return _finish(request, view(request, *args, **kwargs))
        response: HttpResponseBase
        if cached is not None:
            content, headers = cached[:2]
            response = HttpResponse(content)
            for name, value in headers.items():
                response.headers[name] = value
            if len(cached) == 2:  # stored by this view only: the middleware keeps it with its final headers
                response.site_cache_key = key  # type: ignore[attr-defined]
        else:
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()  # a TemplateResponse (the sitemap view): its bytes are what we keep
            if response.status_code != 200 or response.streaming or not isinstance(response, HttpResponse):
                return response
            if used_replica():  # possibly lagging text is served to this reader, never cached for all
                return _finish(request, response)
            kept = {
                name: response.headers[name]
                for name in ("Content-Type", "Last-Modified", "Content-Language", "X-Robots-Tag")
                if name in response.headers
            }
            try:
                cache.set(key, (response.content, kept), _seconds())
                response.site_cache_key = key  # type: ignore[attr-defined]  # the middleware keeps the final headers
            except Exception:
                log.warning("Site cache unavailable; %s not stored", request.path, exc_info=True)
        return _finish(request, response)

    wrapper.site_cache_scope = scope  # type: ignore[attr-defined]
    return wrapper


# Never site pages: the middleware does not even resolve these.
NOT_SITE = ("/desk/", "/admin/", "/accounts/", "/api/", "/static/", "/join/", "/healthz")


class SitePageCacheMiddleware:
    """Serves a warm site page before the session, locale, CSRF, auth, messages and audit
    middleware run (placed right after the CSP middleware, so security headers and the CSP
    still apply): no database query and no session work on a hit.

    A page is served from here only if its view is wrapped by :func:`site_page` /
    :func:`site_article_page` and that view stored it; on the way back from a miss this keeps
    the response's final headers (Vary, X-Frame-Options, …) with its bytes, so a hit answers
    exactly as the full stack did. Responses that set a cookie are never kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        hit = self._lookup(request)
        if hit is not None:
            return hit
        response = self.get_response(request)
        key = getattr(response, "site_cache_key", None)
        if key and response.status_code == 200 and not response.cookies and isinstance(response, HttpResponse):
            headers = {name: value for name, value in response.headers.items() if name.lower() != "set-cookie"}
            try:
                cache.set(key, (response.content, headers, "final"), _seconds())
            except Exception:
                log.warning("Site cache unavailable; %s not stored", request.path, exc_info=True)
        return response

    def _lookup(self, request: HttpRequest) -> HttpResponseBase | None:
        from django.conf import settings as conf
        from django.urls import Resolver404, resolve
        from django.utils import translation

        path = request.path_info
        if request.method not in ("GET", "HEAD") or _seconds() <= 0 or path.startswith(NOT_SITE):
            return None
        lang = translation.get_language_from_path(path) or conf.LANGUAGE_CODE
        try:
            with translation.override(lang):
                match = resolve(path, getattr(request, "urlconf", None))
                scope = getattr(match.func, "site_cache_scope", None)
                if scope is None:
                    return None
                key = _key(request, _versions(scope(request, match.kwargs)), lang)
            cached = cache.get(key)
        except (Resolver404, DisallowedHost):  # (the full stack answers a bad Host with its 400)
            return None
        except Exception:  # the cache server restarts: the full stack renders the page
            log.warning("Site cache unavailable for %s", path, exc_info=True)
            return None
        if cached is None or len(cached) != 3:  # (an entry the view stored alone lacks the final headers)
            return None
        content, headers, _final = cached
        response = HttpResponse(content)
        for name, value in headers.items():
            response.headers[name] = value
        return _conditional(request, response)


def _finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Cache-Control, ETag and the answer to a conditional GET (304) for a 200 page."""
    render = getattr(response, "render", None)
    if callable(render) and not getattr(response, "is_rendered", True):
        render()
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or not isinstance(response, HttpResponse):
        return response
    return revalidatable(request, response)


def revalidatable(request: HttpRequest, response: HttpResponse) -> HttpResponseBase:
    """A public 200 readers and proxies may keep for ``SITE_MAX_AGE``, with an ETag; a 304
    when the request's If-None-Match / If-Modified-Since still matches. (Site pages and the API.)"""
    patch_cache_control(response, public=True, max_age=_max_age())
    set_response_etag(response)
    return _conditional(request, response)


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponseBase:
    """A 304 (or 412) when the request's If-None-Match / If-Modified-Since still matches
    ``response``'s ETag / Last-Modified; else ``response`` itself."""
    conditional = get_conditional_response(
        request,
        etag=response.headers.get("ETag"),
        last_modified=parse_http_date_safe(response.headers.get("Last-Modified") or ""),
        response=response,
    )
    return conditional if conditional is not None else response
