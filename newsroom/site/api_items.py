"""A story as the read API lists it: its schema, and the item itself, built per request or at
publication. The item stored with the story's page (``rendering.render.article_page_render``, key
``api``) is its JSON text as the API renders it, validated against :class:`StoryItem` and under
the placeholder origin, so a list of stories reads its items from one column and writes them out
as they are (``api.stories``): nothing validated or encoded again per request."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.urls import reverse
from django.utils.encoding import iri_to_uri
from modeltranslation.utils import build_localized_fieldname
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder

from newsroom import machine_assist
from newsroom.core.html import safe_url
from newsroom.models import Article, Outlet, Tag
from newsroom.site.selectors import article_url, outlet_name


class TagRef(Schema):
    slug: str
    name: str
    url: str = Field(description="The tag's page on the site.")


class OutletRef(Schema):
    slug: str
    name: str = Field(description="The outlet's name in the requested language (Latin script for English).")
    url: str = Field(description="The outlet's page on the site.")
    site_url: str


class StoryItem(Schema):
    id: int
    language: str = Field(description="The language of this published version.")
    title: str
    lead: str
    slug: str
    url: str = Field(description="The canonical URL of the story on the site.")
    api_url: str
    published_at: dt.datetime
    modified_at: dt.datetime = Field(description="The publication or the latest correction, whichever is later.")
    tags: list[TagRef]
    outlet: OutletRef | None = Field(description="The source outlet, when the desk follows it.")
    byline: str = Field(
        description="The source authors' names as this language writes them (as on the story's page; "
        "comma-separated, empty when the source names none). The original spelling is in attribution."
    )
    byline_outlet: str = Field(description="The source outlet's name as the story's byline gives it in this language.")
    machine_assisted: bool = Field(
        description="True when the story's page credits the translation “with machine assistance”: at least "
        "the desk's threshold of its published words came from a machine draft unchanged."
    )
    machine_share: float | None = Field(
        ge=0,
        le=1,
        description="The share (0–1) of the published words that came from a machine draft unchanged, "
        "computed at publication; null for a story published before the desk measured it.",
    )


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


def item_json(item: dict[str, Any]) -> str:
    """``item`` (a :func:`story_item`) as the API writes it: validated against :class:`StoryItem`,
    then encoded as django-ninja encodes a response (its encoder, ``json.dumps``'s separators)."""
    return json.dumps(StoryItem.model_validate(item).model_dump(), cls=NinjaJSONEncoder)


def story_item_stored(article: Article, *, lang: str, tags: list[Tag], origin: str, modified: dt.datetime) -> str:
    """:func:`story_item` as stored with the story's page: its JSON text (:func:`item_json`)."""
    return item_json(story_item(article, lang=lang, tags=tags, origin=origin, modified=modified))


def item_fill(text: str, *, placeholder: str, origin: str) -> str:
    """A stored item's text with the request's ``origin`` in place of ``placeholder`` where an
    address begins: only right after a key (``": "``), which inside a string would be escaped
    (``\\": \\"``), so a title that quotes the placeholder keeps it."""
    return text.replace(f'": "{placeholder}', f'": "{json.dumps(origin)[1:-1]}')
