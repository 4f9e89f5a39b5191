"""Importing: source stories become Articles with a first SourceRevision.

``fetching.py`` fetches safely, ``extraction/`` turns bytes into metadata and blocks (both
pure); this module owns the writes. Every import is keyed on the normalised canonical URL,
so importing a story twice (from the desk, a feed or the command line) returns the existing
article.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from courlan import normalize_url
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from newsroom.models import Article, Outlet, SourceRevision
from newsroom.sources import extraction

if TYPE_CHECKING:
    from newsroom.sources import fetching


def _with_images(extracted: extraction.ExtractedArticle) -> tuple[extraction.ExtractedArticle, tuple[str, ...]]:
    """The story with its pictures fetched and stored (``images.blocks_images_fetch``).

    Called before the article's transaction: fetching pictures must not hold a transaction open.
    """
    from newsroom.sources import images

    blocks, problems = images.blocks_images_fetch(blocks=extracted.blocks)
    return dataclasses.replace(extracted, blocks=blocks), tuple(problems)


class ImportRefused(DeskError):
    """An import that cannot go ahead; ``message`` is one sentence for the editor."""


@dataclass(frozen=True)
class ImportResult:
    article: Article
    created: bool
    # Why some pictures could not be fetched (the story was imported without them).
    image_problems: tuple[str, ...] = ()

    @property
    def is_extraction_doubtful(self) -> bool:
        """The importer was unsure of the stored text (``SourceRevision.is_extraction_doubtful``)."""
        revision = self.article.current_revision
        return revision is not None and revision.is_extraction_doubtful


def _limit(model: Any, name: str) -> int:
    """The ``max_length`` of a column (of an array column's items)."""
    field = model._meta.get_field(name)
    return int(getattr(field, "base_field", field).max_length)


def _clip(value: str | None, model: Any, name: str) -> str:
    """Page metadata cut to fit its column: a 2,000-character headline must not fail the import."""
    return (value or "")[: _limit(model, name)]


def _fits(url: str, model: Any, name: str) -> str:
    """``url`` if it fits its column, else "" (a cut address would point somewhere else)."""
    return url if len(url) <= _limit(model, name) else ""


def url_normalize(url: str) -> str:
    """The key an article is stored under: lower-case host, no fragment, no tracking parameters."""
    url = url.strip()
    try:
        return str(normalize_url(url, strict=True, trailing_slash=True))
    except ValueError:
        return url


def outlet_for(*, url: str, site_name: str | None, language: str | None) -> Outlet:
    """The outlet whose site the URL is on; a new outlet (named after the page's site) otherwise."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    for outlet in Outlet.objects.exclude(site_url=""):
        outlet_host = (urlsplit(outlet.site_url).hostname or "").removeprefix("www.")
        if outlet_host and (host == outlet_host or host.endswith("." + outlet_host)):
            return outlet
    name = (site_name or host or "Unknown outlet").strip()[:200]
    slug = slugify(host or name)[:90] or "outlet"
    outlet, _created = Outlet.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "credit_name": name,
            "site_url": f"{urlsplit(url).scheme}://{urlsplit(url).netloc}",
            "language": language or "ru",
        },
    )
    return outlet


@transaction.atomic
def article_store(
    *,
    extracted: extraction.ExtractedArticle,
    by: Any,
    outlet: Outlet | None = None,
    fetched: fetching.FetchResult | None = None,
    raw: bytes = b"",
    is_manual: bool = False,
) -> ImportResult:
    """Store an extracted story as a new Article with revision 1, or return the existing one.

    Who: editors (views check), the feed poller, ``import_article``. Writes the article, its
    first source revision (with the compressed raw page and response headers) and an audit entry.
    """
    key = _fits(url_normalize(extracted.canonical or extracted.url), Article, "source_url")
    key = key or _fits(url_normalize(extracted.url), Article, "source_url")
    if not key:
        raise ImportRefused(_("The story's address is too long to store; try a shorter link to it."))
    existing = Article.objects.filter(source_url=key).first()
    if existing is not None:
        return ImportResult(existing, False)
    if not extracted.blocks:
        raise ImportRefused(_("No article text was found on that page; try the manual import."))
    outlet = outlet or outlet_for(url=key, site_name=extracted.site_name, language=extracted.language)
    try:
        with transaction.atomic():
            article = Article.objects.create(
                outlet=outlet,
                source_url=key,
                language=extracted.language or outlet.language,
                authors=[_clip(a, Article, "authors") for a in extracted.authors],
                source_tags=[_clip(t, Article, "source_tags") for t in extracted.tags],
                source_title=_clip(extracted.title, Article, "source_title"),
                source_lead=extracted.lead or "",
                source_published_at=extracted.published,
                source_modified_at=extracted.modified,
                is_paywalled=extracted.paywalled,
                imported_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError:
        # Another worker stored the same story a moment ago: theirs wins.
        return ImportResult(Article.objects.get(source_url=key), False)
    revision = SourceRevision.objects.create(
        article=article,
        number=1,
        fetched_at=fetched.fetched_at if fetched else timezone.now(),
        final_url=_fits(fetched.final_url if fetched else extracted.url, SourceRevision, "final_url"),
        http_headers=dict(fetched.headers) if fetched else {},
        raw_compressed=SourceRevision.compress(fetched.content if fetched else raw),
        charset=_clip(extracted.charset, SourceRevision, "charset"),
        title=_clip(extracted.title, SourceRevision, "title"),
        lead=extracted.lead or "",
        blocks=extracted.blocks,
        word_count=SourceRevision.count_words(extracted.blocks),
        is_manual=is_manual,
        extraction_confidence=extracted.confidence.as_json() if extracted.confidence else None,
    )
    article.current_revision = revision
    article.save(update_fields=["current_revision"])
    audit_record(actor=by, action="article.import", target=article, url=key, manual=is_manual)
    return ImportResult(article, True)


def article_import(*, url: str, by: Any, outlet: Outlet | None = None) -> ImportResult:
    """Fetch ``url`` safely, extract it and store it (or return the article already stored).

    Raises :class:`ImportRefused` (or a ``fetching.FetchError``) with a sentence for the editor;
    nothing is saved then.
    """
    key = url_normalize(url)
    existing = Article.objects.filter(source_url=key).first()
    if existing is not None:
        return ImportResult(existing, False)
    from newsroom.sources import fetching

    result = fetching.fetch(url, accept="html")
    extracted = extraction.extract_article(content=result.content, url=result.final_url, headers=result.headers)
    extracted = canonical_checked(extracted=extracted, final_url=result.final_url)
    if not extracted.blocks:  # refused by article_store: no pictures are fetched for nothing
        return article_store(extracted=extracted, by=by, outlet=outlet, fetched=result)
    extracted, problems = _with_images(extracted)
    stored = article_store(extracted=extracted, by=by, outlet=outlet, fetched=result)
    return dataclasses.replace(stored, image_problems=problems) if stored.created else stored


def canonical_checked(*, extracted: extraction.ExtractedArticle, final_url: str) -> extraction.ExtractedArticle:
    """The extracted story, its canonical address kept only if that address loads.

    A canonical other than the page's own address becomes the story's key, its "Original
    story" link and the public "Source:" link, so a 404 there would mislead every reader. It is
    fetched with the same SSRF rules as the page; if it does not load (blocked, 4xx/5xx, not a
    page, too slow), the page's own final address is used instead.
    """
    from newsroom.sources import fetching

    canonical = extracted.canonical
    if not canonical or url_normalize(canonical) == url_normalize(final_url):
        return extracted
    try:
        fetching.fetch(canonical, accept="html", timeout=5.0)
    except fetching.FetchError:
        return dataclasses.replace(extracted, canonical=None, url=final_url)
    return extracted


def article_resync(*, article: Article, by: Any) -> tuple[SourceRevision | None, list[dict[str, Any]]]:
    """Fetch the story again; if its title or blocks changed, store revision N+1 and follow it.

    Who: editors (the view checks). Writes a new SourceRevision, moves
    ``article.current_revision`` (and the article's source title/lead/dates) to it and records
    an audit entry; translations keep following the revision they were made from. Returns the
    new revision (``None`` when nothing changed) and ``source_diff`` of the old and new blocks.
    Raises ``fetching.FetchError`` or :class:`ImportRefused`; nothing is saved then.
    """
    from newsroom.sources import fetching
    from newsroom.sources.diff import source_diff

    current = article.current_revision
    if current is not None and current.is_manual:
        raise ImportRefused(_("This article was pasted in by hand; there is no page to fetch again."))
    url = (current.final_url if current and current.final_url else "") or article.source_url
    result = fetching.fetch(url, accept="html")
    extracted = extraction.extract_article(content=result.content, url=result.final_url, headers=result.headers)
    if not extracted.blocks:
        raise ImportRefused(_("No article text was found on the page any more; the stored text is kept."))
    old_blocks = current.blocks if current else []
    changes = source_diff(old_blocks, extracted.blocks)
    changed = any(c["status"] != "same" for c in changes) or current is None or extracted.title != current.title
    if not changed:
        audit_record(actor=by, action="article.resync", target=article, changed=False)
        return None, changes
    extracted, _problems = _with_images(extracted)  # pictures already stored are reused by address
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        last = locked.revisions.order_by("-number").values_list("number", flat=True).first() or 0
        revision = SourceRevision.objects.create(
            article=locked,
            number=last + 1,
            fetched_at=result.fetched_at,
            final_url=_fits(result.final_url, SourceRevision, "final_url"),
            http_headers=dict(result.headers),
            raw_compressed=SourceRevision.compress(result.content),
            charset=_clip(extracted.charset, SourceRevision, "charset"),
            title=_clip(extracted.title, SourceRevision, "title"),
            lead=extracted.lead or "",
            blocks=extracted.blocks,
            word_count=SourceRevision.count_words(extracted.blocks),
            extraction_confidence=extracted.confidence.as_json() if extracted.confidence else None,
        )
        locked.current_revision = revision
        locked.source_title = _clip(extracted.title, Article, "source_title") or locked.source_title
        locked.source_lead = extracted.lead or ""
        locked.source_modified_at = extracted.modified or locked.source_modified_at
        locked.save(
            update_fields=["current_revision", "source_title", "source_lead", "source_modified_at", "updated_at"]
        )
        audit_record(
            actor=by,
            action="article.resync",
            target=locked,
            changed=True,
            revision=revision.number,
            paragraphs_changed=sum(1 for c in changes if c["status"] != "same"),
        )
    article.refresh_from_db()
    return revision, changes


def manual_import(
    *,
    by: Any,
    title: str,
    url: str,
    text_or_html: str,
    language: str,
    author: str = "",
    published: dt.datetime | None = None,
    outlet: Outlet | None = None,
) -> ImportResult:
    """Store a pasted story (for pages that cannot be fetched) with the same sanitising and blocks."""
    blocks = extraction.blocks_from_pasted(text_or_html=text_or_html)
    extracted = extraction.ExtractedArticle(
        url=url,
        canonical=url,
        charset="utf-8",
        language=language,
        site_name=outlet.name if outlet else None,
        title=title.strip(),
        lead=None,
        published=published,
        modified=None,
        authors=[author.strip()] if author.strip() else [],
        tags=[],
        paywalled=False,
        blocks=blocks,
    )
    if Article.objects.filter(source_url=url_normalize(url)).exists() or not blocks:
        return article_store(
            extracted=extracted, by=by, outlet=outlet, raw=text_or_html.encode("utf-8"), is_manual=True
        )
    extracted, problems = _with_images(extracted)
    stored = article_store(extracted=extracted, by=by, outlet=outlet, raw=text_or_html.encode("utf-8"), is_manual=True)
    return dataclasses.replace(stored, image_problems=problems) if stored.created else stored
