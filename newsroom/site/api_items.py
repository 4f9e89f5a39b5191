"""A story as the read API lists it: built per request, or at publication and stored with the
story's page (``rendering.render.article_page_render``, key ``api``) under the placeholder origin,
so a list of stories reads its items from one column (:func:`stored_items`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.encoding import iri_to_uri
from modeltranslation.utils import build_localized_fieldname

from newsroom import machine_assist
from newsroom.core.html import safe_url
from newsroom.models import Article, Outlet, Tag
from newsroom.site.selectors import article_url, outlet_name


def _url(origin: str, path: str) -> str:
    """``origin + path`` as ``request.build_absolute_uri(path)`` gives it (non-ASCII encoded)."""
    return iri_to_uri(origin + path)


def outlet_ref(outlet: Outlet | None, *, lang: str, origin: str) -> dict[str, Any] | None:
    if outlet is None:
        return None
    return {
        "slug": outlet.slug,
        "name": outlet_name(outlet=outlet, lang=lang),
        "url": _url(origin, outlet.get_absolute_url()),
        "site_url": safe_url(outlet.site_url),
    }


def tag_ref(tag: Tag, *, origin: str) -> dict[str, Any]:
    return {"slug": tag.slug, "name": tag.name, "url": _url(origin, tag.get_absolute_url())}


def machine(share: float | None) -> dict[str, Any]:
    """The page's own rule on the share stored at publication (``newsroom.machine_assist``)."""
    return {"machine_assisted": machine_assist.is_machine_assisted(share), "machine_share": share}


def story_item(
    article: Article, *, lang: str, tags: list[Tag], origin: str, modified: dt.datetime | None = None
) -> dict[str, Any]:
    """``article``'s item in a list of stories in ``lang``; ``origin``: scheme and host of every
    address. ``modified``: its publication or latest correction (else ``article.modified_at``)."""
    published: dt.datetime = getattr(article, build_localized_fieldname("published_at", lang))
    byline, byline_outlet = article.live_byline(lang)
    return {
        "id": article.pk,
        "language": lang,
        "title": getattr(article, build_localized_fieldname("title", lang)),
        "lead": getattr(article, build_localized_fieldname("lead", lang)),
        "slug": getattr(article, build_localized_fieldname("slug", lang)),
        "url": _url(origin, article_url(article, lang)),
        "api_url": _url(origin, f"{reverse('api:story', kwargs={'story_id': article.pk})}?language={lang}"),
        "published_at": published,
        "modified_at": modified or getattr(article, "modified_at", None) or published,
        "tags": [tag_ref(t, origin=origin) for t in tags],
        "outlet": outlet_ref(article.outlet, lang=lang, origin=origin),
        "byline": byline,
        "byline_outlet": byline_outlet,
        **machine(getattr(article, build_localized_fieldname("machine_share", lang))),
    }


def story_item_stored(article: Article, *, lang: str, tags: list[Tag], origin: str, modified: dt.datetime) -> dict:
    """:func:`story_item` as JSON stores it (times as ISO 8601 text)."""
    item = story_item(article, lang=lang, tags=tags, origin=origin, modified=modified)
    item["published_at"] = item["published_at"].isoformat()
    item["modified_at"] = item["modified_at"].isoformat()
    return item


def item_fill(item: dict[str, Any], *, placeholder: str, origin: str) -> dict[str, Any]:
    """A stored item with the request's ``origin`` in place of ``placeholder`` in its addresses."""

    def fill(url: str) -> str:
        return origin + url[len(placeholder) :] if url.startswith(placeholder) else url

    outlet = item["outlet"]
    return {
        **item,
        "url": fill(item["url"]),
        "api_url": fill(item["api_url"]),
        "published_at": dt.datetime.fromisoformat(item["published_at"]),
        "modified_at": dt.datetime.fromisoformat(item["modified_at"]),
        "tags": [{**t, "url": fill(t["url"])} for t in item["tags"]],
        "outlet": {**outlet, "url": fill(outlet["url"])} if outlet else None,
    }
