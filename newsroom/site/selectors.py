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

from newsroom.models import SEARCH_FIELDS, Article, Outlet
from translations.public import (
    article_credits,
    credits_prefetch,
    public_contributor,
    public_contributors,
    public_credits,
    translator_credited_article_ids,
)

__all__ = [
    "article_credits",
    "article_url",
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


def outlet_name(*, outlet: Outlet, lang: str) -> str:
    """An outlet's public name in ``lang``: the only way the site (pages, lists, search, feeds,
    JSON-LD, the API, newsletters) names an outlet. Its English (Latin) name set on the outlet,
    else its credit name transliterated; a Cyrillic-script language keeps the credit name
    (``Outlet.byline_name``, the rule the bylines' default follows too)."""
    return outlet.byline_name(lang)


def source_name(*, article: Article, lang: str) -> str:
    """A story's source as readers of ``lang`` see it named: its outlet (:func:`outlet_name`),
    else the source site's host name."""
    if article.outlet is not None:
        return outlet_name(outlet=article.outlet, lang=lang)
    return article.source_name


def source_name_lang(*, article: Article, lang: str) -> str:
    """The ``lang`` to mark :func:`source_name` with: the outlet's language when the name is
    still as the outlet writes it in another language ("" when it reads in ``lang``)."""
    outlet = article.outlet
    if outlet is None or outlet.language == lang:
        return ""
    return outlet.language if source_name(article=article, lang=lang) == outlet.credit_name.strip() else ""


def live_articles(*, lang: str) -> QuerySet[Article]:
    """Articles live in ``lang``, newest first, without the heavy columns lists never show."""
    published = build_localized_fieldname("published_at", lang)
    return (
        Article.objects.filter(Article.live_q(lang))
        .select_related("outlet")
        .defer("body", "body_html", "related_ids", *SEARCH_FIELDS, "source_lead", "source_tags", "triage_reason")
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
