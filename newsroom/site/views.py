"""The public site: readers only ever see what was published (the live fields).

Every page is a function-based view wrapped in :func:`newsroom.site.cache.site_page` (whole
page cached per URL and language, invalidated by publishing; ETag and Cache-Control). Pages
are rendered *without* the request context processors on purpose: they never touch the
session, the CSRF token or messages, so an anonymous reader gets no cookie and the same
bytes as everyone else (which is what makes the page cache correct).

Each view runs a fixed number of queries whatever the number of blocks, tags or credits:
the body is one JSON column, tags, corrections and credits are prefetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.db_routing import lag_tolerant_view
from newsroom.models import SEARCH_FIELDS, Article, Correction, Outlet, SlugRedirect, SourceImage, Tag
from newsroom.site import pages, search
from newsroom.site.cache import site_article_page, site_cache_lists_version, site_page
from newsroom.site.pages import article_page_fill, article_page_stored
from newsroom.templatetags.source_images import picture_data
from translations.models import ANONYMOUS_CREDIT, Contributor, Credit, CreditMode, Role, State, Translation

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
FEATURED_COUNT = 3
RELATED_COUNT = 4


# --------------------------------------------------------------------------- selectors


def site_language() -> str:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return lang if lang in settings.PUBLISHING_LANGUAGES else settings.LANGUAGE_CODE


def _field(name: str, lang: str) -> str:
    return build_localized_fieldname(name, lang)


def live_articles(*, lang: str) -> QuerySet[Article]:
    """Articles live in ``lang``, newest first, without the heavy columns lists never show."""
    published = _field("published_at", lang)
    return (
        Article.objects.filter(Article.live_q(lang))
        .select_related("outlet")
        .defer("body", "body_html", "related_ids", *SEARCH_FIELDS, "source_lead", "source_tags", "triage_reason")
        .order_by(f"-{published}", "-pk")
    )


def credits_prefetch(*, lang: str) -> Prefetch:
    """The public credits of each article's ``lang`` translation, with profiles for links."""
    credits = Credit.objects.filter(is_credited=True).select_related("user__contributor")
    return Prefetch(
        "translations",
        queryset=Translation.objects.filter(language=lang)
        .exclude(state=State.SPIKED)
        .only("pk", "article_id", "language", "state")
        .prefetch_related(Prefetch("credits", queryset=credits)),
        to_attr="live_translations",
    )


def public_credits(article: Article, credits: list[Credit] | None = None) -> dict[str, list[dict[str, str]]]:
    """``{"translator": [{"name", "url"}], "reviewer": …, "editor": …}`` for ``article``.

    ``credits`` are the article's credited rows (see :func:`article_credits`); without them the
    ones prefetched by :func:`credits_prefetch` are used. The name is the snapshot taken at
    publication (never recomputed towards more exposure, so a pseudonymous or anonymous
    volunteer stays so), unless the person has since withdrawn to a pseudonym or to no name:
    then their current choice holds at once; a profile link is given only when the person
    opted in and the profile shows the very same name.
    """
    if credits is None:
        credits = [c for t in getattr(article, "live_translations", [])[:1] for c in t.credits.all()]
    out: dict[str, list[dict[str, str]]] = {Role.TRANSLATOR: [], Role.REVIEWER: [], Role.EDITOR: []}
    for credit in credits:
        name = credit.credit_name
        contributor = getattr(credit.user, "contributor", None) if credit.user_id else None
        if contributor is not None and contributor.credit_mode != CreditMode.REAL_NAME:
            # Consent withdrawn after publication (a pseudonym, or no name) is honoured at once.
            name = contributor.credit_name(credit.role) if name not in _anonymous_credit_snapshots() else name
        if not name or name in _anonymous_credit_snapshots():
            # Snapshotted in English on the desk: readers see it in the page's language.
            name = str(ANONYMOUS_CREDIT.get(credit.role, ANONYMOUS_CREDIT[Role.TRANSLATOR]))
        url = ""
        if (
            contributor is not None
            and contributor.has_public_profile
            and contributor.public_slug
            and contributor.credit_mode != CreditMode.ANONYMOUS
            and contributor.credit_name(credit.role) == name
        ):
            url = reverse("site:translator", kwargs={"slug": contributor.public_slug})
        out.setdefault(credit.role, []).append({"name": name, "url": url})
    return out


