"""Renders what readers get and stores it: a story's body, its page, the home listing.

Called by the owner (``newsroom.site.rendering.owner``) when live text changes, and by
``manage.py site_pages_render``; page views call :func:`article_context` and
:func:`home_context` only when no current stored copy exists. Nothing here decides *when* to
render: that is the owner's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from modeltranslation.utils import build_localized_fieldname

from newsroom import machine_assist
from newsroom.core.caching import page_cache
from newsroom.models import SEARCH_FIELDS, Article, Correction, Tag
from newsroom.site import api_items, edge, search
from newsroom.site.jsonld import article_json_ld, picture_urls
from newsroom.site.rendering import stored as pages
from newsroom.site.rendering.related import RELATED_COUNT
from newsroom.site.selectors import (
    article_credits,
    article_url,
    articles_credits,
    live_articles,
    public_credits,
    source_name,
)
from translations.public import Role, live_source_revisions

PAGE_SIZE = 20
FEATURED_COUNT = 3


def _field(name: str, lang: str) -> str:
    return build_localized_fieldname(name, lang)


def body_render(*, body: list[dict[str, Any]]) -> str:
    """The live blocks as the site shows them: rendered once here, at publication.

    Each block's HTML passed :func:`sanitize_inline` (nh3) when ``live_body`` built it and the
    template escapes every attribute, so the stored HTML is as safe as a per-request render.
    """
    return loader.render_to_string("site/_blocks.html#body", {"body": body}).strip()


def article_body_render_again(*, article: Article, language: str) -> None:
    """Render the stored body of a live story again from its live blocks (after a deployment
    changed ``site/_blocks.html``; ``manage.py site_pages_render``). Nothing else changes."""
    body = getattr(article, build_localized_fieldname("body", language)) or []
    with translation.override(language):
        rendered = body_render(body=body)
    if rendered != getattr(article, build_localized_fieldname("body_html", language)):
        Article.objects.filter(pk=article.pk).update(**{build_localized_fieldname("body_html", language): rendered})
        setattr(article, build_localized_fieldname("body_html", language), rendered)


def article_alternates(origin: str, article: Article) -> list[dict[str, str]]:
    """hreflang links: every language this article is live in (the default also as x-default)."""
    links = []
    for code in settings.PUBLISHING_LANGUAGES:
        if getattr(article, _field("published_at", code), None) and getattr(article, _field("slug", code), ""):
            href = origin + article_url(article, code)
            links.append({"lang": code, "href": href})
            if code == settings.LANGUAGE_CODE:
                links.append({"lang": "x-default", "href": href})
    return links


def language_links(alternates: list[dict[str, str]] | None, lang: str) -> list[dict[str, str]]:
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


@dataclass
class PagesData:
    """What the pages of many stories show beyond their own rows, read in one query each
    (:func:`pages_data`): tags, related stories, credits, corrections and source revisions by story."""

    tags: dict[int, list[Tag]]
    related: dict[int, Article]
    credits: dict[int, list[Any]]
    corrections: dict[int, list[Correction]]
    source_revisions: dict[int, Any]


def pages_data(stories: list[Article], *, lang: str, known: list[Article] | None = None) -> PagesData:
    """:class:`PagesData` of ``stories`` in ``lang``: five queries whatever their number.
    ``known``: live stories not written yet, taken from memory as related stories."""
    pks = [obj.pk for obj in stories]
    tags: dict[int, list[Tag]] = {pk: [] for pk in pks}
    for row in Article.tags.through.objects.filter(article_id__in=pks).select_related("tag").order_by("tag__name"):
        tags[row.article_id].append(row.tag)
    in_memory = {obj.pk: obj for obj in known or []}
    wanted = {pk for obj in stories for pk in getattr(obj, _field("related_ids", lang)) or []} - in_memory.keys()
    related = {a.pk: a for a in live_articles(lang=lang).filter(pk__in=wanted)} if wanted else {}
    related.update((pk, obj) for pk, obj in in_memory.items())
    corrections: dict[int, list[Correction]] = {pk: [] for pk in pks}
    for correction in Correction.objects.filter(article_id__in=pks, language=lang).order_by("published_at", "pk"):
        corrections[correction.article_id].append(correction)
    credits = articles_credits(article_ids=pks, lang=lang)
    return PagesData(tags, related, credits, corrections, live_source_revisions(article_ids=pks, lang=lang))


def article_context(
    obj: Article, *, lang: str, origin: str, path: str, data: PagesData | None = None
) -> dict[str, Any]:
    """Everything ``site/article.html`` (and the read API's answer) shows of ``obj`` in ``lang``:
    five queries (none with ``data``, read beforehand for many stories by :func:`pages_data`).

    ``origin`` (scheme and host) and ``path`` make the absolute addresses (canonical, hreflang,
    JSON-LD); publication renders with a placeholder origin (``rendering.stored``).
    """
    # Chosen at publication (rendering.related): one lookup by key, whatever the archive's size.
    related_ids = getattr(obj, _field("related_ids", lang)) or []
    if data is not None:
        tags = data.tags[obj.pk]
        published = _field("published_at", lang)
        live = [data.related[pk] for pk in related_ids if pk in data.related]
        related = sorted(live, key=lambda a: (getattr(a, published), a.pk), reverse=True)[:RELATED_COUNT]
        credit_rows = data.credits[obj.pk]
        corrections = data.corrections[obj.pk]
        source_revision = data.source_revisions.get(obj.pk)
    else:
        # Plain queries rather than prefetch_related: the same count, less ORM work per page.
        tags = list(obj.tags.all())
        related = list(live_articles(lang=lang).filter(pk__in=related_ids)[:RELATED_COUNT]) if related_ids else []
        credit_rows = article_credits(article=obj, lang=lang)
        corrections = list(Correction.objects.filter(article=obj, language=lang).order_by("published_at", "pk"))
        source_revision = live_source_revisions(article_ids=[obj.pk], lang=lang).get(obj.pk)
    credits = public_credits(obj, credit_rows)
    published_at: dt.datetime = obj.published_at or timezone.now()
    modified = max([published_at, *(c.published_at for c in corrections)])
    alternates = article_alternates(origin, obj)
    pictures = picture_urls(origin, obj)
    return {
        "article": obj,
        "canonical": origin + path,
        "site_base": origin,
        # Tags have one (English) name for every language version: shown on English pages only.
        "tags": tags if lang == settings.LANGUAGE_CODE else [],
        "all_tags": tags,  # the read API lists them in every language
        "related": related,
        "translators": credits[Role.TRANSLATOR],
        "reviewers": credits[Role.REVIEWER],
        "editors": credits[Role.EDITOR],
        "profiles": list(
            {c["url"]: c for role in (Role.TRANSLATOR, Role.REVIEWER) for c in credits[role] if c["url"]}.values()
        ),
        "corrections": corrections,
        "modified": modified,
        "source_name": source_name(article=obj, lang=lang),
        "byline": obj.live_byline(lang),
        "alternates": alternates,
        "json_ld": article_json_ld(origin, path, obj, credits, modified, tags, images=pictures),
        "machine_credit": machine_assist.credit_words(obj.machine_share),
        "og_image": pictures[0] if pictures else "",
        "edge_keys": article_edge_keys(obj, related=related, credit_rows=credit_rows),
        # What only the read API's answer shows (api_items.story_detail).
        "credits": credits,
        "credit_rows": credit_rows,
        "source_revision": source_revision,
    }


def article_edge_keys(obj: Article, *, related: Iterable[Article], credit_rows: Iterable[Any]) -> list[str]:
    """What a story's page (and its API answer) depends on, for the edge cache's purges: the
    story, the stories its related list shows, and every person it credits (whatever name a
    credit shows: a change of credit choice purges the person's key)."""
    keys = [edge.story(obj.pk), *(edge.story(r.pk) for r in related)]
    keys += [edge.person(c.user_id) for c in credit_rows if getattr(c, "user_id", None)]
    return sorted(set(keys))


def article_page_render(obj: Article, *, lang: str, data: PagesData | None = None) -> dict[str, Any]:
    """The stored page of ``obj`` in ``lang`` (``rendering.stored``): the partials of
    ``site/article.html`` rendered with the placeholder origin, the language links and a stamp."""
    with translation.override(lang):
        path = article_url(obj, lang)
        context = article_context(obj, lang=lang, origin=pages.ORIGIN, path=path, data=data)
        context.update(SITE_NAME=settings.DESK_SITE_NAME, LANGUAGE_CODE=lang)
        stored: dict[str, Any] = {
            name: loader.render_to_string(f"site/article.html#{name}", context) for name in pages.PARTS
        }
        stored["language_links"] = language_links(context["alternates"], lang)
        for name, sub in pages.TEASERS.items():
            stored[name] = loader.render_to_string("site/_teasers.html#teaser", {"article": obj, "sub": sub})
        # The teaser a search shows, around its snippet (pages.StoredSearch puts each one in).
        obj.snippet = pages.SNIPPET_MARK  # type: ignore[attr-defined]
        try:
            framed = loader.render_to_string("site/_teasers.html#teaser", {"article": obj, "sub": True})
        finally:
            del obj.snippet  # type: ignore[attr-defined]
        stored["teaser_search"] = framed.split(pages.SNIPPET_MARK)
        # Its item in the read API's lists and its whole answer there (api.stories, api.story).
        stored.update(api_parts(obj, lang=lang, context=context))
    stored["modified"] = context["modified"].isoformat()
    stored["xkeys"] = context["edge_keys"]
    stored["stamp"] = pages.page_stamp(lang)
    return stored


def api_parts(obj: Article, *, lang: str, context: dict[str, Any]) -> dict[str, Any]:
    """What the read API answers of ``obj`` in ``lang``, from its page's context (made with the
    placeholder origin, in ``lang``): its item in lists (``api``), its whole answer
    (``api_story``) and the edge keys that answer depends on (``api_keys``), as JSON texts."""
    item = api_items.story_item(
        obj, lang=lang, tags=context["all_tags"], origin=pages.ORIGIN, modified=context["modified"]
    )
    detail = api_items.story_detail(
        obj,
        item=item,
        lang=lang,
        origin=pages.ORIGIN,
        credits=context["credits"],
        corrections=context["corrections"],
        source=context["source_name"],
        source_revision=context["source_revision"],
    )
    return {
        "api": api_items.item_json(item),
        "api_story": api_items.story_json(detail),
        "api_keys": article_edge_keys(obj, related=(), credit_rows=context["credit_rows"]),
    }


def api_story_render(obj: Article, *, lang: str) -> tuple[str, list[str], dt.datetime]:
    """``obj``'s whole API answer in ``lang``, its edge keys and the time it last changed, built
    from its rows as publication builds them (:func:`api_parts`): for a story whose stored page
    is missing or out of date."""
    with translation.override(lang):
        context = article_context(obj, lang=lang, origin=pages.ORIGIN, path=article_url(obj, lang))
        parts = api_parts(obj, lang=lang, context=context)
    return parts["api_story"], parts["api_keys"], context["modified"]


def article_pages_render(*, pks: Iterable[int], language: str) -> int:
    """Render and store the pages of the stories ``pks`` in ``language``; a story not live in it
    gets an empty page (so none is ever served). Returns how many were rendered."""
    pks = set(pks)
    if not pks or language not in settings.PUBLISHING_LANGUAGES:
        return 0
    live = list(
        Article.objects.filter(Article.live_q(language), pk__in=pks).select_related("outlet").defer(*SEARCH_FIELDS)
    )
    if len(live) == 1:
        obj = live[0]
        Article.objects.filter(pk=obj.pk).update(
            **pages.page_columns(article_page_render(obj, lang=language), lang=language)
        )
    elif live:
        article_pages_store(stories=live, language=language)
    gone = pks - {obj.pk for obj in live}
    if gone:
        Article.objects.filter(pk__in=gone).update(**pages.page_columns({}, lang=language))
    return len(live)


def article_pages_store(
    *, stories: list[Article], language: str, fields: tuple[str, ...] = (), write: bool = True
) -> None:
    """Render the pages of many live ``stories`` (rows in memory, outlet loaded) in ``language``
    and write them, with their ``fields`` set in memory, in one statement per hundred stories:
    what the pages show is read once for all (:func:`pages_data`). With ``write`` off the rows
    are not written yet (``publishing.articles_publish_bulk`` writes them): the pages are only
    set on them, and the stories are each other's related stories from memory."""
    data = pages_data(stories, lang=language, known=None if write else stories)
    columns = list(pages.page_columns({}, lang=language))
    for obj in stories:
        for column, value in pages.page_columns(
            article_page_render(obj, lang=language, data=data), lang=language
        ).items():
            setattr(obj, column, value)
    if write:
        Article.objects.bulk_update(stories, [*columns, *fields], batch_size=100)


@dataclass(frozen=True)
class ListingPage:
    """One page of a listing as ``site/_teasers.html#page`` rendered it: its number (junk asks
    for the first, a page past the end gets the last), the listing's count, the teasers and
    pages as HTML, and the edge keys of the stories it shows."""

    number: int
    count: int
    html: str
    keys: list[str]


def listing_page(
    listing: Callable[[], pages.StoredList], *, number: str | None, lang: str, name: str, **context: Any
) -> ListingPage:
    """Page ``number`` of the listing ``name`` (``listing()`` makes its stored list, counted once
    per listings version), kept as :func:`_page_kept` keeps pages. ``context``: what the partial
    needs besides the page (``sub``, ``empty``)."""

    def render(page: Page) -> ListingPage:
        html = mark_safe(loader.render_to_string("site/_teasers.html#page", {"page": page, **context}))  # noqa: S308
        return ListingPage(page.number, page.paginator.count, html, edge.stories_keys(page.object_list))

    found = _page_kept(f"page:{name}", lang=lang, number=number, kind=ListingPage, listing=listing, render=render)
    assert found is not None  # noqa: S101 - render() always makes a page
    return found


@dataclass(frozen=True)
class SearchPage:
    """One page of a site search as ``site/_teasers.html#search`` rendered it (the teasers with
    their snippets, then the pages), with what the search found: ``count`` results to page
    through, ``total`` matches (``is_estimate``: PostgreSQL's estimate, not a count)."""

    number: int
    count: int
    total: int
    is_estimate: bool
    html: str


def search_page(*, query: str, lang: str, number: str | None) -> SearchPage:
    """Page ``number`` of the site search for ``query`` (cleaned) in ``lang``, kept as a listing's
    page is (:func:`_page_kept`), and its ranked window and total once per listings version
    (``stored.search_kept``): a search asked again reads one kept entry, and any publication,
    correction or withdrawal starts a new version, so what it shows is never older than a
    listing's. A search that found nothing is never kept: junk words fill nothing."""

    def results() -> pages.StoredSearch:
        matches = search.articles_search(query=query, language=lang, base=live_articles(lang=lang))
        return pages.StoredSearch(pages.search_kept(matches, name=f"site:{query}"), lang=lang)  # the API's: "api:"

    def render(page: Page) -> SearchPage | None:
        if not page.paginator.count:
            return None  # nothing found: never kept
        found = cast(pages.StoredSearch, page.paginator.object_list).results
        html = mark_safe(loader.render_to_string("site/_teasers.html#search", {"page": page, "query": query}))  # noqa: S308
        return SearchPage(page.number, page.paginator.count, found.total(), found.is_estimate, html)

    kept = _page_kept(f"search-page:{query}", lang=lang, number=number, kind=SearchPage, listing=results, render=render)
    return kept or SearchPage(1, 0, 0, False, "")


Kept = TypeVar("Kept", ListingPage, SearchPage)


def _page_kept(
    name: str,
    *,
    lang: str,
    number: str | None,
    kind: type[Kept],
    listing: Callable[[], Any],
    render: Callable[[Page], Kept | None],
) -> Kept | None:
    """Page ``number`` of ``listing()`` (a stored list, sliced and counted as a Paginator wants),
    rendered by ``render`` once per listings version and page stamp and kept under ``name``: a
    request for a page in range reads one kept entry, and neither builds the listing nor reads or
    renders its rows. Only pages in range are kept (``?page=99999`` is the last page's entry, junk
    the first's), so junk numbers cannot fill the cache; nor is a page ``render`` makes none of."""
    stamp = pages.page_stamp(lang)
    kept = page_cache.get(pages.listing_key(name=f"{name}:{stamp}:{_requested(number)}", lang=lang))
    if isinstance(kept, kind):
        return kept
    items = listing()
    page_number = Paginator(range(len(items)), PAGE_SIZE).get_page(number).number
    return pages.listing_cached(
        name=f"{name}:{stamp}:{page_number}",
        lang=lang,
        compute=lambda: render(Paginator(items, PAGE_SIZE).page(page_number)),
    )


def _requested(number: str | None) -> int:
    """The page a request asks for, as Paginator.get_page reads it: junk is the first page."""
    try:
        return int(number) if number is not None else 1
    except ValueError:
        return 1


def home_context(*, lang: str, page_number: str | None, exact: bool = False) -> dict[str, Any]:
    live = live_articles(lang=lang)
    # ``exact``: counted now (inside a publication the cached count may be a batch behind).
    listing: Any = (
        pages.StoredList(live, lang=lang, variant="teaser", count=live.count())
        if exact
        else pages.listing_counted(live, lang=lang, variant="teaser", name="home")
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
        context = home_context(lang=language, page_number="1", exact=True)
        context.update(SITE_NAME=settings.DESK_SITE_NAME, LANGUAGE_CODE=language)
        html = loader.render_to_string("site/home.html#listing", context)
    pages.listing_store(name="home", lang=language, html=html)
