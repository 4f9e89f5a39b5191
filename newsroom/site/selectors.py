"""The reader site's reads: what is live, where it lives, who is credited.

Used by the pages, the feeds, the sitemaps, the read API, the rendering of stored pages and the
desk (a live story's address). The desk's credits and public profiles come through
``translations.public`` (published snapshots only; an import contract keeps the site off the
desk's working copies).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import SEARCH_FIELDS, Article
from newsroom.outlet_names import outlet_name, source_name, source_name_lang
from translations.public import (
    article_credits,
    articles_credits,
    credits_prefetch,
    public_contributor,
    public_contributors,
    public_credits,
    translator_credited_article_ids,
)

__all__ = [
    "article_credits",
    "article_url",
    "articles_credits",
    "credits_prefetch",
    "live_articles",
    "outlet_name",
    "public_contributor",
    "public_contributors",
    "public_credits",
    "site_language",
    "source_name",
    "source_name_lang",
    "translator_credited_article_ids",
]


def site_language() -> str:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return lang if lang in settings.PUBLISHING_LANGUAGES else settings.LANGUAGE_CODE


def live_articles(*, lang: str) -> QuerySet[Article]:
    """Articles live in ``lang``, newest first, without the heavy columns lists never show (the
    stored pages too: a list reads a stored teaser or item as one column, never the whole page)."""
    published = build_localized_fieldname("published_at", lang)
    return (
        Article.objects.filter(Article.live_q(lang))
        .select_related("outlet")
        .defer(
            "body",
            "body_html",
            "related_ids",
            "page",
            "listed",
            *SEARCH_FIELDS,
            "source_lead",
            "source_tags",
            "triage_reason",
        )
        .order_by(f"-{published}", "-pk")
    )


def live_article(*, slug: str, lang: str) -> Article | None:
    """The story live in ``lang`` under ``slug`` (its whole row but the search columns)."""
    return (
        Article.objects.filter(
            **{
                f"{build_localized_fieldname('published_at', lang)}__isnull": False,
                build_localized_fieldname("slug", lang): slug,
            }
        )
        .select_related("outlet")
        .defer(*SEARCH_FIELDS)
        .first()
    )


def article_url(article: Article, lang: str) -> str:
    with translation.override(lang):
        return reverse("site:article", kwargs={"slug": getattr(article, build_localized_fieldname("slug", lang))})
