"""A story's page rendered once, at publication: what a page view reads instead of rendering.

``newsroom.site.rendering.render.article_pages_render`` renders the parts of ``site/article.html`` that
depend on the story (the ``title``, ``meta``, ``alternates``, ``structured`` and ``content``
partials: head metadata, hreflang links, JSON-LD, the text with its corrections, credits, tags
and related stories) and stores them in ``Article.page_<lang>`` with the language links and the
time of the last change. A page view then reads that one column of one row and fills the site's
frame (``site/article_stored.html``, which extends ``site/base.html``, rendered per request).

Absolute addresses depend on the request's host, so parts are rendered with :data:`ORIGIN` in
their place and the view puts the request's origin in (hosts are validated by ALLOWED_HOSTS and
need no escaping in HTML or JSON).

Each stored page carries a *stamp*: a digest of the templates and locale files it was rendered
from and of the settings it shows (site name, machine-translation credit, time zone). A page
view whose stamp differs (a deployment changed a template, a setting changed) renders the page
as before instead, so a stored page is never served out of date; ``manage.py site_pages_render``
renders them again.

When the inputs change, the stored pages are rendered again (publishing: the story, the stories
whose related list changed, and on a republication or withdrawal the stories listing it) or
forgotten (``{}``: rendered per request until the next publication or ``site_pages_render``)
for rarer edits made elsewhere: a profile, a tag, an outlet. Those rules are all in
``newsroom.site.rendering.owner``; this module only reads and writes the stored rows.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import django
from django.conf import settings
from django.template import loader
from django.utils.safestring import SafeString, mark_safe
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.caching import page_cache
from newsroom.core.db_routing import used_replica
from newsroom.models import Article, StoredListing
from newsroom.site import api_items
from newsroom.site.cache import site_cache_lists_version
from newsroom.site.search import SearchResults
from newsroom.templatetags.desk_tags import highlighted

# Never a real host (RFC 2606): replaced by the request's scheme and host on every page view.
ORIGIN = "https://site-origin.invalid"
PARTS = ("title", "meta", "alternates", "structured", "content")
STAMPED_TEMPLATES = (
    "site/article.html",
    "site/_blocks.html",
    "site/_teasers.html",
    "site/_picture.html",
    "site/home.html",
)
# The story's teaser in listings: under an <h3> (home, search, translator) and an <h2> (tag, outlet, month).
TEASERS = {"teaser": True, "teaser_h2": False}
# Where a search's snippet goes in the stored search teaser (``teaser_search``: the teaser with
# ``sub``, split around it): private-use characters, which no story's text holds.
SNIPPET_MARK = "\ue010snippet\ue011"  # (not the highlight markers, \ue000 and \ue001)
# What lists read of a story (its ``listed`` column, stamped like its page): the teasers, the
# search teaser and the read API's item. The rest stays in ``page``.
LISTED = (*TEASERS, "teaser_search", "api")
# Bump when what is stored changes shape. 2: the edge keys (``xkeys``) stored with the page;
# 3: the read API's item (``api``); 4: the search teaser (``teaser_search``); 5: the API item
# as its JSON text, and the API's whole answer (``api_story``, ``api_keys``); 6: what lists read
# in a column of its own (``listed``).
FORMAT = "6"


@functools.cache
def _sources_digest() -> str:
    """Digest of the templates and locale files a stored page is rendered from (once per process)."""
    digest = hashlib.sha256(f"{FORMAT}|{django.get_version()}".encode())
    for name in STAMPED_TEMPLATES:
        origin = loader.get_template(name).origin.name  # type: ignore[attr-defined]
        digest.update(Path(origin).read_bytes())
    digest.update(Path(api_items.__file__).read_bytes())  # what the stored API item holds
    for folder in settings.LOCALE_PATHS:
        for mo in sorted(Path(folder).glob("*/LC_MESSAGES/*.mo")):
            digest.update(mo.name.encode() + mo.read_bytes())
    return digest.hexdigest()


def page_stamp(lang: str) -> str:
    """The stamp a page rendered now in ``lang`` gets (templates, locale files and settings)."""
    shown = (
        lang,
        settings.DESK_SITE_NAME,
        settings.DESK_MT_CREDIT,
        settings.DESK_MT_CREDIT_TEXT,
        settings.DESK_MT_CREDIT_THRESHOLD,  # with the share stored at publication, decides the credit
        settings.TIME_ZONE,
        settings.LANGUAGE_CODE,
        tuple(settings.PUBLISHING_LANGUAGES),
    )
    return hashlib.sha256(f"{_sources_digest()}|{shown!r}".encode()).hexdigest()[:24]


def article_page_stored(*, slug: str, lang: str) -> dict[str, Any] | None:
    """The stored page of the story live in ``lang`` under ``slug``, if it is current: one query."""
    field = build_localized_fieldname("page", lang)
    stored = (
        Article.objects.filter(
            **{
                f"{build_localized_fieldname('published_at', lang)}__isnull": False,
                build_localized_fieldname("slug", lang): slug,
            }
        )
        .values_list(field, flat=True)
        .first()
    )
    if not stored or stored.get("stamp") != page_stamp(lang):
        return None
    return stored


def article_page_fill(stored: dict[str, Any], *, origin: str) -> dict[str, Any]:
    """The context of ``site/article_stored.html``: the stored parts with the request's origin."""
    parts: dict[str, SafeString] = {
        name: mark_safe(str(stored.get(name, "")).replace(ORIGIN, origin))  # noqa: S308 - rendered by our templates
        for name in PARTS
    }
    links = [{**link, "href": str(link["href"]).replace(ORIGIN, origin)} for link in stored.get("language_links", [])]
    return {"stored": parts, "language_links": links}


