"""Publishing: the only code that writes an Article's live fields (``title_en``, …).

Called by the workflow inside its transaction. The live body is built from the approved
working copy and the source revision it follows: source-aligned blocks in source order,
images and embeds carried over (captions translated), blocks the translator left out
skipped, translator's notes the editor kept placed after the block they follow.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template import loader
from django.utils import translation
from django.utils.text import slugify
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.html import plain_text, sanitize_inline
from newsroom.models import Article, Correction, SlugRedirect, Tag
from newsroom.site.cache import site_cache_invalidate, site_cache_invalidate_article, site_cache_invalidate_deferred
from newsroom.site.pages import pages_stale as _pages_stale

if TYPE_CHECKING:
    from translations.models import Translation


def _listing(*, article: Article, language: str) -> list[int]:
    """The stories whose related list names ``article`` in ``language``."""
    field = build_localized_fieldname("related_ids", language)
    return list(Article.objects.filter(**{f"{field}__contains": [article.pk]}).values_list("pk", flat=True))


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
    # Blocks that began as a machine draft say so, for the public credit line.
    machine = set(getattr(translation, "machine_drafts", None) or {})
    # Pictures are credited to the outlet as the byline names it (one lookup for every picture).
    has_pictures = any(block["kind"] == "image" for block in source_blocks)
    photo_credit = live_byline(translation=translation, article=translation.article)[1] if has_pictures else ""
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
            attrs = _image_attrs(attrs, entry=entry, source_credit=photo_credit)
            body.append({"id": block["id"], "kind": kind, "html": "", "text": attrs["caption"], "attrs": attrs})
        elif text:
            html = sanitize_inline(text)
            body.append({"id": block["id"], "kind": kind, "html": html, "text": plain_text(html), "attrs": attrs})
        if block["id"] in machine and text and body and body[-1]["id"] == block["id"]:
            body[-1]["machine"] = True
        add_notes(block["id"])
    return body


def live_byline(*, translation: Translation, article: Article) -> tuple[str, str]:
    """The byline readers get from ``translation`` (authors, outlet), pure; nothing is written.

    The translation's own byline as approved. A translation with none at all (opened before
    bylines existed) gets the standard one; an empty author list next to an outlet name is the
    translator's choice and stays empty. An empty outlet name falls back to the standard one.
    """
    authors = (translation.byline or "").strip()
    outlet = (translation.byline_outlet or "").strip()
    default_authors, default_outlet = article.default_byline(translation.language)
    return (authors or ("" if outlet else default_authors)), (outlet or default_outlet)


def _image_attrs(source: dict[str, Any], *, entry: dict[str, Any], source_credit: str) -> dict[str, Any]:
    """A live image block's attrs: the stored picture, and only words in the page's language.

    The caption and the alt text are the translator's (``entry["text"]``, ``entry["alt"]``);
    one left untranslated is empty, never the source's words: an image without a translated
    alt text is marked decorative (``alt=""``), its translated caption (if any) describing it
    next to it. The outlet's address is not carried: readers only get our stored copy.
    """
    caption = plain_text(sanitize_inline(str(entry.get("text", "")).strip()))
    alt = plain_text(sanitize_inline(str(entry.get("alt", "")).strip()))
    image = source.get("image")
    return {
        "image": image if isinstance(image, int) and not isinstance(image, bool) else None,
        "caption": caption,
        "alt": alt,
        "source_credit": source_credit,
    }


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

    The byline (authors and outlet in the language) is the approved one too. Keeps the first
    publication time; a correction adds a dated :class:`Correction`; a new
    slug keeps the old one as a redirect. Caller holds the lock (the workflow snapshots the
    credit names in the same transaction).
    """
    article = Article.objects.select_for_update(of=("self",)).select_related("outlet").get(pk=translation.article_id)
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
    byline, byline_outlet = live_byline(translation=translation, article=article)
    setattr(article, field("byline"), byline)
    setattr(article, field("byline_outlet"), byline_outlet)
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
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=tag_names)}
        tags = [
            existing.get(name)
            or Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name) or name.lower()})[0]
            for name in tag_names
        ]
        article.tags.set(tags)
    article_live_written(article=article, language=lang, republished=bool(old_slug))
    return article


