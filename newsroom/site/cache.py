"""The public site's page cache: whole responses keyed on a site-wide version, the language and the URL.

The rules for *when* to forget live in ``newsroom.site.rendering.owner`` (publications,
corrections, withdrawals, credits, profiles, the admin); this module is the mechanism:
:func:`site_cache_invalidate` moves the site-wide version on (every cached page becomes
unreachable at once, the old entries age out) and :func:`site_cache_forget_articles` moves only
some stories' scopes and the listings'.

Serving has two layers: :class:`SitePageCacheMiddleware`, the first middleware, answers a warm
page from this cache before any other middleware runs (one :class:`CachedResponse`: the bytes
with the final headers the full stack gave them, CSP and security headers included; the pages
this process served last are kept in its memory as they are, :class:`HotPages`, so a hit reads
only the versions from the shared cache), and otherwise the view answers from the page stored at
publication (``newsroom.site.rendering.stored``), or renders it when none is current. The view
wrapper :func:`site_page` does not serve from the cache itself: it marks which responses the
middleware may keep and adds the ETag and ``Cache-Control``. ``MIDDLEWARE_ON_HIT`` says, for
every middleware in ``settings.MIDDLEWARE``, whether a warm page passes through it or skips it
(a test fails when a middleware is added without that decision).

Keys are built from the scheme, the host, the path and the parsed query (each name and value
percent-encoded, sorted), so no query string can make another address's key, and an https page
(with its https canonical) is never served to a plain-http reader. A response that sets a
cookie is never stored nor served from here, and is never marked public.

The cache is the project's default cache (files under ``.data/`` or Redis), shared by every
web process, so one invalidation reaches all of them. Only anonymous-safe responses are
cached: the site's pages do not depend on who asks (they never read the session).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.http import parse_http_date_safe
from django.utils.translation import get_language

from newsroom.core.caching import page_cache
from newsroom.core.db_routing import used_replica
from newsroom.site import edge

log = logging.getLogger(__name__)

VERSION_KEY = "site:version"
# How long a scope's version (one per story and language, and the listings') is kept: far longer
# than any page kept under it, so only pages nobody asked for in a day are orphaned when it goes,
# and a crawled archive's versions do not stay in the cache forever (newsroom/core/caching.py).
SCOPE_VERSION_SECONDS = 24 * 3600
LISTS_SCOPE = "lists"


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


def _versions_kept(scope: str) -> str | None:
    """The site-wide version and ``scope``'s, in one cache round trip, if both exist: else no page
    can be kept under them yet. For a lookup, so that a reader's address (a story slug nobody
    published) makes no version: only a page being kept does (:func:`_versions`)."""
    keys = [VERSION_KEY, _scope_key(scope)]
    found = cache.get_many(keys)
    return ".".join(str(found[key]) for key in keys) if len(found) == len(keys) else None


def _versions(scope: str) -> str:
    """The site-wide version and ``scope``'s, made when missing."""
    kept = _versions_kept(scope)
    if kept is not None:
        return kept
    keys = [VERSION_KEY, _scope_key(scope)]
    site_cache_version()
    cache.add(keys[1], uuid.uuid4().hex, SCOPE_VERSION_SECONDS)
    found = cache.get_many(keys)
    return ".".join(str(found.get(key, "")) for key in keys)


def _bump(*scope_keys: str) -> None:
    if not scope_keys:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
        return
    cache.set_many({key: uuid.uuid4().hex for key in scope_keys}, SCOPE_VERSION_SECONDS)


def site_cache_invalidate() -> None:
    """Forget every cached site page and API answer (``newsroom.site.rendering.owner`` decides when).

    Bumps at once and again after the surrounding transaction commits, so a request that
    re-filled the cache from the not yet committed state in between is forgotten too.
    """
    _bump()
    transaction.on_commit(_bump)


def site_cache_forget_articles(articles: Iterable[Any]) -> None:
    """Forget the stories' own pages (every language, old slugs too), the listings and the feeds;
    other stories stay cached. Bumps at once and again on commit, as :func:`site_cache_invalidate`."""
    from django.conf import settings as conf
    from modeltranslation.utils import build_localized_fieldname

    from newsroom.models import SlugRedirect

    articles = list(articles)
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


# The only query parameters site pages read; anything else (tracking, junk) must not create
# a new cache entry, or anyone could fill the cache with ?x=1, ?x=2, …
CACHE_PARAMS = ("page", "q")


def request_cache_address(request: HttpRequest, params: Iterable[str]) -> str:
    """The address a cached answer is kept under: scheme, host, path and the parsed query
    parameters ``params`` (each name and value percent-encoded, sorted). Escaping keeps a value
    such as ``2&q=X`` from reading as another parameter (so no query string can make the key of
    another address), and the scheme keeps https answers (https canonical) from plain-http readers."""
    wanted = set(params)
    query = urlencode(
        sorted((name, value) for name, values in request.GET.lists() if name in wanted for value in values)
    )
    return f"{request.scheme}://{request.get_host()}{request.path}?{query}"