T = TypeVar("T")


class StoredList:
    """A listing's stories for a Paginator: each slice is the stored teasers of its stories
    (one query for the two JSON keys), or the stories themselves when one has no current teaser.
    ``count`` comes from the caller (cached per listings version: no COUNT(*) per request)."""

    def __init__(self, queryset: Any, *, lang: str, variant: str, count: int) -> None:
        self.queryset, self.lang, self.variant, self._count = queryset, lang, variant, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, items: slice) -> list[Any]:
        rows = list(self._stored(self.queryset)[items])
        return self._teasers(rows) or list(self.queryset[items])

    def _stored(self, queryset: Any) -> Any:
        field = build_localized_fieldname("listed", self.lang)
        return queryset.values_list("pk", f"{field}__stamp", f"{field}__{self.variant}")

    def _teasers(self, rows: list[tuple[int, Any, Any]]) -> list[dict[str, Any]] | None:
        """The rows' stored teasers, or None if one is missing or out of date."""
        stamp = page_stamp(self.lang)
        if all(current == stamp and teaser for _pk, current, teaser in rows):
            # (the id: the listing page's edge keys name each story it shows, newsroom.site.edge)
            return [{"teaser": mark_safe(teaser), "pk": pk} for pk, _current, teaser in rows]  # noqa: S308
        return None


class StoredIdList(StoredList):
    """A listing whose order is read once per listings version as its story ids: a page reads
    its slice's stored teasers by id (one query on the primary key, whatever the listing's
    filter costs), or the stories themselves when one has no current teaser."""

    def __init__(self, queryset: Any, *, lang: str, variant: str, ids: list[int]) -> None:
        super().__init__(queryset, lang=lang, variant=variant, count=len(ids))
        self.ids = ids

    def __getitem__(self, items: slice) -> list[Any]:
        ids = self.ids[items]
        found = {row[0]: row for row in self._stored(Article.objects.filter(pk__in=ids))}
        teasers = self._teasers([found[pk] for pk in ids if pk in found])
        if teasers is not None and len(teasers) == len(ids):
            return teasers
        stories = self.queryset.in_bulk(ids)
        return [stories[pk] for pk in ids if pk in stories]


class StoredSearch:
    """A search's matches (``search.SearchResults``) for a Paginator: each page the stored search
    teasers of its stories with the page's snippets put in (one query: the ranked ids' stored
    frames and ``ts_headline``), or the matched stories themselves when one is out of date."""

    def __init__(self, results: SearchResults, *, lang: str) -> None:
        self.results, self.lang = results, lang

    def count(self) -> int:
        return int(self.results.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, items: slice) -> list[Any]:
        rows = self.results.page_values(items, "stamp", "teaser", "teaser_search", snippet=True)
        stamp, teasers = page_stamp(self.lang), []
        for pk, current, plain, frame, snippet in rows:
            if current != stamp or not plain or not frame or len(frame) != 2:
                return list(self.results[items])
            # As the teaser partial: the snippet when there is one, else the lead.
            html = frame[0] + highlighted(snippet) + frame[1] if snippet else plain
            teasers.append({"teaser": mark_safe(html), "pk": pk})  # noqa: S308 - our templates', the snippet escaped
        return teasers