RELATED_COUNT = 4


def related_ids(*, article: Article, language: str) -> list[int]:
    """The newest stories live in ``language`` sharing a tag with ``article`` (at most four)."""
    tag_ids = list(article.tags.values_list("pk", flat=True))
    if not tag_ids:
        return []
    published = build_localized_fieldname("published_at", language)
    return list(
        Article.objects.filter(**{f"{published}__isnull": False}, tags__in=tag_ids)
        .exclude(**{build_localized_fieldname("slug", language): ""})
        .exclude(pk=article.pk)
        .order_by(f"-{published}", "-pk")
        .values_list("pk", flat=True)
        .distinct()[:RELATED_COUNT]
    )


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


def article_live_written(*, article: Article, language: str, republished: bool = False) -> None:
    """After the live fields of ``article`` in ``language`` were written (caller holds the lock).

    Stores the body rendered from the live blocks and the related stories, so that a page
    view costs the same whatever the size of the archive, then forgets only this story's
    cached pages, the listings and the feeds; other stories stay cached.
    """
    body = getattr(article, build_localized_fieldname("body", language)) or []
    related = related_ids(article=article, language=language)
    with translation.override(language):  # the body's own words ("Translator's note") in its language
        rendered = body_render(body=body)
    Article.objects.filter(pk=article.pk).update(
        **{
            build_localized_fieldname("body_html", language): rendered,
            build_localized_fieldname("related_ids", language): related,
        }
    )
    batch = _batch.get()
    if batch is not None:  # its own list is now the stored one; its publication time is known
        batch.lists.get(language, {}).pop(article.pk, None)
        batch.times.setdefault(language, {})[article.pk] = getattr(
            article, build_localized_fieldname("published_at", language)
        )
    changed = _related_add(article=article, language=language, neighbours=related)
    # Its own page, the pages whose related list now names it and, when its title or slug may
    # have changed, every page that lists it.
    if republished and batch is not None:
        _batch_lists_write(batch)  # _listing reads the stored lists
    listing = _listing(article=article, language=language) if republished else []
    _pages_stale(pks={article.pk, *changed, *listing}, language=language)
    site_cache_invalidate_article(article=article)


def _related_add(*, article: Article, language: str, neighbours: list[int]) -> list[int]:
    """Offer ``article`` to the related lists of its own related stories (newest four kept).

    Their cached pages are not forgotten for it: they show the new neighbour when they expire.
    Returns the stories whose list changed.
    """
    if not neighbours:
        return []
    field = build_localized_fieldname("related_ids", language)
    published = build_localized_fieldname("published_at", language)
    batch = _batch.get()
    pending = batch.lists.setdefault(language, {}) if batch is not None else {}
    known_times = batch.times.setdefault(language, {}) if batch is not None else {}
    before = {pk: pending[pk] for pk in neighbours if pk in pending}
    missing = [pk for pk in neighbours if pk not in before]
    if missing:
        before.update(Article.objects.filter(pk__in=missing).values_list("pk", field))
    lists = {pk: {*(ids or []), article.pk} for pk, ids in before.items()}
    candidates = set().union(*lists.values())
    times = {pk: known_times[pk] for pk in candidates if pk in known_times}
    if len(times) < len(candidates):
        times.update(
            Article.objects.filter(pk__in=candidates - times.keys(), **{f"{published}__isnull": False}).values_list(
                "pk", published
            )
        )
        if batch is not None:
            known_times.update(times)
    changed = []
    for pk, ids in lists.items():
        ranked = sorted((i for i in ids if i in times and i != pk), key=lambda i: (times[i], i), reverse=True)
        if ranked[:RELATED_COUNT] != (before.get(pk) or []):
            if batch is not None:
                pending[pk] = ranked[:RELATED_COUNT]  # written once, when the batch ends
            else:
                Article.objects.filter(pk=pk).update(**{field: ranked[:RELATED_COUNT]})
            changed.append(pk)
    return changed