def _key(request: HttpRequest, version: str, lang: str | None = None) -> str:
    address = request_cache_address(request, CACHE_PARAMS)
    digest = hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()
    return f"site:page:{version}:{(get_language() if lang is None else lang) or ''}:{digest}"


@dataclass(frozen=True)
class CachedResponse:
    """A site page as the full middleware stack answered it: its bytes and final headers."""

    content: bytes
    headers: dict[str, str]

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content)
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def site_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Make ``view``'s answers cacheable: ETag, Cache-Control, conditional GETs, and a mark for
    :class:`SitePageCacheMiddleware` to keep a 200 answer (served from there next time).

    The ETag is the hash of the body, so a revalidation after a publication gets the new page
    and otherwise a 304. The page is in the ``lists`` scope; :func:`site_article_page` puts a
    story's page in its own.
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
        with edge.collecting() as keys:  # what the page depends on, for the edge cache's purges
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not getattr(response, "is_rendered", True):
                render()  # a TemplateResponse (the sitemap view): its bytes are what we keep
        cacheable = (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and isinstance(response, HttpResponse)
            and not response.cookies
            and not used_replica()  # possibly lagging text is served to this reader, never cached for all
        )
        if cacheable and isinstance(response, HttpResponse):
            edge.response_tag(response, keys)
        if cacheable and _seconds() > 0:
            try:
                response.site_cache_key = _key(request, _versions(scope(request, kwargs)))  # type: ignore[attr-defined]
            except Exception:  # the cache server restarts: the page is answered, not kept
                log.warning("Site cache unavailable; %s not stored", request.path, exc_info=True)
        return _finish(request, response)

    wrapper.site_cache_scope = scope  # type: ignore[attr-defined]
    return wrapper


# Never site pages: the middleware does not even resolve these.
NOT_SITE = ("/desk/", "/admin/", "/accounts/", "/api/", "/static/", "/join/", "/healthz")

# For every middleware in settings.MIDDLEWARE: does an answer served warm by
# SitePageCacheMiddleware (or by the read API's ApiMiddleware, next to it) pass through it
# ("runs") or skip it ("skipped"), and why. A test fails when settings.MIDDLEWARE gains one
# that is not decided here.
MIDDLEWARE_ON_HIT: dict[str, tuple[str, str]] = {
    # The first four still wrap the API's warm answers (ApiMiddleware comes after them).
    "django.middleware.security.SecurityMiddleware": (
        "skipped",
        "HSTS, nosniff, referrer policy: stored with the page; its SSL redirect answers before any https"
        " page exists (the key holds the scheme)",
    ),
    "whitenoise.middleware.WhiteNoiseMiddleware": ("skipped", "static paths are never site pages (NOT_SITE)"),
    "newsroom.core.db_unavailable.DatabaseUnavailableMiddleware": (
        "skipped",
        "a hit reads no database, so there is no missing primary to answer for",
    ),
    "newsroom.core.cache_control.CacheControlMiddleware": (
        "skipped",
        "a kept page sets no cookie and is no desk page: its Cache-Control is stored",
    ),
    "csp.middleware.CSPMiddleware": ("skipped", "the Content-Security-Policy (no nonce) is stored with the page"),
    "newsroom.site.cache.SitePageCacheMiddleware": ("runs", "this middleware"),
    "newsroom.site.api_http.ApiMiddleware": ("skipped", "/api/ only; site pages never reach it"),
    "django.contrib.sessions.middleware.SessionMiddleware": ("skipped", "site pages never read the session"),
    "django.middleware.locale.LocaleMiddleware": (
        "skipped",
        "the language comes from the path (i18n_patterns); the stored Vary and Content-Language are replayed",
    ),
    "django.middleware.common.CommonMiddleware": (
        "skipped",
        "a cached page's address already resolved (no slash redirect)",
    ),
    "django.middleware.csrf.CsrfViewMiddleware": ("skipped", "GET and HEAD only; site pages have no forms that post"),
    "django.contrib.auth.middleware.AuthenticationMiddleware": ("skipped", "site pages do not depend on who asks"),
    "django_otp.middleware.OTPMiddleware": ("skipped", "second factors are for desk accounts"),
    "django.contrib.messages.middleware.MessageMiddleware": ("skipped", "site pages show no messages"),
    "django.middleware.clickjacking.XFrameOptionsMiddleware": ("skipped", "its header is stored with the page"),
    "axes.middleware.AxesMiddleware": ("skipped", "guards logins only"),
    "newsroom.core.audit.AuditMiddleware": ("skipped", "records desk writes only"),
    "newsroom.core.factors.SecondFactorMiddleware": ("skipped", "desk and admin pages only"),
    "newsroom.core.db_routing.ReplicaStickyMiddleware": ("skipped", "a warm page reads no database"),
    "newsroom.error_pages.MethodNotAllowedMiddleware": ("skipped", "GET and HEAD only are served warm"),
}


