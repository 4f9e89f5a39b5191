"""The read API (``/api/v1/``): published stories with their credits, for partners, apps and sources.

Built with django-ninja: function views with typed parameters, and the OpenAPI 3.1 schema
(``/api/v1/schema/``) generated from the same pydantic models that serialise the responses,
so the contract cannot drift from the code.

Everything here reads what the public site shows and nothing else: the live fields of an
Article (never a working copy), the credit *snapshots* through the site's own
:func:`~translations.public.public_credits` (never an account's real name unless it was the
chosen credit), translators who opted in to a public page. Desk comments, drafts, spiked and
scheduled work are never queried. HTTP behaviour (page cache tied to the site's, ETag/304,
CORS, rate limit, JSON errors) lives in :mod:`newsroom.site.api_http`.

Each endpoint runs a fixed number of queries whatever the page size: outlets are joined,
tags prefetched in one query, the latest correction time is a subquery.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from csp.utils import build_policy
from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from modeltranslation.utils import build_localized_fieldname
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import BeforeValidator

from newsroom.models import SEARCH_FIELDS, Article, Correction, Outlet, Tag
from newsroom.site import api_items, edge, search
from newsroom.site.api_items import OutletRef, Story, StoryItem, TagRef
from newsroom.site.rendering import render
from newsroom.site.rendering.stored import ORIGIN, listing_cached, page_stamp, search_kept
from newsroom.site.selectors import (
    live_articles,
    public_contributors,
)
from translations.public import Role

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE = 10_000
# The database's bigint: a larger id can name no row (and must not reach PostgreSQL).
MAX_ID = 2**63 - 1
# The query parameters the API reads; the page cache keys on these only (see api_http).
PARAMS = ("language", "page", "page_size", "tag", "outlet", "source", "since", "until", "q")

Language = enum.Enum("Language", {code: code for code in settings.PUBLISHING_LANGUAGES}, type=str)  # type: ignore[misc]

# The interactive reference (Swagger UI, its files from django-ninja's own static folder, served
# by us) draws its icons as data: images: only that page allows them (nothing else is relaxed;
# tests/e2e/test_editorial_day.py walks it with no refusal). The header is set on the response
# itself, so the API's cache keeps it for later hits.
REFERENCE_CSP = {"img-src": ["data:"]}


def _reference_csp(view: Any) -> Any:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = build_policy(update=REFERENCE_CSP)
        return response

    return wrapped


api = NinjaAPI(
    title=f"{settings.DESK_SITE_NAME} read API",
    version="1",
    description=(
        "Published stories translated by the desk, with their credits. Read-only, anonymous, "
        "no cookies. Errors are JSON objects with a `detail` sentence."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs_decorator=_reference_csp,
)


# --------------------------------------------------------------------------- schemas


class Error(Schema):
    detail: str = Field(description="What went wrong, as a sentence.")


class StoryPage(Schema):
    count: int
    page: int
    page_size: int
    next: str | None
    previous: str | None
    results: list[StoryItem]


class TagOut(TagRef):
    stories: int = Field(description="Stories published under this tag in the language asked for.")


class TagPage(Schema):
    count: int
    page: int
    page_size: int
    next: str | None
    previous: str | None
    results: list[TagOut]


class OutletOut(OutletRef):
    description: str
    language: str = Field(description="The outlet's usual source language.")
    stories: int


class OutletPage(Schema):
    count: int
    page: int
    page_size: int
    next: str | None
    previous: str | None
    results: list[OutletOut]


class Translator(Schema):
    slug: str
    name: str
    bio: str
    url: str


class TranslatorPage(Schema):
    count: int
    page: int
    page_size: int
    next: str | None
    previous: str | None
    results: list[Translator]


# --------------------------------------------------------------------------- parameters

LanguageParam = Annotated[Language, Query(description="A publishing language.")]  # type: ignore[valid-type]
PageParam = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
PageSizeParam = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (at most {MAX_PAGE_SIZE}).")]
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    """Only an RFC 3339 date-time, as the schema says: no bare numbers (timestamps), no missing offset."""
    text = str(value).upper()
    if not RFC3339.fullmatch(text):
        raise ValueError("give a date and time with an offset, such as 2024-05-01T00:00:00Z")
    return text


Time = Annotated[dt.datetime, BeforeValidator(_rfc3339)]
ERRORS: dict[int, Any] = {400: Error, 404: Error, 429: Error}


def _field(name: str, lang: str) -> str:
    return build_localized_fieldname(name, lang)


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _page(
    request: HttpRequest,
    items: QuerySet[Any] | _StoredMatches,
    *,
    page: int,
    page_size: int,
    rows_lang: str | None = None,
) -> tuple[dict[str, Any], list[Any]]:
    """Count and slice ``items``; next/previous links keep the caller's filters. A list's count is
    taken once per listings version (no COUNT(*) over the archive per request); a search's is
    exact up to ``search.EXACT_COUNT_LIMIT`` and estimated past it. With ``rows_lang`` (a story
    list, whose rows are the items stored in that language) the page's rows are kept per listings
    version and page stamp too, as a site listing's page is: a page asked again reads nothing.
    An empty page is never kept (junk filters and pages past the end fill nothing)."""
    if isinstance(items, _StoredMatches):
        count, pageable = items.total(), items.count()  # pages stop at search.EXACT_COUNT_LIMIT
    else:
        name = _list_name(request)
        count = pageable = listing_cached(name=name, lang=request.GET.get("language", ""), compute=items.count)
    start = (page - 1) * page_size

    def read() -> list[Any] | None:
        return (list(items[start : start + page_size]) if start < pageable else []) or None

    if rows_lang is None:
        rows = read() or []
    else:
        name = f"rows:{page_stamp(rows_lang)}:{page}:{page_size}:{_list_name(request)}"
        found: list[Any] | None = listing_cached(name=name, lang=rows_lang, compute=read)
        rows = found or []
    kept = _filters(request, without=("page",))

    def link(number: int) -> str:
        return _absolute(request, f"{request.path}?{urlencode({**kept, 'page': number})}")

    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "next": link(page + 1) if start + page_size < pageable else None,
        "previous": link(min(page - 1, (pageable + page_size - 1) // page_size)) if page > 1 and pageable else None,
    }, rows


def _list_name(request: HttpRequest) -> str:
    """What a list shows, whatever page of it is asked: its path and filters, as kept per listings
    version (its count, a search's ranked matches)."""
    kept = _filters(request, without=("page", "page_size"))
    return f"api:{request.path}?{urlencode(sorted(kept.items()))}"


def _filters(request: HttpRequest, *, without: tuple[str, ...]) -> dict[str, str]:
    """The list parameters ``request`` gives, but those named in ``without``."""
    return {name: request.GET[name] for name in PARAMS if name in request.GET and name not in without}


def _origin(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _outlet_ref(request: HttpRequest, outlet: Outlet | None, lang: str) -> dict[str, Any] | None:
    return api_items.outlet_ref(outlet, lang=lang, origin=_origin(request))


def _tag_ref(request: HttpRequest, tag: Tag, lang: str) -> dict[str, Any]:
    return api_items.tag_ref(tag, lang=lang, origin=_origin(request))


def _with_modified(items: QuerySet[Article], lang: str) -> QuerySet[Article]:
    latest = Correction.objects.filter(article=OuterRef("pk"), language=lang).order_by("-published_at")
    return items.annotate(
        modified_at=Greatest(_field("published_at", lang), Subquery(latest.values("published_at")[:1]))
    )


class _StoredMatches:
    """A search's matches as ``_page`` pages them (its total, exact or estimated), each page the
    rows (id, stamp, stored item) of its stories in rank order: no snippet or story row built
    for an answer that shows neither."""

    def __init__(self, results: search.SearchResults, *keys: str) -> None:
        self.results, self.keys = results, keys

    def total(self) -> int:
        return self.results.total()

    def count(self) -> int:
        return self.results.count()

    def __getitem__(self, items: slice) -> list[tuple[Any, ...]]:
        return self.results.page_values(items, *self.keys)


def _stored_items(
    request: HttpRequest, rows: list[tuple[Any, ...]], *, items: QuerySet[Article], lang: str
) -> list[str]:
    """A page of the list as JSON texts: the items stored with each story's page at publication
    (one column of the rows already read), or, if one is missing or out of date, built from the
    stories (``items``) as before."""
    stamp, origin = page_stamp(lang), _origin(request)
    if all(current == stamp and isinstance(item, str) for _pk, current, item in rows):
        return [api_items.item_fill(item, placeholder=ORIGIN, origin=origin) for _pk, _current, item in rows]
    stories = _with_modified(items.filter(pk__in=[pk for pk, *_ in rows]), lang).prefetch_related("tags").in_bulk()
    return [
        api_items.item_json(_story_item(request, stories[pk], lang, list(stories[pk].tags.all())))
        for pk, *_ in rows
        if pk in stories
    ]


def _list_response(request: HttpRequest, envelope: dict[str, Any], items: list[str]) -> HttpResponse:
    """A page of a list whose items are JSON texts already (validated when they were made): the
    envelope rendered as every answer is, with the items written in as its last key, the bytes
    ninja would write for the same page."""
    head = api.renderer.render(
        request, StoryPage.model_validate({**envelope, "results": []}).model_dump(), response_status=200
    )
    if not head.endswith(', "results": []}'):  # a renderer that writes JSON otherwise
        raise ValueError("the API's renderer must write JSON as json.dumps does")
    body = f"{head[: -len('[]}')]}[{', '.join(items)}]}}"
    return HttpResponse(body, content_type=api.get_content_type())


def _story_item(request: HttpRequest, article: Article, lang: str, tags: list[Tag]) -> dict[str, Any]:
    return api_items.story_item(article, lang=lang, tags=tags, origin=_origin(request))


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, clamped at the ends of time.

    PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows, so nothing goes there with one.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        offset = value.utcoffset() or dt.timedelta(0)
        if offset < dt.timedelta(0):
            return dt.datetime.max.replace(tzinfo=dt.UTC)
        return dt.datetime.min.replace(tzinfo=dt.UTC)


# --------------------------------------------------------------------------- errors


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Junk parameters get a 400 with a sentence naming the parameter (and pydantic's details)."""
    first = exc.errors[0] if exc.errors else {}
    where = [str(part) for part in first.get("loc", ()) if part not in ("query", "path")]
    name = where[0] if where else "request"
    sentence = f"The parameter “{name}” is not valid: {str(first.get('msg', 'invalid value')).rstrip('.')}."
    errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors]
    return api.create_response(request, {"detail": sentence, "errors": errors}, status=400)


# --------------------------------------------------------------------------- endpoints


@api.get("/stories/", response={200: StoryPage, **ERRORS}, url_name="stories", summary="Published stories")
def stories(
    request: HttpRequest,
    language: LanguageParam = Language(settings.LANGUAGE_CODE),  # noqa: B008
    page: PageParam = 1,
    page_size: PageSizeParam = DEFAULT_PAGE_SIZE,
    tag: Annotated[str | None, Query(pattern=r"^[^/\x00-\x1f\x7f]{1,120}$", description="A tag slug.")] = None,
    outlet: Annotated[str | None, Query(pattern=r"^[-a-zA-Z0-9_]{1,100}$", description="An outlet slug.")] = None,
    source: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9.-]{1,253}$",
            description="The source site's host name (e.g. tut.by), for sources with or without an outlet.",
        ),
    ] = None,
    since: Annotated[
        Time | None, Query(description="Published at or after this time (RFC 3339, with an offset).")
    ] = None,
    until: Annotated[Time | None, Query(description="Published before this time (RFC 3339, with an offset).")] = None,
    q: Annotated[str | None, Query(max_length=search.MAX_QUERY_LENGTH, description="Site search.")] = None,
) -> HttpResponse:
    """Newest first (ties by id, so pages are stable); with ``q``, best match first, as site search."""
    lang = language.value
    items = live_articles(lang=lang)
    published = _field("published_at", lang)
    if tag:
        items = items.filter(tags__slug=tag)
    if outlet:
        items = items.filter(outlet__slug=outlet)
    if source:
        host = re.escape(source.lower().removeprefix("www."))
        items = items.filter(source_url__iregex=rf"^https?://(www\.)?{host}(:[0-9]+)?([/?#]|$)")
    if since:
        items = items.filter(**{f"{published}__gte": _utc(since)})
    if until:
        items = items.filter(**{f"{published}__lt": _utc(until)})
    query = search.search_query_clean(q)
    # The stamp and the item as the texts they are stored as (``->>``): nothing decoded per row.
    fields = (KT(f"{_field('listed', lang)}__stamp"), KT(f"{_field('listed', lang)}__api"))
    listed: QuerySet[Any] | _StoredMatches = items.values_list("pk", *fields)
    if query:
        matches = search_kept(search.articles_search(query=query, language=lang, base=items), name=_list_name(request))
        listed = _StoredMatches(matches, "stamp", "api")
    envelope, rows = _page(request, listed, page=page, page_size=page_size, rows_lang=lang)
    edge.keys_add(edge.api(lang))  # every live story in lang is in the list (some filter of it)
    return _list_response(request, envelope, _stored_items(request, rows, items=items, lang=lang))