class _Batch:
    """What :func:`publications_batched` keeps while its block runs."""

    def __init__(self) -> None:
        self.lists: dict[str, dict[int, list[int]]] = {}  # language: {story: its new related list}
        self.times: dict[str, dict[int, Any]] = {}  # language: {story: its publication time}


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("publishing_batch", default=None)


def _batch_lists_write(batch: _Batch) -> None:
    for language, lists in batch.lists.items():
        field = build_localized_fieldname("related_ids", language)
        if lists:
            Article.objects.bulk_update(
                [Article(pk=pk, **{field: ids}) for pk, ids in lists.items()], [field], batch_size=500
            )
    batch.lists = {}


@contextmanager
def publications_batched() -> Iterator[None]:
    """Many publications in one transaction (``import_archive``), with the same outcome as one
    by one but less work: the related lists each publication offers to its neighbours are kept
    in memory and written once at the end (one statement), and the site cache forgets the
    stories' pages once at the end. Use inside ``transaction.atomic()`` and inside
    ``pages.pages_render_deferred()`` (the pages are rendered from the written lists); wrap
    each publication that may fail alone in :func:`publication_savepoint`. Nothing is written
    if the block raises.
    """
    batch = _Batch()
    token = _batch.set(batch)
    try:
        with site_cache_invalidate_deferred():
            yield
    finally:
        _batch.reset(token)
    _batch_lists_write(batch)


@contextmanager
def publication_savepoint() -> Iterator[None]:
    """Inside :func:`publications_batched`: undo what the block offered to its neighbours'
    related lists if it raises (the caller rolls its savepoint back). A no-op outside."""
    batch = _batch.get()
    if batch is None:
        yield
        return
    saved = {language: dict(lists) for language, lists in batch.lists.items()}
    try:
        yield
    except BaseException:
        batch.lists = saved
        raise


def article_pictures_relink(*, article: Article) -> list[str]:
    """Point the live image blocks of ``article`` at pictures stored since it was published.

    For stories published before pictures were stored (``manage.py fetch_source_pictures``
    stores them on the source revisions first): a live image block without ``attrs["image"]``
    takes the stored picture of the source block with the same id, and each language whose
    body changed is rendered and stored again. The old alt text (the source's words) is dropped:
    the picture is marked decorative until a correction translates one. Returns the languages
    rendered again.
    """
    stored: dict[str, tuple[int, str]] = {}  # block id: (picture, the source's caption)
    for revision in article.revisions.order_by("number"):
        for block in revision.blocks:
            attrs = block.get("attrs") or {}
            if block.get("kind") == "image" and isinstance(attrs.get("image"), int):
                stored[str(block.get("id"))] = (attrs["image"], str(attrs.get("caption") or ""))
    changed: list[str] = []
    if not stored:
        return changed
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        for language in settings.PUBLISHING_LANGUAGES:
            body = getattr(locked, build_localized_fieldname("body", language)) or []
            dirty = False
            for block in body:
                attrs = block.get("attrs") or {}
                if block.get("kind") == "image" and not attrs.get("image") and str(block.get("id")) in stored:
                    image, source_caption = stored[str(block.get("id"))]
                    caption = str(attrs.get("caption") or "")
                    # Bodies published before carried the source's alt text and, untranslated, its
                    # caption: only a caption that differs from the source's is the translator's.
                    block["attrs"] = {
                        "image": image,
                        "caption": caption if caption != source_caption else "",
                        "alt": "",
                        "source_credit": locked.live_byline(language)[1],
                    }
                    dirty = True
            if dirty:
                Article.objects.filter(pk=locked.pk).update(**{build_localized_fieldname("body", language): body})
                setattr(locked, build_localized_fieldname("body", language), body)
                article_live_written(article=locked, language=language)
                changed.append(language)
    return changed


def article_unpublish(*, translation: Translation) -> Article:
    """Take the language version off the site; the slug is kept so a republication reuses it."""
    article = Article.objects.select_for_update().get(pk=translation.article_id)
    setattr(article, build_localized_fieldname("published_at", translation.language), None)
    article.save()
    _pages_stale(
        pks={article.pk, *_listing(article=article, language=translation.language)}, language=translation.language
    )
    site_cache_invalidate()
    return article
