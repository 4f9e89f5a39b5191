"""A story as the read API gives it: its schemas, its item in a list and its whole answer, built
per request or at publication.

Both are stored with the story's page (``rendering.render.article_page_render``, keys ``api`` and
``api_story``) as their JSON text, validated against :class:`StoryItem` and :class:`Story` and
encoded as django-ninja encodes an answer, under the placeholder origin. ``api.stories`` and
``api.story`` write them out as they are, the request's origin put in (:func:`item_fill`):
nothing validated, encoded or read from other tables per request. Whatever the page shows, the
answer shows, so whatever forgets the page (a correction, a credit, a renamed tag or outlet)
forgets them too."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import translation
from django.utils.encoding import iri_to_uri
from modeltranslation.utils import build_localized_fieldname
from ninja import Field
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from newsroom import machine_assist
from newsroom.core.html import body_groups, safe_url
from newsroom.models import Article, Correction, Outlet, SourceRevision, Tag
from newsroom.site.selectors import article_url, outlet_name
from newsroom.templatetags.source_images import picture_data
from translations.public import Role


class TagRef(BaseModel):
    slug: str
    name: str
    url: str = Field(description="The tag's page on the site.")


class OutletRef(BaseModel):
    slug: str
    name: str = Field(description="The outlet's name in the requested language (Latin script for English).")
    url: str = Field(description="The outlet's page on the site.")
    site_url: str


class StoryItem(BaseModel):
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


class Paragraph(BaseModel):
    type: Literal["paragraph"]
    html: str = Field(description="Sanitised inline HTML (a, strong, em, …).")
    text: str


class Heading(BaseModel):
    type: Literal["heading"]
    level: int = Field(ge=2, le=6)
    html: str
    text: str


class Quote(BaseModel):
    type: Literal["quote"]
    html: str
    text: str
    cite: str


class ListItem(BaseModel):
    html: str
    text: str


class ListBlock(BaseModel):
    type: Literal["list"]
    ordered: bool
    items: list[ListItem]


class Image(BaseModel):
    type: Literal["image"]
    src: str = Field(description="The picture as stored on this site (the source outlet's file is never linked).")
    alt: str = Field(
        description="Translated alt text; empty when the picture is decorative or its alt text was not translated."
    )
    caption: str
    credit: str = Field(description="The one credit line: “photographer / outlet”, names in the requested language.")
    photographer: str = Field(description="Who took the picture, if the source named them (in the requested language).")
    outlet: str = Field(description="The source outlet the picture came with (in the requested language).")


class Embed(BaseModel):
    type: Literal["embed"]
    url: str = Field(description="A link to the embedded post or video (no player markup).")
    provider: str
    title: str


class Note(BaseModel):
    type: Literal["note"]
    html: str = Field(description="A translator's note, placed after the text it explains.")
    text: str


Block = Annotated[Paragraph | Heading | Quote | ListBlock | Image | Embed | Note, Field(discriminator="type")]


class TranslatorsNote(BaseModel):
    html: str
    text: str


class CorrectionOut(BaseModel):
    published_at: dt.datetime
    note: str


class Person(BaseModel):
    name: str = Field(description="The public credit name, exactly as on the story's page.")
    url: str = Field(description="Their public translator page, if they have one, else empty.")


class SourceRevisionOut(BaseModel):
    number: int
    fetched_at: dt.datetime


class Attribution(BaseModel):
    source_name: str = Field(description="The source's name in the requested language.")
    original_source_name: str = Field(description="The source's name as it credits itself.")
    source_outlet: OutletRef | None
    source_url: str
    original_title: str
    original_language: str
    original_published_at: dt.datetime | None
    original_authors: list[str]
    translators: list[Person]
    reviewers: list[Person]
    editors: list[Person]
    source_revision: SourceRevisionOut | None = Field(description="The captured source text it was translated from.")


class Story(StoryItem):
    body: list[Block]
    notes: list[TranslatorsNote]
    corrections: list[CorrectionOut]
    attribution: Attribution


def _url(origin: str, path: str) -> str:
    """``origin + path`` as ``request.build_absolute_uri(path)`` gives it (non-ASCII encoded); an
    address that names its own host (a file on another storage) stays as it is."""
    return iri_to_uri(path if urlsplit(path).scheme else origin + path)


def _page_url(origin: str, obj: Outlet | Tag, lang: str) -> str:
    """The address of ``obj``'s page in ``lang`` (``/de/tags/…``), whichever language is active:
    an answer built per request and one built at publication give the same address."""
    with translation.override(lang):
        return _url(origin, obj.get_absolute_url())


def outlet_ref(outlet: Outlet | None, *, lang: str, origin: str) -> dict[str, Any] | None:
    if outlet is None:
        return None
    return {
        "slug": outlet.slug,
        "name": outlet_name(outlet=outlet, lang=lang),
        "url": _page_url(origin, outlet, lang),
        "site_url": safe_url(outlet.site_url),
    }


def tag_ref(tag: Tag, *, lang: str, origin: str) -> dict[str, Any]:
    return {"slug": tag.slug, "name": tag.name, "url": _page_url(origin, tag, lang)}


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
        "tags": [tag_ref(t, lang=lang, origin=origin) for t in tags],
        "outlet": outlet_ref(article.outlet, lang=lang, origin=origin),
        "byline": byline,
        "byline_outlet": byline_outlet,
        **machine(getattr(article, build_localized_fieldname("machine_share", lang))),
    }


def blocks(body: Any, *, credit: str, origin: str) -> list[dict[str, Any]]:
    """The live body as typed blocks, grouped as the page groups them (lists, heading levels)."""
    out: list[dict[str, Any]] = []
    for group in body_groups(body):
        kind = group.get("kind")
        raw_attrs = group.get("attrs")
        attrs: dict[str, Any] = raw_attrs if isinstance(raw_attrs, dict) else {}
        html, text = str(group.get("html") or ""), str(group.get("text") or "")
        if kind == "list":
            items = [{"html": str(i.get("html") or ""), "text": str(i.get("text") or "")} for i in group["items"]]
            out.append({"type": "list", "ordered": group["ordered"], "items": items})
        elif kind == "heading":
            out.append({"type": "heading", "level": group["level"], "html": html, "text": text})
        elif kind == "quote":
            out.append({"type": "quote", "html": html, "text": text, "cite": str(attrs.get("cite") or "")})
        elif kind == "image":
            picture = picture_data(group)
            if picture:  # the page shows only pictures stored on our origin, never the outlet's
                out.append(
                    {
                        "type": "image",
                        "src": _url(origin, picture["largest"]),
                        "alt": picture["alt"],
                        "caption": picture["caption"],
                        "credit": picture["credit"] or credit,
                        "photographer": picture["photographer"],
                        "outlet": picture["outlet"] or credit,
                    }
                )
        elif kind == "embed":
            url = safe_url(str(attrs.get("url") or attrs.get("src") or ""))
            if url:
                provider = str(attrs.get("provider") or "")
                out.append({"type": "embed", "url": url, "provider": provider, "title": str(attrs.get("title") or "")})
        elif kind == "note":
            out.append({"type": "note", "html": html, "text": text})
        elif html or text:
            out.append({"type": "paragraph", "html": html, "text": text})
    return out


def story_detail(
    article: Article,
    *,
    item: dict[str, Any],
    lang: str,
    origin: str,
    credits: dict[str, list[dict[str, Any]]],
    corrections: list[Correction],
    source: str,
    source_revision: SourceRevision | None,
) -> dict[str, Any]:
    """``article``'s whole answer in ``lang`` as its page shows it: its ``item`` (a
    :func:`story_item` for ``origin``) with blocks, notes, corrections, credits (``credits``: the
    page's public credits by role) and attribution. ``source``: the source's name in ``lang``;
    ``source_revision``: the captured text it was translated from."""
    body = blocks(getattr(article, build_localized_fieldname("body", lang)), credit=source, origin=origin)
    data = dict(item)
    people = {
        role: [{"name": c["name"], "url": _url(origin, c["url"]) if c["url"] else ""} for c in credits[role]]
        for role in (Role.TRANSLATOR, Role.REVIEWER, Role.EDITOR)
    }
    data.update(
        body=body,
        notes=[{"html": b["html"], "text": b["text"]} for b in body if b["type"] == "note"],
        corrections=[{"published_at": c.published_at, "note": c.note} for c in corrections],
        attribution={
            "source_name": source,
            "original_source_name": article.source_name,
            "source_outlet": data["outlet"],
            "source_url": safe_url(article.source_url),
            "original_title": article.source_title,
            "original_language": article.language,
            "original_published_at": article.source_published_at,
            "original_authors": list(article.authors),
            "translators": people[Role.TRANSLATOR],
            "reviewers": people[Role.REVIEWER],
            "editors": people[Role.EDITOR],
            "source_revision": (
                {"number": source_revision.number, "fetched_at": source_revision.fetched_at}
                if source_revision is not None
                else None
            ),
        },
    )
    return data


def story_json(detail: dict[str, Any]) -> str:
    """A :func:`story_detail` as the API writes it (see :func:`item_json`)."""
    return json.dumps(Story.model_validate(detail).model_dump(), cls=NinjaJSONEncoder)


def item_json(item: dict[str, Any]) -> str:
    """``item`` (a :func:`story_item`) as the API writes it: validated against :class:`StoryItem`,
    then encoded as django-ninja encodes a response (its encoder, ``json.dumps``'s separators)."""
    return json.dumps(StoryItem.model_validate(item).model_dump(), cls=NinjaJSONEncoder)


def item_fill(text: str, *, placeholder: str, origin: str) -> str:
    """A stored item's or story's text with the request's ``origin`` in place of ``placeholder`` where an
    address begins: only right after a key (``": "``), which inside a string would be escaped
    (``\\": \\"``), so a title that quotes the placeholder keeps it."""
    return text.replace(f'": "{placeholder}', f'": "{json.dumps(origin)[1:-1]}')
