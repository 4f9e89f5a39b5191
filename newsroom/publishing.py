"""Publishing: the only code that writes an Article's live fields (``title_en``, …).

Called by the workflow inside its transaction. The live body is built from the approved
working copy and the source revision it follows: source-aligned blocks in source order,
images and embeds carried over (captions translated), blocks the translator left out
skipped, translator's notes the editor kept placed after the block they follow.

Publishing writes the live fields and sends **one** signal, :data:`live_changed`, like
Wagtail's ``page_published`` (:data:`live_changed_many` for many new stories published at once
by the archive import); it knows nothing of what follows. The reader site's rendering
(``newsroom.site.rendering.owner``) receives it, in the same transaction, and renders, stores
and forgets what readers get. Publishing never imports ``newsroom.site`` (an import contract).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.text import slugify
from modeltranslation.utils import build_localized_fieldname

from newsroom import bylines, machine_assist
from newsroom.core import inline
from newsroom.core.bulk import rows_copy
from newsroom.core.html import plain_text, sanitize_inline
from newsroom.models import Article, Correction, NameSpelling, SlugRedirect, Tag

if TYPE_CHECKING:
    from translations.models import Translation


class LiveChange(enum.StrEnum):
    """What happened to a story's live text in one language."""

    PUBLISHED = "published"  # live for the first time in the language
    CORRECTED = "corrected"  # its live text replaced: a correction, a republication, pictures relinked
    UNPUBLISHED = "unpublished"  # taken off the site


# Sent with ``article`` (the written row), ``language`` and ``kind`` (:class:`LiveChange`) after
# the live fields were written, inside the caller's transaction (the row is locked).
live_changed = Signal()

# The same event for many new stories published together (:func:`articles_publish_bulk`), with
# ``articles`` (in publication order), ``language`` and ``kind``: sent with the live fields set
# on rows not written yet, which are written, once, right after it. A receiver may set its own
# columns of those rows in memory (the site's rendering does: body, related list, page).
live_changed_many = Signal()


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
    # Pictures are credited to the outlet as the byline names it (one lookup for every picture).
    has_pictures = any(block["kind"] == "image" for block in source_blocks)
    photo_credit = live_byline(translation=translation, article=translation.article)[1] if has_pictures else ""
    # Names (an attribution, a photographer) left empty are spelt as the translator spelt the
    # same person elsewhere in the story, else as the desk spelt them before, else transliterated.
    spellings = story_spellings(translation=translation)
    lang, source_language = translation.language, translation.article.language

    def spelt(name: str) -> str:
        return bylines.name_spelling(name, source_language=source_language, target_language=lang, spellings=spellings)

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
            attrs = _image_attrs(
                attrs,
                entry=entry,
                source_credit=photo_credit,
                spelt=spelt,
                language=lang,
                source_language=source_language,
            )
            body.append({"id": block["id"], "kind": kind, "html": "", "text": attrs["caption"], "attrs": attrs})
        elif text:
            # The source's links and emphasis, carried as tokens ("[1]…[/1]"), come back here.
            html = inline.render(text, inline.tokenize(str(block.get("html") or "")))
            if kind == "quote":
                attrs = _quote_attrs(attrs, entry=entry, spelt=spelt, language=lang, source_language=source_language)
            body.append({"id": block["id"], "kind": kind, "html": html, "text": plain_text(html), "attrs": attrs})
        add_notes(block["id"])
    return body


def live_machine_share(*, translation: Translation, body: list[dict[str, Any]] | None = None) -> float:
    """The share of the words readers get from ``translation`` that came from a machine draft
    unchanged (``machine_assist``'s rule), pure; ``body`` is its ``live_body`` when at hand."""
    body = live_body(translation=translation) if body is None else body
    return machine_assist.machine_share(
        texts=machine_assist.live_texts(title=translation.title, lead=translation.lead, body=body),
        drafts=getattr(translation, "machine_drafts", None) or {},
    )


def live_byline(*, translation: Translation, article: Article) -> tuple[str, str]:
    """The byline readers get from ``translation`` (authors, outlet), pure; nothing is written:
    the translation's own byline as approved, with the one fallback rule (``Article.byline_for``)."""
    return article.byline_for(
        translation.language, authors=translation.byline or "", outlet=translation.byline_outlet or ""
    )