@api.get("/stories/{story_id}/", response={200: Story, **ERRORS}, url_name="story", summary="One published story")
def story(
    request: HttpRequest,
    story_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    language: LanguageParam = Language(settings.LANGUAGE_CODE),  # noqa: B008
) -> HttpResponse:
    """The story as its page shows it: blocks, translator's notes, dated corrections and the credits."""
    lang = language.value
    page = _field("page", lang)
    live = Article.objects.filter(Article.live_q(lang), pk=story_id)
    # The answer stored with its page at publication: one column of one row.
    row = live.values_list(f"{page}__stamp", f"{page}__api_story", f"{page}__api_keys", f"{page}__modified").first()
    if row is None:
        raise HttpError(404, "No story with this id is published in this language.")
    stamp, text, keys, modified = row
    if stamp == page_stamp(lang) and isinstance(text, str) and isinstance(keys, list):
        at = dt.datetime.fromisoformat(modified)
    else:
        # Not stored, or stored by another deployment: built as publication builds it.
        article = live.select_related("outlet").defer(*SEARCH_FIELDS, page).first()
        if article is None:  # withdrawn between the two reads
            raise HttpError(404, "No story with this id is published in this language.")
        text, keys, at = render.api_story_render(article, lang=lang)
    edge.keys_add(*keys)
    response = HttpResponse(
        api_items.item_fill(text, placeholder=ORIGIN, origin=_origin(request)), content_type=api.get_content_type()
    )
    response.headers["Last-Modified"] = http_date(at.timestamp())
    return response


