"""The public site's pages (HTTP only): readers only ever see what was published (the live fields).

Reads are in ``newsroom.site.selectors``; what is rendered and stored at publication (a story's
page, the home listing, teasers) in ``newsroom.site.rendering``. Every page is a function-based
view wrapped in :func:`newsroom.site.cache.site_page` (whole page cached per URL and language by
``SitePageCacheMiddleware``; ETag and Cache-Control). Pages
are rendered *without* the request context processors on purpose: they never touch the
session, the CSRF token or messages, so an anonymous reader gets no cookie and the same
bytes as everyone else (which is what makes the page cache correct).

Each view runs a fixed number of queries whatever the number of blocks, tags or credits:
the body is one JSON column, tags, corrections and credits are prefetched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from modeltranslation.utils import build_localized_fieldname

from newsroom.core import db_unavailable
from newsroom.core.db_routing import lag_tolerant_view
from newsroom.models import Outlet, SlugRedirect, Tag
from newsroom.site import edge, search
from newsroom.site.cache import site_article_page, site_page
from newsroom.site.rendering import render
from newsroom.site.rendering import stored as pages
from newsroom.site.rendering.render import article_context, home_context, language_links
from newsroom.site.selectors import (
    article_url,
    live_article,
    live_articles,
    outlet_name,
    public_contributor,
    site_language,
    translator_credited_article_ids,
)
from translations.public import Role

logger = logging.getLogger(__name__)


def _field(name: str, lang: str) -> str:
    return build_localized_fieldname(name, lang)


def _listing_page(request: HttpRequest, stories: Callable[[], Any], *, lang: str, name: str) -> render.ListingPage:
    """The requested page of a tag's, an outlet's or a month's live stories (``stories()``), as
    kept per listings version (``render.listing_page``)."""
    return render.listing_page(
        lambda: pages.listing_counted(stories(), lang=lang, variant="teaser_h2", name=name),
        number=request.GET.get("page"),
        lang=lang,
        name=name,
    )


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200, lang: str | None = None
) -> HttpResponse:
    lang = lang or site_language()
    base = {
        "SITE_NAME": settings.DESK_SITE_NAME,
        "LANGUAGE_CODE": lang,
        "site_base": request.build_absolute_uri("/").rstrip("/"),
        "canonical": request.build_absolute_uri(request.path),
    }
    if "language_links" not in context:
        base["language_links"] = language_links(context.get("alternates"), lang)
    page = context.get("page")
    if isinstance(page, Page | render.ListingPage | render.SearchPage) and page.number > 1:
        base["canonical"] += f"?page={page.number}"
    response = HttpResponse(loader.render_to_string(template, {**base, **context}), status=status)
    response.headers["Content-Language"] = lang
    return response


# --------------------------------------------------------------------------- pages


@require_safe
@site_page
def home(request: HttpRequest) -> HttpResponse:
    lang = site_language()
    edge.keys_add(edge.home(lang))  # every live story is in it: each change in lang purges it
    if request.GET.get("page", "1") == "1":
        # The first page as rendered when the listing last changed (home_listing_render): one query.
        stored = pages.listing_stored(name="home", lang=lang)
        if stored is not None:
            return _render(request, "site/home.html", {"listing": stored})
    return _render(request, "site/home.html", home_context(lang=lang, page_number=request.GET.get("page")))


@require_safe
@site_article_page
def article(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    # The page rendered at publication (newsroom/site/rendering/stored.py): one column of one row.
    stored = pages.article_page_stored(slug=slug, lang=lang)
    if stored is not None:
        edge.keys_add(*stored.get("xkeys", []))
        origin = request.build_absolute_uri("/").rstrip("/")
        response = _render(
            request, "site/article_stored.html", pages.article_page_fill(stored, origin=origin), lang=lang
        )
        response.headers["Last-Modified"] = http_date(dt.datetime.fromisoformat(stored["modified"]).timestamp())
        return response
    obj = live_article(slug=slug, lang=lang)
    if obj is None:
        old = SlugRedirect.objects.filter(language=lang, slug=slug).select_related("article").first()
        if old is not None and getattr(old.article, _field("published_at", lang)) and old.article.slug:
            return HttpResponsePermanentRedirect(article_url(old.article, lang))
        raise Http404("No such article")
    # Stored before the templates or settings it was rendered with changed (or never): render.
    context = article_context(obj, lang=lang, origin=request.build_absolute_uri("/").rstrip("/"), path=request.path)
    edge.keys_add(*context["edge_keys"])
    response = _render(request, "site/article.html", context, lang=lang)
    response.headers["Last-Modified"] = http_date(context["modified"].timestamp())
    return response


@require_safe
@site_page
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    # Kept per listings version, as its page is: a renamed or deleted tag starts a new one.
    obj = pages.listing_cached(name=f"tag-slug:{slug}", lang=lang, compute=Tag.objects.filter(slug=slug).first)
    if obj is None:
        raise Http404("No such tag")
    page = _listing_page(request, lambda: live_articles(lang=lang).filter(tags=obj), lang=lang, name=f"tag:{obj.pk}")
    if not page.count:
        raise Http404("Nothing published under this tag")
    edge.keys_add(edge.tag(obj.pk, lang), *page.keys)
    return _render(
        request,
        "site/list.html",
        {
            "page": page,
            "heading": _("Stories tagged “%(name)s”") % {"name": obj.name},
            "kind": "tag",
            "rss_url": reverse("site:tag_rss", kwargs={"slug": obj.slug}),
            "atom_url": reverse("site:tag_atom", kwargs={"slug": obj.slug}),
        },
    )


@require_safe
@site_page
def outlet(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    # Kept per listings version, as its page is: a renamed, edited or deleted outlet starts a new one.
    obj = pages.listing_cached(name=f"outlet-slug:{slug}", lang=lang, compute=Outlet.objects.filter(slug=slug).first)
    if obj is None:
        raise Http404("No such source")
    page = _listing_page(
        request, lambda: live_articles(lang=lang).filter(outlet=obj), lang=lang, name=f"outlet:{obj.pk}"
    )
    edge.keys_add(edge.outlet(obj.pk, lang), *page.keys)
    return _render(
        request,
        "site/list.html",
        {
            "page": page,
            "heading": _("Stories from %(source)s") % {"source": outlet_name(outlet=obj, lang=lang)},
            "kind": "outlet",
            "outlet": obj,
            "rss_url": reverse("site:outlet_rss", kwargs={"slug": obj.slug}),
            "atom_url": reverse("site:outlet_atom", kwargs={"slug": obj.slug}),
        },
    )


@require_safe
@site_page
def translator(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    person = pages.listing_cached(name=f"translator:{slug}", lang=lang, compute=lambda: _public_translator(slug))
    if person is None:
        raise Http404("No such translator")

    def stories() -> Any:
        # Only work credited under the name this page shows (never the real name behind a pseudonym).
        credited = translator_credited_article_ids(user_id=person.user_id, name=person.name, lang=lang)
        return live_articles(lang=lang).filter(pk__in=credited)

    # Its ids once per listings version (a credit change starts a new one; the name is in the
    # key too), and each page rendered once per version: a request reads one kept entry.
    listed = f"translator:{person.pk}:{person.name}"
    page = render.listing_page(
        lambda: pages.listing_by_ids(stories(), lang=lang, variant="teaser", name=listed),
        number=request.GET.get("page"),
        lang=lang,
        name=listed,
        sub=True,
        empty=_("No published translations yet."),
    )
    edge.keys_add(edge.person(person.user_id), *page.keys)
    return _render(request, "site/translator.html", {"page": page, "name": person.name, "bio": person.bio})


@dataclass(frozen=True)
class PublicTranslator:
    """What a translator's public page shows of them, and whose credits it lists."""

    pk: int
    user_id: int
    name: str  # Contributor.credit_name: never the real name behind a pseudonym
    bio: str


