"""schema.org NewsArticle (JSON-LD) of a story, and the machine-assistance credit line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from newsroom import machine_assist
from newsroom.models import Article, SourceImage, Tag
from newsroom.site import selectors
from newsroom.site.selectors import site_language
from newsroom.templatetags.source_images import picture_data
from translations.public import Role


def picture_urls(origin: str, article: Article) -> list[str]:
    """Our stored copies (largest size) of the story's first three pictures, never the outlet's.

    One query whatever the number of pictures (none for a story without stored pictures).
    """
    blocks = [b for b in article.body or [] if b.get("kind") == "image" and (b.get("attrs") or {}).get("image")]
    ids = [b["attrs"]["image"] for b in blocks if isinstance(b["attrs"]["image"], int)]
    stored = SourceImage.objects.in_bulk(ids[:10]) if ids else {}
    urls = []
    for block in blocks:
        image = stored.get(block["attrs"]["image"])
        picture = picture_data(block, image=image) if image is not None else None
        if picture:
            largest = str(picture["largest"])
            # Local storage gives a path (made absolute with the page's origin); object storage a URL.
            urls.append(origin + largest if largest.startswith("/") else largest)
            if len(urls) == 3:
                break
    return urls


def article_json_ld(
    origin: str,
    path: str,
    article: Article,
    credits: dict[str, list[dict[str, str]]],
    modified: dt.datetime,
    tags: list[Tag] | None = None,
    images: list[str] | None = None,
) -> dict[str, Any]:
    """schema.org NewsArticle: the original author as author, the credited names as translators."""
    images = picture_urls(origin, article) if images is None else images
    source_name = selectors.source_name(article=article, lang=site_language())
    # The authors as the page names them (transliterated for English), not the source's script.
    authors, outlet_name = article.live_byline(site_language())
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.seo_description or article.lead,
        "inLanguage": site_language(),
        "mainEntityOfPage": origin + path,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": modified.isoformat(),
        "author": [{"@type": "Person", "name": name.strip()} for name in authors.split(",") if name.strip()]
        or [{"@type": "Organization", "name": outlet_name}],
        "translator": [{"@type": "Person", "name": c["name"]} for c in credits.get(Role.TRANSLATOR, [])],
        "publisher": {
            "@type": "Organization",
            "name": settings.DESK_SITE_NAME,
            "url": origin + "/",
        },
        "isBasedOn": article.source_url,
        "translationOfWork": {
            "@type": "NewsArticle",
            "headline": article.source_title,
            "inLanguage": article.language,
            "url": article.source_url,
            "datePublished": article.source_published_at.isoformat() if article.source_published_at else None,
            "publisher": {"@type": "Organization", "name": source_name},
        },
        "keywords": [t.name for t in (article.tags.all() if tags is None else tags)],
    }
    if images:
        data["image"] = images[:3]
    credit_line = machine_credit_line(article, credits)
    if credit_line:
        data["creditText"] = credit_line
    return data


def machine_credit_line(article: Article, credits: dict[str, list[dict[str, str]]]) -> str:
    """ "Translated by … with machine assistance" when the share stored at publication meets the
    rule (``newsroom.machine_assist``); "" otherwise or when the desk turned the line off."""
    words = machine_assist.credit_words(article.machine_share)
    if not words:
        return ""
    names = ", ".join(c["name"] for c in credits.get(Role.TRANSLATOR, []))
    return f"Translated by {names} {words}" if names else f"Translated {words}"