def source_photographer(attrs: dict[str, Any]) -> str:
    """The photographer a source image block names (``attrs["credit"]``, set by the importer; a
    revision imported before that still has it in its caption: "… Фота: Яўгенія Раманчук")."""
    return " ".join(str(attrs.get("credit") or "").split()) or bylines.credit_split(str(attrs.get("caption") or ""))[1]


def _marked(text: str, *, language: str, source_language: str) -> str:
    """The ``lang`` a name left in the source's script carries on the page ("" when it reads in
    the page's language): readers' tools and screen readers then say it right."""
    return source_language if bylines.is_source_script(text, target_language=language) else ""


def _quote_attrs(
    source: dict[str, Any], *, entry: dict[str, Any], spelt: Callable[[str], str], language: str, source_language: str
) -> dict[str, Any]:
    """A live quote's attrs: its attribution as the translator wrote it (``entry["cite"]``), else
    the source's spelt by the byline rules; ``cite_lang`` when it is still in the source's script."""
    cite = " ".join(str(entry.get("cite", "")).split()) or spelt(str(source.get("cite") or ""))
    attrs = {k: v for k, v in source.items() if k not in {"cite", "cite_lang"}}
    if cite:
        attrs["cite"] = plain_text(sanitize_inline(cite))
        marked = _marked(attrs["cite"], language=language, source_language=source_language)
        if marked:
            attrs["cite_lang"] = marked
    return attrs


def _image_attrs(
    source: dict[str, Any],
    *,
    entry: dict[str, Any],
    source_credit: str,
    spelt: Callable[[str], str] | None = None,
    language: str = "en",
    source_language: str = "",
) -> dict[str, Any]:
    """A live image block's attrs: the stored picture, and only words in the page's language.

    The caption and the alt text are the translator's (``entry["text"]``, ``entry["alt"]``);
    one left untranslated is empty, never the source's words: an image without a translated
    alt text is marked decorative (``alt=""``), its translated caption (if any) describing it
    next to it. The outlet's address is not carried: readers only get our stored copy.

    The credit is structured, one line per picture: ``photographer`` (the translator's spelling,
    ``entry["credit"]``, else the source's photographer spelt by the byline rules; a credit typed
    into the caption — "… Photo: X" — is taken out of it) and ``source_credit`` (the outlet).
    """
    caption, typed_credit = bylines.credit_split(plain_text(sanitize_inline(str(entry.get("text", "")).strip())))
    alt = plain_text(sanitize_inline(str(entry.get("alt", "")).strip()))
    image = source.get("image")
    photographer = " ".join(str(entry.get("credit", "")).split()) or typed_credit
    if not photographer and spelt is not None:
        photographer = spelt(source_photographer(source))
    photographer = plain_text(sanitize_inline(photographer))
    if photographer and photographer.casefold() == source_credit.casefold():
        photographer = ""  # the outlet's own picture: "Photo: Outlet", once
    attrs = {
        "image": image if isinstance(image, int) and not isinstance(image, bool) else None,
        "caption": caption,
        "alt": alt,
        "photographer": photographer,
        "source_credit": source_credit,
    }
    marked = _marked(photographer, language=language, source_language=source_language)
    if photographer and marked:
        attrs["photographer_lang"] = marked
    return attrs


def translator_name_uses(*, translation: Translation) -> list[tuple[str, str, str]]:
    """Each place the translator spelt a source name in this story: (source name, their spelling,
    block id; "" for the byline), from the byline (when it names as many people as the source),
    quote attributions and picture credits. Pure; nothing is written."""
    article = translation.article
    uses: list[tuple[str, str, str]] = []
    authors = [" ".join(a.split()) for a in article.authors if a and a.strip()]
    typed = [" ".join(a.split()) for a in (translation.byline or "").split(",") if a.strip()]
    if authors and len(authors) == len(typed):
        uses.extend((name, spelling, "") for name, spelling in zip(authors, typed, strict=True))
    for block in translation.source_revision.blocks:
        entry = translation.blocks.get(block["id"]) or {}
        if entry.get("omitted"):
            continue
        attrs = block.get("attrs") or {}
        if block["kind"] == "quote":
            name, spelling = str(attrs.get("cite") or ""), str(entry.get("cite", ""))
        elif block["kind"] == "image":
            name = source_photographer(attrs)
            spelling = str(entry.get("credit", "")) or bylines.credit_split(str(entry.get("text", "")))[1]
        else:
            continue
        name, spelling = " ".join(name.split()), " ".join(spelling.split())
        if name and spelling:
            uses.append((name, spelling, str(block["id"])))
    return uses