def _anonymous_credit_snapshots() -> set[str]:
    """The anonymous credit names as the desk snapshots them at publication (in English)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {str(label) for label in ANONYMOUS_CREDIT.values()}


def article_credits(*, article: Article, lang: str) -> list[Credit]:
    """The public credits of ``article``'s ``lang`` translation, in order, with profiles: one query."""
    return list(
        Credit.objects.filter(translation__article=article, translation__language=lang, is_credited=True)
        .exclude(translation__state=State.SPIKED)
        .select_related("user__contributor")
        .order_by("role", "position", "pk")
    )


def _paginate(request: HttpRequest, items: Any) -> Page:
    """Junk (?page=abc) gives the first page, a page past the end the last one: never an error."""
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _stored_listing(queryset: QuerySet[Article], *, lang: str, variant: str, name: str) -> pages.StoredList:
    """``queryset`` (live stories) as stored teasers, counted once per listings version."""
    key = f"site:count:{site_cache_lists_version()}:{lang}:{hashlib.sha256(name.encode()).hexdigest()[:32]}"
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, 3600)
    return pages.StoredList(queryset, lang=lang, variant=variant, count=count)


# --------------------------------------------------------------------------- rendering


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
        base["language_links"] = _language_links(context.get("alternates"), lang)
    page = context.get("page")
    if isinstance(page, Page) and page.number > 1:
        base["canonical"] += f"?page={page.number}"
    response = HttpResponse(loader.render_to_string(template, {**base, **context}), status=status)
    response.headers["Content-Language"] = lang
    return response


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def article_url(article: Article, lang: str) -> str:
    with translation.override(lang):
        return reverse("site:article", kwargs={"slug": getattr(article, _field("slug", lang))})


def _alternates(origin: str, article: Article) -> list[dict[str, str]]:
    """hreflang links: every language this article is live in (the default also as x-default)."""
    links = []
    for code in settings.PUBLISHING_LANGUAGES:
        if getattr(article, _field("published_at", code), None) and getattr(article, _field("slug", code), ""):
            href = origin + article_url(article, code)
            links.append({"lang": code, "href": href})
            if code == settings.LANGUAGE_CODE:
                links.append({"lang": "x-default", "href": href})
    return links


def _language_links(alternates: list[dict[str, str]] | None, lang: str) -> list[dict[str, str]]:
    """The language switcher: an article links to the languages it is live in (never to a page
    that does not exist); other pages to the front page of each other publishing language."""
    names = settings.SUPPORTED_PUBLISHING_LANGUAGES
    if alternates is not None:
        return [
            {"lang": a["lang"], "href": a["href"], "name": names[a["lang"]]}
            for a in alternates
            if a["lang"] in names and a["lang"] != lang
        ]
    links = []
    for code in settings.PUBLISHING_LANGUAGES:
        if code != lang:
            with translation.override(code):
                links.append({"lang": code, "href": reverse("site:home"), "name": names[code]})
    return links


def _picture_urls(origin: str, article: Article) -> list[str]:
    """Our stored copies (largest size) of the story's first three pictures, never the outlet's.

    One query whatever the number of pictures (none for a story without stored pictures).
    """
    blocks = [b for b in article.body or [] if b.get("kind") == "image" and (b.get("attrs") or {}).get("image")]
    ids = [b["attrs"]["image"] for b in blocks if isinstance(b["attrs"]["image"], int)]
    stored = SourceImage.objects.in_bulk(ids[:10]) if ids else {}
    urls = []
    for block in blocks:
        image = stored.get(block["attrs"]["image"])
        picture = picture_data(block, image=image) if image is not None else None
        if picture:
            largest = str(picture["largest"])
            # Local storage gives a path (made absolute with the page's origin); object storage a URL.
            urls.append(origin + largest if largest.startswith("/") else largest)
            if len(urls) == 3:
                break
    return urls