def _public_translator(slug: str) -> PublicTranslator | None:
    """The translator with the public page ``slug`` as that page shows them. The view keeps it
    per listings version like the page's listing: any change to how a person is named
    (``owner.person_credit_changed``) starts a new one, so a withdrawn name is gone from the
    next request."""
    contributor = public_contributor(slug=slug)
    if contributor is None:
        return None
    name = contributor.credit_name(Role.TRANSLATOR)
    return PublicTranslator(pk=contributor.pk, user_id=contributor.user_id, name=name, bio=contributor.bio)


@require_safe
@site_page
@lag_tolerant_view  # the replica, when there is one; such pages are not cached (db_routing)
def search_page(request: HttpRequest) -> HttpResponse:
    lang = site_language()
    query = search.search_query_clean(request.GET.get("q"))
    if query:
        results = render.search_page(query=query, lang=lang, number=request.GET.get("page"))
        return _render(request, "site/search.html", {"query": query, "results": results, "page": results})
    return _render(request, "site/search.html", {"query": query})


@require_safe
@site_page
def archive(request: HttpRequest) -> HttpResponse:
    lang = site_language()
    published = _field("published_at", lang)

    def months() -> str:
        counts = (
            live_articles(lang=lang)
            .order_by()
            .annotate(month=TruncMonth(published))
            .values("month")
            .annotate(count=Count("pk"))
            .order_by("-month")
        )
        return loader.render_to_string("site/archive.html#listing", {"months": list(counts)})

    # Every month with its count, rendered once per listings version (each publication, correction
    # or withdrawal starts a new one): a request neither counts nor renders the archive.
    listing = pages.listing_cached(name="archive:html", lang=lang, compute=months)
    edge.keys_add(edge.archive(lang))
    return _render(request, "site/archive.html", {"listing": mark_safe(listing)})  # noqa: S308 - our template's