def translator_spellings(*, translation: Translation) -> dict[str, str]:
    """The names the translator spelt in this story: source name → their first spelling
    (:func:`translator_name_uses`)."""
    chosen: dict[str, str] = {}
    for name, spelling, _where in translator_name_uses(translation=translation):
        chosen.setdefault(name, spelling)
    return chosen


def story_names(*, translation: Translation) -> list[str]:
    """Every source name the story shows readers: its authors, quote attributions, photographers."""
    names = [" ".join(a.split()) for a in translation.article.authors if a and a.strip()]
    for block in translation.source_revision.blocks:
        attrs = block.get("attrs") or {}
        if block["kind"] == "quote" and attrs.get("cite"):
            names.append(" ".join(str(attrs["cite"]).split()))
        elif block["kind"] == "image" and source_photographer(attrs):
            names.append(source_photographer(attrs))
    return list(dict.fromkeys(names))


def story_spellings(*, translation: Translation) -> dict[str, str]:
    """source name → spelling for every name of the story: the translator's in this story
    (:func:`translator_spellings`) over the desk's remembered ones (:class:`NameSpelling`, one
    query). Names in neither are transliterated by ``bylines.name_spelling``."""
    remembered = NameSpelling.spellings(names=story_names(translation=translation), language=translation.language)
    return {**remembered, **translator_spellings(translation=translation)}


def block_names(*, translation: Translation) -> dict[str, dict[str, str]]:
    """The name each attributed quote (its attribution, part ``cite``) and picture (its photographer, part
    ``credit``) of the story shows, by block id: ``{"part", "source", "default"}``, ``default``
    being what readers get when the translator leaves the part empty (one query; for the
    editor's and the review page's hints)."""
    spellings = story_spellings(translation=translation)
    lang, source_language = translation.language, translation.article.language
    out: dict[str, dict[str, str]] = {}
    for block in translation.source_revision.blocks:
        attrs = block.get("attrs") or {}
        if block["kind"] == "quote" and str(attrs.get("cite") or "").strip():
            part, name = "cite", " ".join(str(attrs["cite"]).split())
        elif block["kind"] == "image":
            part, name = "credit", source_photographer(attrs)
        else:
            continue
        default = bylines.name_spelling(
            name, source_language=source_language, target_language=lang, spellings=spellings
        )
        out[str(block["id"])] = {"part": part, "source": name, "default": default}
    return out


def name_spellings_remember(*, translation: Translation) -> None:
    """Remember the translator's spellings of this story's names for the next story (called at
    publication: the spelling a reviewer approved)."""
    for name, spelling in translator_spellings(translation=translation).items():
        if len(name) <= 200 and len(spelling) <= 200 and name != spelling:
            NameSpelling.objects.update_or_create(
                source_name=name, language=translation.language, defaults={"spelling": spelling}
            )


def name_spellings_remember_many(*, translations: list[Translation]) -> None:
    """:func:`name_spellings_remember` for many stories in one statement (the archive's bulk
    path); a later story's spelling of a name wins, as it would one by one."""
    chosen: dict[tuple[str, str], str] = {}
    for t in translations:
        for name, spelling in translator_spellings(translation=t).items():
            if len(name) <= 200 and len(spelling) <= 200 and name != spelling:
                chosen[(name, t.language)] = spelling
    NameSpelling.objects.bulk_create(
        [NameSpelling(source_name=name, language=lang, spelling=spelling) for (name, lang), spelling in chosen.items()],
        update_conflicts=True,
        unique_fields=["source_name", "language"],
        update_fields=["spelling", "chosen_at"],
    )