def _json_ld(
    origin: str,
    path: str,
    article: Article,
    credits: dict[str, list[dict[str, str]]],
    modified: dt.datetime,
    tags: list[Tag] | None = None,
    images: list[str] | None = None,
) -> dict[str, Any]:
    """schema.org NewsArticle: the original author as author, the credited names as translators."""
    images = _picture_urls(origin, article) if images is None else images
    source_name = article.source_name
    # The authors as the page names them (transliterated for English), not the source's script.
    authors, outlet_name = article.live_byline(site_language())
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.seo_description or article.lead,
        "inLanguage": site_language(),
        "mainEntityOfPage": origin + path,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": modified.isoformat(),
        "author": [{"@type": "Person", "name": name.strip()} for name in authors.split(",") if name.strip()]
        or [{"@type": "Organization", "name": outlet_name}],
        "translator": [{"@type": "Person", "name": c["name"]} for c in credits.get(Role.TRANSLATOR, [])],
        "publisher": {
            "@type": "Organization",
            "name": settings.DESK_SITE_NAME,
            "url": origin + "/",
        },
        "isBasedOn": article.source_url,
        "translationOfWork": {
            "@type": "NewsArticle",
            "headline": article.source_title,
            "inLanguage": article.language,
            "url": article.source_url,
            "datePublished": article.source_published_at.isoformat() if article.source_published_at else None,
            "publisher": {"@type": "Organization", "name": source_name},
        },
        "keywords": [t.name for t in (article.tags.all() if tags is None else tags)],
    }
    if images:
        data["image"] = images[:3]
    credit_line = machine_credit_line(article, credits)
    if credit_line:
        data["creditText"] = credit_line
    return data


def machine_credit_line(article: Article, credits: dict[str, list[dict[str, str]]]) -> str:
    """ "Translated by … with machine assistance" when a published block began as a machine
    draft; "" otherwise or when the desk turned the line off (``DESK_MT_CREDIT``)."""
    if not settings.DESK_MT_CREDIT or not any(b.get("machine") for b in article.body or []):
        return ""
    names = ", ".join(c["name"] for c in credits.get(Role.TRANSLATOR, []))
    words = settings.DESK_MT_CREDIT_TEXT
    return f"Translated by {names} {words}" if names else f"Translated {words}"


# --------------------------------------------------------------------------- pages


@require_safe
@site_page
def home(request: HttpRequest) -> HttpResponse:
    lang = site_language()
    if request.GET.get("page", "1") == "1":
        # The first page as rendered when the listing last changed (home_listing_render): one query.
        stored = pages.listing_stored(name="home", lang=lang)
        if stored is not None:
            return _render(request, "site/home.html", {"listing": stored})
    return _render(request, "site/home.html", _home_context(lang=lang, page_number=request.GET.get("page")))


def _home_context(*, lang: str, page_number: str | None, exact: bool = False) -> dict[str, Any]:
    live = live_articles(lang=lang)
    # ``exact``: counted now (inside a publication the cached count may be a batch behind).
    listing: Any = (
        pages.StoredList(live, lang=lang, variant="teaser", count=live.count())
        if exact
        else _stored_listing(live, lang=lang, variant="teaser", name="home")
    )
    page = Paginator(listing, PAGE_SIZE).get_page(page_number)
    featured = (
        pages.StoredList(live.filter(is_featured=True), lang=lang, variant="teaser", count=FEATURED_COUNT)[
            :FEATURED_COUNT
        ]
        if page.number == 1
        else []
    )
    return {"page": page, "featured": featured}


def home_listing_render(*, language: str) -> None:
    """Render the home page's first page in ``language`` and store it (``pages.listing_store``):
    called where stories go live or are withdrawn, so a page view does not build the listing."""
    if language not in settings.PUBLISHING_LANGUAGES:
        return
    with translation.override(language):
        context = _home_context(lang=language, page_number="1", exact=True)
        context.update(SITE_NAME=settings.DESK_SITE_NAME, LANGUAGE_CODE=language)
        html = loader.render_to_string("site/home.html#listing", context)
    pages.listing_store(name="home", lang=language, html=html)