SERVES_BEFORE_THE_STACK = ("newsroom.site.cache.SitePageCacheMiddleware", "newsroom.site.api_http.ApiMiddleware")


def middleware_on_hit_undecided(middleware: list[str]) -> list[str]:
    """The entries of ``middleware`` (``settings.MIDDLEWARE``) nobody decided for warm pages:
    not in :data:`MIDDLEWARE_ON_HIT`, or placed against its decision (a middleware a warm page
    "runs" must come before :class:`SitePageCacheMiddleware`, one it "skips" after)."""
    site = SERVES_BEFORE_THE_STACK[0]
    first = middleware.index(site) if site in middleware else 0
    undecided = []
    for index, name in enumerate(middleware):
        decision = MIDDLEWARE_ON_HIT.get(name, ("", ""))[0]
        if name in SERVES_BEFORE_THE_STACK:
            continue
        if decision != ("runs" if index < first else "skipped"):
            undecided.append(name)
    return undecided


class HotPages:
    """The warm pages this process served last, in memory as they will be sent (bytes and final
    headers), under the same key as in the shared cache. The key holds the versions, which every
    hit still reads from the shared cache, so a publication anywhere makes these unreachable at
    once, exactly as the shared entries; the memory only spares reading and unpickling the page.
    Least recently used pages go first past ``SITE_HOT_BYTES`` (per process), and each lives no
    longer than ``SITE_CACHE_SECONDS``, as in the shared cache."""

    def __init__(self) -> None:
        self._pages: OrderedDict[str, tuple[float, CachedResponse]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: str, page: CachedResponse) -> None:
        limit = int(getattr(settings, "SITE_HOT_BYTES", 32 * 1024 * 1024))
        if len(page.content) > limit // 8:
            return  # one huge page would push out everything else
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (time.monotonic() + _seconds(), page)
            self._bytes += len(page.content)
            while self._bytes > limit and self._pages:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        _expires, page = self._pages.pop(key)
        self._bytes -= len(page.content)


hot_pages = HotPages()


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    """Tests change the URLs, languages and caches: nothing remembered per process survives it."""
    _page_scope.cache_clear()
    hot_pages.clear()


@functools.lru_cache(maxsize=4096)
def _page_scope(urlconf: str, lang: str, path: str) -> str | None:
    """The cache scope of the site page at ``path`` in ``lang`` (None: not a cached site page).
    Remembered per process: URLs resolve the same way until the code changes."""
    from django.urls import Resolver404, resolve
    from django.utils import translation

    with translation.override(lang):
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            return None
        scope = getattr(match.func, "site_cache_scope", None)
        return None if scope is None else str(scope(None, match.kwargs))


class SitePageCacheMiddleware:
    """Serves a warm site page before the session, locale, CSRF, auth, messages and audit
    middleware run (placed right after the CSP middleware, so security headers and the CSP
    still apply): no database query and no session work on a hit. :data:`MIDDLEWARE_ON_HIT`
    names each middleware a hit skips.

    A page is kept here only if its view is wrapped by :func:`site_page` /
    :func:`site_article_page` and marked it; on the way back this keeps the response's final
    headers (Vary, X-Frame-Options, …) with its bytes, so a hit answers exactly as the full
    stack did. Responses that set a cookie are never kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        hit = self._lookup(request)
        if hit is not None:
            return hit
        response = self.get_response(request)
        key = getattr(response, "site_cache_key", None)
        if (
            key
            and response.status_code == 200
            and not response.cookies
            and "Set-Cookie" not in response.headers
            and isinstance(response, HttpResponse)
        ):
            page = CachedResponse(response.content, dict(response.headers.items()))
            try:
                page_cache.set(key, page, _seconds())
            except Exception:
                log.warning("Site cache unavailable; %s not stored", request.path, exc_info=True)
            else:
                hot_pages.put(key, page)
        return response

    def _lookup(self, request: HttpRequest) -> HttpResponseBase | None:
        from django.conf import settings as conf
        from django.utils import translation

        path = request.path_info
        if request.method not in ("GET", "HEAD") or _seconds() <= 0 or path.startswith(NOT_SITE):
            return None
        lang = translation.get_language_from_path(path) or conf.LANGUAGE_CODE
        try:
            scope = _page_scope(getattr(request, "urlconf", None) or conf.ROOT_URLCONF, lang, path)
            if scope is None:
                return None
            versions = _versions_kept(scope)
            if versions is None:  # nothing is kept under a version not made yet
                return None
            key = _key(request, versions, lang)
            cached = hot_pages.get(key)
            if cached is None:
                cached = page_cache.get(key)
                if isinstance(cached, CachedResponse):
                    hot_pages.put(key, cached)
        except DisallowedHost:  # (the full stack answers a bad Host with its 400)
            return None
        except Exception:  # the cache server restarts: the full stack renders the page
            log.warning("Site cache unavailable for %s", path, exc_info=True)
            return None
        if not isinstance(cached, CachedResponse):
            return None
        return _conditional(request, cached.response())


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