def _stories_per(*, lang: str, relation: str) -> dict[int, int]:
    """How many stories are live in ``lang`` per tag or outlet (``relation``): one aggregate per
    listings version, not one per request."""

    def compute() -> dict[int, int]:
        rows = (
            Article.objects.filter(Article.live_q(lang), **{f"{relation}__isnull": False})
            .order_by()
            .values_list(relation)
            .annotate(n=Count("pk"))
        )
        return {pk: n for pk, n in rows}

    return listing_cached(name=f"api:stories-per-{relation}", lang=lang, compute=compute)


@api.get("/tags/", response={200: TagPage, **ERRORS}, url_name="tags", summary="Tags with published stories")
def tags(
    request: HttpRequest,
    language: LanguageParam = Language(settings.LANGUAGE_CODE),  # noqa: B008
    page: PageParam = 1,
    page_size: PageSizeParam = DEFAULT_PAGE_SIZE,
) -> Status[dict[str, Any]]:
    """Only tags under which something is live: a tag of an unpublished story says nothing."""
    lang = language.value
    stories = _stories_per(lang=lang, relation="tags")
    items = Tag.objects.filter(pk__in=[pk for pk, n in stories.items() if n]).order_by("name", "pk")
    envelope, rows = _page(request, items, page=page, page_size=page_size)
    envelope["results"] = [{**_tag_ref(request, t, lang), "stories": stories[t.pk]} for t in rows]
    edge.keys_add(edge.api(lang))
    return Status(200, envelope)