@require_safe
@site_article_page
def article(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    # The page rendered at publication (newsroom/site/pages.py): one column of one row.
    stored = article_page_stored(slug=slug, lang=lang)
    if stored is not None:
        origin = request.build_absolute_uri("/").rstrip("/")
        response = _render(request, "site/article_stored.html", article_page_fill(stored, origin=origin), lang=lang)
        response.headers["Last-Modified"] = http_date(dt.datetime.fromisoformat(stored["modified"]).timestamp())
        return response
    obj = (
        Article.objects.filter(**{f"{_field('published_at', lang)}__isnull": False, _field("slug", lang): slug})
        .select_related("outlet")
        .defer(*SEARCH_FIELDS)
        .first()
    )
    if obj is None:
        old = SlugRedirect.objects.filter(language=lang, slug=slug).select_related("article").first()
        if old is not None and getattr(old.article, _field("published_at", lang)) and old.article.slug:
            return HttpResponsePermanentRedirect(article_url(old.article, lang))
        raise Http404("No such article")
    # Stored before the templates or settings it was rendered with changed (or never): render.
    context = article_context(obj, lang=lang, origin=request.build_absolute_uri("/").rstrip("/"), path=request.path)
    response = _render(request, "site/article.html", context, lang=lang)
    response.headers["Last-Modified"] = http_date(context["modified"].timestamp())
    return response


def article_context(obj: Article, *, lang: str, origin: str, path: str) -> dict[str, Any]:
    """Everything ``site/article.html`` shows of ``obj`` in ``lang``: four queries.

    ``origin`` (scheme and host) and ``path`` make the absolute addresses (canonical, hreflang,
    JSON-LD); publication renders with a placeholder origin (``newsroom.site.pages``).
    """
    # Plain queries rather than prefetch_related: the same count, less ORM work per page.
    tags = list(obj.tags.all())
    # Chosen at publication (publishing.related_ids): one lookup by key, whatever the archive's size.
    related_ids = getattr(obj, _field("related_ids", lang)) or []
    related = list(live_articles(lang=lang).filter(pk__in=related_ids)[:RELATED_COUNT]) if related_ids else []
    credits = public_credits(obj, article_credits(article=obj, lang=lang))
    corrections = list(Correction.objects.filter(article=obj, language=lang).order_by("published_at", "pk"))
    published_at: dt.datetime = obj.published_at or timezone.now()
    modified = max([published_at, *(c.published_at for c in corrections)])
    alternates = _alternates(origin, obj)
    pictures = _picture_urls(origin, obj)
    return {
        "article": obj,
        "canonical": origin + path,
        "site_base": origin,
        # Tags have one (English) name for every language version: shown on English pages only.
        "tags": tags if lang == settings.LANGUAGE_CODE else [],
        "related": related,
        "translators": credits[Role.TRANSLATOR],
        "reviewers": credits[Role.REVIEWER],
        "editors": credits[Role.EDITOR],
        "profiles": list(
            {c["url"]: c for role in (Role.TRANSLATOR, Role.REVIEWER) for c in credits[role] if c["url"]}.values()
        ),
        "corrections": corrections,
        "modified": modified,
        "source_name": obj.source_name,
        "byline": obj.live_byline(lang),
        "alternates": alternates,
        "json_ld": _json_ld(origin, path, obj, credits, modified, tags, images=pictures),
        "machine_credit": settings.DESK_MT_CREDIT_TEXT if machine_credit_line(obj, credits) else "",
        "og_image": pictures[0] if pictures else "",
    }


def article_page_render(obj: Article, *, lang: str) -> dict[str, Any]:
    """The stored page of ``obj`` in ``lang`` (``newsroom.site.pages``): the partials of
    ``site/article.html`` rendered with the placeholder origin, the language links and a stamp."""
    with translation.override(lang):
        path = article_url(obj, lang)
        context = article_context(obj, lang=lang, origin=pages.ORIGIN, path=path)
        context.update(SITE_NAME=settings.DESK_SITE_NAME, LANGUAGE_CODE=lang)
        stored: dict[str, Any] = {
            name: loader.render_to_string(f"site/article.html#{name}", context) for name in pages.PARTS
        }
        stored["language_links"] = _language_links(context["alternates"], lang)
        for name, sub in pages.TEASERS.items():
            stored[name] = loader.render_to_string("site/_teasers.html#teaser", {"article": obj, "sub": sub})
    stored["modified"] = context["modified"].isoformat()
    stored["stamp"] = pages.page_stamp(lang)
    return stored


def article_pages_render(*, pks: Iterable[int], language: str) -> int:
    """Render and store the pages of the stories ``pks`` in ``language``; a story not live in it
    gets an empty page (so none is ever served). Returns how many were rendered."""
    pks = set(pks)
    if not pks or language not in settings.PUBLISHING_LANGUAGES:
        return 0
    field = _field("page", language)
    live = list(
        Article.objects.filter(Article.live_q(language), pk__in=pks).select_related("outlet").defer(*SEARCH_FIELDS)
    )
    for obj in live:
        Article.objects.filter(pk=obj.pk).update(**{field: article_page_render(obj, lang=language)})
    gone = pks - {obj.pk for obj in live}
    if gone:
        Article.objects.filter(pk__in=gone).update(**{field: {}})
    return len(live)


@require_safe
@site_page
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    obj = Tag.objects.filter(slug=slug).first()
    if obj is None:
        raise Http404("No such tag")
    tagged = live_articles(lang=lang).filter(tags=obj)
    page = _paginate(request, _stored_listing(tagged, lang=lang, variant="teaser_h2", name=f"tag:{obj.pk}"))
    if not page.paginator.count:
        raise Http404("Nothing published under this tag")
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
    obj = Outlet.objects.filter(slug=slug).first()
    if obj is None:
        raise Http404("No such source")
    page = _paginate(request, live_articles(lang=lang).filter(outlet=obj))
    return _render(
        request,
        "site/list.html",
        {
            "page": page,
            "heading": _("Stories from %(source)s") % {"source": obj.credit_name},
            "kind": "outlet",
            "outlet": obj,
            "rss_url": reverse("site:outlet_rss", kwargs={"slug": obj.slug}),
            "atom_url": reverse("site:outlet_atom", kwargs={"slug": obj.slug}),
        },
    )


def public_contributors() -> QuerySet[Contributor]:
    """Translators who opted in to a public page (and are not credited anonymously)."""
    return (
        Contributor.objects.select_related("user")
        .filter(has_public_profile=True)
        .exclude(public_slug="")
        .exclude(credit_mode=CreditMode.ANONYMOUS)
    )


def public_contributor(*, slug: str) -> Contributor | None:
    """The translator with the public page ``slug``, if they opted in to one."""
    return public_contributors().filter(public_slug=slug).first()


@require_safe
@site_page
def translator(request: HttpRequest, slug: str) -> HttpResponse:
    lang = site_language()
    contributor = public_contributor(slug=slug)
    if contributor is None:
        raise Http404("No such translator")
    name = contributor.credit_name(Role.TRANSLATOR)
    # Only work credited under the name this page shows: a page under a pseudonym must not
    # list stories credited to the person's real name (that would unmask them).
    credited = Credit.objects.filter(
        user=contributor.user,
        is_credited=True,
        credit_name=name,
        role__in=[Role.TRANSLATOR, Role.REVIEWER],
        translation__language=lang,
    ).values("translation__article_id")
    page = _paginate(request, live_articles(lang=lang).filter(pk__in=credited))
    return _render(
        request,
        "site/translator.html",
        {"page": page, "name": name, "bio": contributor.bio},
    )


@require_safe
@site_page
@lag_tolerant_view  # the replica, when there is one; such pages are not cached (db_routing)
def search_page(request: HttpRequest) -> HttpResponse:
    lang = site_language()
    query = search.search_query_clean(request.GET.get("q"))
    page = None
    if query:
        page = _paginate(request, search.articles_search(query=query, language=lang, base=live_articles(lang=lang)))
    return _render(request, "site/search.html", {"query": query, "page": page})


@require_safe
@site_page
def archive(request: HttpRequest) -> HttpResponse:
    lang = site_language()
    published = _field("published_at", lang)
    months = (
        live_articles(lang=lang)
        .order_by()
        .annotate(month=TruncMonth(published))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("-month")
    )
    return _render(request, "site/archive.html", {"months": list(months)})


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
    page = _paginate(request, live_articles(lang=lang).filter(**{f"{published}__gte": start, f"{published}__lt": end}))
    if not page.paginator.count:
        raise Http404("Nothing was published that month")
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
    """The styled 500: no database, no request context, and a plain-text fallback."""
    try:
        html = loader.render_to_string("500.html", {"SITE_NAME": settings.DESK_SITE_NAME})
        return HttpResponse(html, status=500)
    except Exception:
        logger.exception("500 page failed to render")
        return HttpResponse("Server error", status=500, content_type="text/plain; charset=utf-8")
