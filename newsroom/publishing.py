"""Publishing: the only code that writes an Article's live fields (``title_en``, …).

Called by the workflow inside its transaction. The live body is built from the approved
working copy and the source revision it follows: source-aligned blocks in source order,
images and embeds carried over (captions translated), blocks the translator left out
skipped, translator's notes the editor kept placed after the block they follow.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import nh3
from django.db.models import Q
from django.utils.text import slugify
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article, Correction, SlugRedirect, Tag
from newsroom.site.cache import site_cache_invalidate

if TYPE_CHECKING:
    from translations.models import Translation

INLINE_TAGS = {"a", "strong", "em", "b", "i", "br", "sup", "sub", "span", "q", "cite", "abbr"}
INLINE_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "span": {"lang"}, "q": {"lang"}, "abbr": {"title"}}


def sanitize_inline(text: str) -> str:
    """Translator text to safe inline HTML: allow-listed tags only, http(s)/mailto links, no scripts."""
    html = nh3.clean(
        text.strip(),
        tags=INLINE_TAGS,
        attributes=INLINE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return html.replace("\n", "<br>")


def plain_text(html: str) -> str:
    return nh3.clean(html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def live_body(*, translation: Translation) -> list[dict[str, Any]]:
    """The reader-facing blocks of ``translation`` (pure; nothing is written)."""
    source_blocks: list[dict[str, Any]] = translation.source_revision.blocks
    notes_after: dict[str, list[dict[str, Any]]] = {}
    for note in translation.notes:
        if note.get("keep", True) and str(note.get("text", "")).strip():
            notes_after.setdefault(str(note.get("after", "")), []).append(note)
    body: list[dict[str, Any]] = []

    def add_notes(after: str) -> None:
        for note in notes_after.get(after, []):
            html = sanitize_inline(str(note["text"]))
            body.append(
                {"id": f"note-{note['id']}", "kind": "note", "html": html, "text": plain_text(html), "attrs": {}}
            )

    add_notes("")
    for block in source_blocks:
        entry = translation.blocks.get(block["id"]) or {}
        kind = block["kind"]
        attrs = dict(block.get("attrs") or {})
        if entry.get("omitted"):
            add_notes(block["id"])
            continue
        text = str(entry.get("text", "")).strip()
        if kind == "embed":
            body.append({"id": block["id"], "kind": kind, "html": "", "text": "", "attrs": attrs})
        elif kind == "image":
            if text:
                attrs["caption"] = plain_text(sanitize_inline(text))
            attrs.setdefault("alt", attrs.get("caption") or "")
            body.append({"id": block["id"], "kind": kind, "html": "", "text": attrs.get("caption", ""), "attrs": attrs})
        elif text:
            html = sanitize_inline(text)
            body.append({"id": block["id"], "kind": kind, "html": html, "text": plain_text(html), "attrs": attrs})
        add_notes(block["id"])
    return body


def _unique_slug(*, article: Article, language: str, title: str) -> str:
    field = build_localized_fieldname("slug", language)
    base = slugify(title)[:180] or f"article-{article.pk}"
    slug, n = base, 2
    while (
        Article.objects.filter(**{field: slug}).exclude(pk=article.pk).exists()
        or SlugRedirect.objects.filter(Q(language=language, slug=slug) & ~Q(article=article)).exists()
    ):
        slug, n = f"{base}-{n}", n + 1
    return slug


def article_publish(*, translation: Translation, at: dt.datetime) -> Article:
    """Copy the approved working copy of ``translation`` into the article's live fields.

    Keeps the first publication time; a correction adds a dated :class:`Correction`; a new
    slug keeps the old one as a redirect. Snapshots the credit names. Caller holds the lock.
    """
    from translations.models import Contributor

    article = Article.objects.select_for_update().get(pk=translation.article_id)
    lang = translation.language

    def field(name: str) -> str:
        return build_localized_fieldname(name, lang)

    old_slug: str = getattr(article, field("slug"))
    new_slug = old_slug or _unique_slug(article=article, language=lang, title=translation.title)
    body = live_body(translation=translation)
    lead = translation.lead.strip()
    setattr(article, field("title"), translation.title.strip())
    setattr(article, field("lead"), lead)
    setattr(article, field("body"), body)
    setattr(article, field("slug"), new_slug)
    description = lead or next((b["text"] for b in body if b["kind"] == "paragraph"), "")
    setattr(article, field("seo_description"), description[:297] + "…" if len(description) > 300 else description)
    if getattr(article, field("published_at")) is None:
        setattr(article, field("published_at"), at)
    article.save()
    if translation.is_correction and translation.correction_note.strip():
        Correction.objects.create(
            article=article, language=lang, note=translation.correction_note.strip(), published_at=at
        )
    tag_names = [name.strip() for name in translation.tags.split(",") if name.strip()]
    if tag_names:
        tags = [
            Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name) or name.lower()})[0]
            for name in tag_names
        ]
        article.tags.set(tags)
    for credit in translation.credits.select_related("user"):
        if credit.user is not None:
            contributor, _created = Contributor.objects.get_or_create(user=credit.user)
            credit.credit_name = contributor.credit_name(credit.role)
        credit.save(update_fields=["credit_name"])
    site_cache_invalidate()
    return article


def article_unpublish(*, translation: Translation) -> Article:
    """Take the language version off the site; the slug is kept so a republication reuses it."""
    article = Article.objects.select_for_update().get(pk=translation.article_id)
    setattr(article, build_localized_fieldname("published_at", translation.language), None)
    article.save()
    site_cache_invalidate()
    return article