@require_safe
@site_page
def archive_month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not (1 <= month <= 12 and 1990 <= year <= 2999):
        raise Http404("No such month")
    lang = site_language()
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    published = _field("published_at", lang)
    page = _listing_page(
        request,
        lambda: live_articles(lang=lang).filter(**{f"{published}__gte": start, f"{published}__lt": end}),
        lang=lang,
        name=f"month:{year}-{month:02}",
    )
    if not page.count:
        raise Http404("Nothing was published that month")
    edge.keys_add(edge.month(lang, start), *page.keys)
    return _render(
        request,
        "site/list.html",
        {
            "page": page,
            "heading": _("Published in %(month)s") % {"month": date_format(start, "YEAR_MONTH_FORMAT")},
            "kind": "archive",
        },
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /desk/",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        *(f"Disallow: /{code}/search/" for code in settings.PUBLISHING_LANGUAGES if code != settings.LANGUAGE_CODE),
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('news_sitemap'))}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# --------------------------------------------------------------------------- errors


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The styled 404, rendered without context processors (no session, so no cookie)."""
    try:
        return _render(request, "404.html", {}, status=404)
    except Exception:  # a broken template must not turn a 404 into a 500
        logger.exception("404 page failed to render")
        return HttpResponse("Not found", status=404, content_type="text/plain; charset=utf-8")


def error_page(request: HttpRequest, *, status: int, title: str, sentence: str) -> HttpResponse:
    """A styled 403/405 on a public address (see ``newsroom.error_pages``)."""
    return _render(request, "site/error.html", {"title": title, "sentence": sentence}, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """The styled 500: no database, no request context, and a plain-text fallback.

    A missing primary (a failover) is a 503 to retry instead (``newsroom.core.db_unavailable``)."""
    unavailable = db_unavailable.unavailable_response_for_current_exception(request)
    if unavailable is not None:
        return unavailable
    try:
        html = loader.render_to_string("500.html", {"SITE_NAME": settings.DESK_SITE_NAME})
        return HttpResponse(html, status=500)
    except Exception:
        logger.exception("500 page failed to render")
        return HttpResponse("Server error", status=500, content_type="text/plain; charset=utf-8")