@api.get("/outlets/", response={200: OutletPage, **ERRORS}, url_name="outlets", summary="Source outlets")
def outlets(
    request: HttpRequest,
    language: LanguageParam = Language(settings.LANGUAGE_CODE),  # noqa: B008
    page: PageParam = 1,
    page_size: PageSizeParam = DEFAULT_PAGE_SIZE,
) -> Status[dict[str, Any]]:
    """Every outlet the desk follows (each has a page on the site), with its live story count."""
    lang = language.value
    stories = _stories_per(lang=lang, relation="outlet")
    items = Outlet.objects.order_by("name", "pk")
    envelope, rows = _page(request, items, page=page, page_size=page_size)
    edge.keys_add(edge.api(lang))
    envelope["results"] = [
        {
            **(_outlet_ref(request, o, lang) or {}),
            "description": o.description,
            "language": o.language,
            "stories": stories.get(o.pk, 0),
        }
        for o in rows
    ]
    return Status(200, envelope)


@api.get("/translators/", response={200: TranslatorPage, **ERRORS}, url_name="translators", summary="Translators")
def translators(
    request: HttpRequest, page: PageParam = 1, page_size: PageSizeParam = DEFAULT_PAGE_SIZE
) -> Status[dict[str, Any]]:
    """Only those who opted in to a public page and are not credited anonymously, by that page's name."""
    items = public_contributors().order_by("public_slug", "pk")
    envelope, rows = _page(request, items, page=page, page_size=page_size)
    edge.keys_add(edge.PEOPLE)  # who has a public page, under which name: any credit change
    envelope["results"] = [
        {
            "slug": c.public_slug,
            "name": c.credit_name(Role.TRANSLATOR),
            "bio": c.bio,
            "url": _absolute(request, reverse("site:translator", kwargs={"slug": c.public_slug})),
        }
        for c in rows
    ]
    return Status(200, envelope)


class IndexEndpoint(Schema):
    path: str
    summary: str


class Index(Schema):
    title: str
    version: str
    description: str
    schema_url: str = Field(description="The OpenAPI schema (JSON).")
    docs_url: str = Field(description="The interactive reference of the schema (HTML).")
    endpoints: list[IndexEndpoint]


@api.get("/", response={200: Index, **ERRORS}, url_name="index", summary="What this API offers")
def index(request: HttpRequest) -> dict[str, Any]:
    """The API's own index: its endpoints (read from the schema, so never out of date), the
    schema and the interactive reference."""
    return {
        "title": api.title,
        "version": api.version,
        "description": api.description or "",
        "schema_url": reverse("api:openapi-json"),
        "docs_url": reverse("api:openapi-view"),
        "endpoints": _endpoints(reverse("api:index")),
    }


@functools.cache
def _endpoints(prefix: str) -> list[dict[str, str]]:
    """The GET endpoints of the schema under ``prefix``, with their summaries: built once per
    process (the routes are fixed when it starts; building the schema takes about 17 ms)."""
    schema = api.get_openapi_schema(path_prefix=prefix)
    return [
        {"path": path, "summary": str(operation.get("summary", ""))}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method == "get" and path != prefix
    ]