def _unique_slug(*, article: Article, language: str, title: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A slug for ``title`` no other story (nor an old slug kept as a redirect) has in
    ``language``; ``taken``: slugs given in the same bulk publication, not written yet."""
    field = build_localized_fieldname("slug", language)
    base = slugify(title)[:180] or f"article-{article.pk}"
    slug, n = base, 2
    while (
        slug in taken
        or Article.objects.filter(**{field: slug}).exclude(pk=article.pk).exists()
        or SlugRedirect.objects.filter(Q(language=language, slug=slug) & ~Q(article=article)).exists()
    ):
        slug, n = f"{base}-{n}", n + 1
    return slug


LIVE_FIELDS = ("title", "lead", "body", "slug", "byline", "byline_outlet", "seo_description", "published_at")


def _live_fields_set(*, article: Article, translation: Translation, slug: str, at: dt.datetime) -> None:
    """Write the live fields of ``translation``'s language on ``article`` in memory (pure): the
    one rule both :func:`article_publish` and :func:`articles_publish_bulk` save."""
    lang = translation.language

    def field(name: str) -> str:
        return build_localized_fieldname(name, lang)

    body = live_body(translation=translation)
    lead = translation.lead.strip()
    setattr(article, field("title"), translation.title.strip())
    setattr(article, field("lead"), lead)
    setattr(article, field("body"), body)
    setattr(article, field("slug"), slug)
    byline, byline_outlet = live_byline(translation=translation, article=article)
    setattr(article, field("byline"), byline)
    setattr(article, field("byline_outlet"), byline_outlet)
    # Part of the published snapshot: every surface decides "with machine assistance" on it.
    setattr(article, field("machine_share"), live_machine_share(translation=translation, body=body))
    description = lead or next((b["text"] for b in body if b["kind"] == "paragraph"), "")
    setattr(article, field("seo_description"), description[:297] + "…" if len(description) > 300 else description)
    if getattr(article, field("published_at")) is None:
        setattr(article, field("published_at"), at)


def _tag_names(translation: Translation) -> list[str]:
    return [name.strip() for name in translation.tags.split(",") if name.strip()]


def article_publish(*, translation: Translation, at: dt.datetime) -> Article:
    """Copy the approved working copy of ``translation`` into the article's live fields.

    The byline (authors and outlet in the language) is the approved one too, and the share of
    its words that came from a machine draft unchanged is stored with it. Keeps the first
    publication time; a correction adds a dated :class:`Correction`; a new
    slug keeps the old one as a redirect. Caller holds the lock (the workflow snapshots the
    credit names in the same transaction).
    """
    article = Article.objects.select_for_update(of=("self",)).select_related("outlet").get(pk=translation.article_id)
    lang = translation.language
    old_slug: str = getattr(article, build_localized_fieldname("slug", lang))
    new_slug = old_slug or _unique_slug(article=article, language=lang, title=translation.title)
    _live_fields_set(article=article, translation=translation, slug=new_slug, at=at)
    article.save()
    name_spellings_remember(translation=translation)
    if translation.is_correction and translation.correction_note.strip():
        Correction.objects.create(
            article=article, language=lang, note=translation.correction_note.strip(), published_at=at
        )
    tag_names = _tag_names(translation)
    if tag_names:
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=tag_names)}
        tags = [
            existing.get(name)
            or Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name) or name.lower()})[0]
            for name in tag_names
        ]
        article.tags.set(tags)
    kind = LiveChange.CORRECTED if old_slug else LiveChange.PUBLISHED
    live_changed.send(sender=Article, article=article, language=lang, kind=kind)
    return article


class BulkPublishError(Exception):
    """A bulk publication that cannot be made as one (nothing was written by it): the caller
    rolls back and publishes its stories one by one, which names the story at fault."""


def articles_publish_bulk(*, translations: list[Translation]) -> list[Article]:
    """First publications of many new stories at once (``import_archive``'s bulk path), with
    the outcome of :func:`article_publish` for each, at each one's ``first_published_at``.

    Each ``translation.article`` is a row not written yet, its id already taken from the
    sequence (the caller's rows that point at it are checked at commit), with its outlet. Sets
    the live fields, writes the tags in three statements, sends :data:`live_changed_many` (per
    language, in order) and then writes the rows, once each, with the live fields and whatever
    the receivers set on them, inside the caller's transaction. Raises
    :class:`BulkPublishError` (before writing anything) for a row already written or a tag name
    that cannot be stored as :func:`article_publish` would store it.
    """
    if not translations:
        return []
    languages = {t.language for t in translations}
    bases: list[str] = []
    for t in translations:
        if not t.article._state.adding or t.article.pk is None:
            raise BulkPublishError(f"story {t.article.pk} is not a new row with its id")
        if t.first_published_at is None:
            raise BulkPublishError(f"story {t.article.pk} has no publication time")
        bases.append(slugify(t.title)[:180] or f"article-{t.article.pk}")
    taken: dict[str, set[str]] = {}
    for lang in languages:  # the slugs already in use, one query per table (then one by one, rarely)
        field = build_localized_fieldname("slug", lang)
        mine = [base for t, base in zip(translations, bases, strict=True) if t.language == lang]
        taken[lang] = set(Article.objects.filter(**{f"{field}__in": mine}).values_list(field, flat=True))
        taken[lang] |= set(SlugRedirect.objects.filter(language=lang, slug__in=mine).values_list("slug", flat=True))
    used: dict[str, set[str]] = {lang: set() for lang in languages}
    names = [name for t in translations for name in story_names(translation=t)]
    with NameSpelling.preloaded(names=names, languages=languages) as known:  # one query, not one per story
        for t, base in zip(translations, bases, strict=True):
            slug = base
            if base in taken[t.language] or base in used[t.language]:
                slug = _unique_slug(article=t.article, language=t.language, title=t.title, taken=used[t.language])
            used[t.language].add(slug)
            _live_fields_set(article=t.article, translation=t, slug=slug, at=t.first_published_at)  # type: ignore[arg-type]
            # What article_publish remembers before the next story is published, seen by the next.
            for name, spelling in translator_spellings(translation=t).items():
                if len(name) <= 200 and len(spelling) <= 200 and name != spelling:
                    known[(name, t.language)] = spelling
        tags = _tags_get_or_create({name for t in translations for name in _tag_names(t)})
        through = Article.tags.through
        through.objects.bulk_create(
            [
                through(article_id=t.article.pk, tag_id=tags[name].pk)
                for t in translations
                for name in dict.fromkeys(_tag_names(t))
            ],
            ignore_conflicts=True,
        )
        for lang in sorted(languages):
            articles = [t.article for t in translations if t.language == lang]
            live_changed_many.send(sender=Article, articles=articles, language=lang, kind=LiveChange.PUBLISHED)
        articles = [t.article for t in translations]
        rows_copy(articles)  # one COPY: bulk_create's literals cost as much again (newsroom.core.bulk)
    name_spellings_remember_many(translations=translations)
    return articles


def _tags_get_or_create(names: set[str]) -> dict[str, Tag]:
    """The tags named ``names``, made as :func:`article_publish` makes them where missing."""
    if not names:
        return {}
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = sorted(names - existing.keys())
    if missing:
        Tag.objects.bulk_create(
            [Tag(name=name, slug=slugify(name) or name.lower()) for name in missing], ignore_conflicts=True
        )
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    if names - existing.keys():  # a new name whose slug another tag holds: article_publish refuses it too
        raise BulkPublishError(f"tags cannot be stored: {', '.join(sorted(names - existing.keys()))}")
    return existing


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
                live_changed.send(sender=Article, article=locked, language=language, kind=LiveChange.CORRECTED)
                changed.append(language)
    return changed


def article_unpublish(*, translation: Translation) -> Article:
    """Take the language version off the site; the slug is kept so a republication reuses it."""
    article = Article.objects.select_for_update().get(pk=translation.article_id)
    setattr(article, build_localized_fieldname("published_at", translation.language), None)
    article.save()
    live_changed.send(sender=Article, article=article, language=translation.language, kind=LiveChange.UNPUBLISHED)
    return article