def listing_stored(*, name: str, lang: str) -> str | None:
    """The stored first page of the listing ``name`` in ``lang`` if it is current: one query."""
    html = (
        StoredListing.objects.filter(name=name, language=lang, stamp=page_stamp(lang))
        .values_list("html", flat=True)
        .first()
    )
    return mark_safe(html) if html is not None else None  # noqa: S308 - rendered by our templates


def listing_store(*, name: str, lang: str, html: str) -> None:
    StoredListing.objects.update_or_create(name=name, language=lang, defaults={"html": html, "stamp": page_stamp(lang)})


def listings_forget() -> None:
    """Forget every stored listing: listings render per request until stories are published
    again or ``manage.py site_pages_render`` runs."""
    StoredListing.objects.all().delete()


def article_pages_forget(*, pks: Any) -> int:
    """Forget the stored pages of the stories ``pks`` (ids or a values queryset) in every
    language, and the stored listings showing their teasers: they are rendered per request
    until rendered again. Returns how many story rows."""
    listings_forget()
    return Article.objects.filter(pk__in=pks).update(
        **{column: {} for code in settings.MODELTRANSLATION_LANGUAGES for column in page_columns({}, lang=code)}
    )


def page_columns(stored: dict[str, Any], *, lang: str) -> dict[str, dict[str, Any]]:
    """A stored page (``render.article_page_render``) as the columns it is written to: ``page``
    and ``listed`` in ``lang``, each with the stamp (an empty page empties both)."""
    listed = {name: stored[name] for name in LISTED if name in stored}
    page = {name: value for name, value in stored.items() if name not in LISTED}
    if listed and "stamp" in stored:
        listed["stamp"] = stored["stamp"]
    return {build_localized_fieldname("page", lang): page, build_localized_fieldname("listed", lang): listed}


def listing_key(*, name: str, lang: str) -> str:
    """Where :func:`listing_cached` keeps ``name`` in ``lang`` in the current listings version."""
    return f"site:listing:{site_cache_lists_version()}:{lang}:{hashlib.sha256(name.encode()).hexdigest()[:32]}"


def listing_cached(*, name: str, lang: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per listings version (every publication, correction or withdrawal
    starts a new one, and so does any change to how a person is named): an aggregate over the
    archive is not repeated per request. ``None`` (nothing found) is never kept: junk names
    cannot fill the cache. Nor is what a request read from the replica (``db_routing``): it may
    lag behind the version it would be kept under, and would keep a withdrawn story for all."""
    key = listing_key(name=name, lang=lang)
    value = page_cache.get(key)
    if value is None:
        value = compute()
        if value is not None and not used_replica():
            page_cache.set(key, value, 3600)
    return cast(T, value)


def search_kept(results: SearchResults, *, name: str) -> SearchResults:
    """``results`` with its ranked window and total found once per
    listings version (under ``name``, which names the search's words and filters, and where the
    search is asked, ``site:`` or ``api:``, so that no words name another's): a search asked again
    reads only its page's rows, until anything that could change its matches is published."""
    results.restore(listing_cached(name=f"search:{name}", lang=results.language, compute=results.state))
    return results


def listing_counted(queryset: Any, *, lang: str, variant: str, name: str) -> StoredList:
    """``queryset`` (live stories) as stored teasers, counted once per listings version: a page
    reads its slice (``ORDER BY published DESC LIMIT n OFFSET k`` over the live index), no COUNT(*)."""
    count = listing_cached(name=f"count:{name}", lang=lang, compute=queryset.count)
    return StoredList(queryset, lang=lang, variant=variant, count=count)


def listing_by_ids(queryset: Any, *, lang: str, variant: str, name: str) -> StoredIdList:
    """``queryset`` (live stories, in order) as stored teasers, its ids read once per listings
    version: for a listing whose filter costs more than its page (a translator's credits across
    the archive), each request reads only its page's rows by primary key."""
    ids = listing_cached(name=f"ids:{name}", lang=lang, compute=lambda: list(queryset.values_list("pk", flat=True)))
    return StoredIdList(queryset, lang=lang, variant=variant, ids=ids)
