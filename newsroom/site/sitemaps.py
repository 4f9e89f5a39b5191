"""sitemap.xml (django.contrib.sitemaps) and a Google News sitemap of the last two days.

One sitemap for every publishing language: each live language version of an article is its
own URL (its language prefix comes from the URL patterns), listing the article's other live
language versions as ``xhtml:link`` hreflang alternates; the listing pages of every language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article, Outlet, Tag
from newsroom.site import edge
from newsroom.site.cache import site_page

NEWS_WINDOW = dt.timedelta(days=2)
NEWS_LIMIT = 1000


def _live_versions(*, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One row per (article, language) live now: slug, title, times. One query."""
    rows: list[dict[str, Any]] = []
    for code in settings.PUBLISHING_LANGUAGES:
        published = build_localized_fieldname("published_at", code)
        slug = build_localized_fieldname("slug", code)
        title = build_localized_fieldname("title", code)
        qs = Article.objects.filter(Article.live_q(code)).order_by(f"-{published}", "-pk")
        if since is not None:
            qs = qs.filter(**{f"{published}__gte": since})
        for row in qs.values("pk", "updated_at", "language", slug, title, published)[: NEWS_LIMIT if since else None]:
            rows.append(
                {
                    "pk": row["pk"],
                    "lang": code,
                    "slug": row[slug],
                    "title": row[title],
                    "published_at": row[published],
                    "updated_at": row["updated_at"],
                }
            )
    return rows


def _article_path(lang: str, slug: str) -> str:
    with translation.override(lang):
        return reverse("site:article", kwargs={"slug": slug})


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> list[dict[str, Any]]:
        edge.keys_add(edge.SITEMAP)
        return _live_versions()

    def location(self, item: dict[str, Any]) -> str:
        return _article_path(item["lang"], item["slug"])

    def get_urls(self, page: int | str = 1, site: Any = None, protocol: str | None = None) -> list[dict[str, Any]]:
        """Each URL with its article's language versions (itself included) as hreflang alternates."""
        urls: list[dict[str, Any]] = super().get_urls(page=page, site=site, protocol=protocol)
        versions: dict[int, list[dict[str, Any]]] = {}
        for url in urls:
            versions.setdefault(url["item"]["pk"], []).append(url)
        for url in urls:
            siblings = versions[url["item"]["pk"]]
            url["alternates"] = (
                [{"lang_code": s["item"]["lang"], "location": s["location"]} for s in siblings]
                if len(siblings) > 1
                else []
            )
        return urls

    def lastmod(self, item: dict[str, Any]) -> dt.datetime:
        return max(item["published_at"], item["updated_at"])


class ListingSitemap(Sitemap):
    """Home, archive, and the tag and source pages, in every publishing language."""

    changefreq = "daily"
    priority = 0.5

    def items(self) -> list[str]:
        edge.keys_add(edge.SITEMAP)
        paths: list[str] = []
        for code in settings.PUBLISHING_LANGUAGES:
            live = Article.live_q(code, "articles__")
            outlets = Outlet.objects.all() if code == settings.LANGUAGE_CODE else Outlet.objects.filter(live)
            with translation.override(code):
                paths += [reverse("site:home"), reverse("site:archive")]
                paths += [
                    reverse("site:tag", kwargs={"slug": slug})
                    for slug in Tag.objects.filter(live).distinct().values_list("slug", flat=True)
                ]
                paths += [
                    reverse("site:outlet", kwargs={"slug": slug})
                    for slug in outlets.distinct().values_list("slug", flat=True)
                ]
        return paths

    def location(self, item: str) -> str:
        return item


SITEMAPS: dict[str, type[Sitemap]] = {"articles": ArticleSitemap, "pages": ListingSitemap}


@require_safe
@site_page
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Google News sitemap: what went live in the last two days, in every language."""
    edge.keys_add(edge.SITEMAP)
    rows = _live_versions(since=timezone.now() - NEWS_WINDOW)
    for row in rows:
        row["loc"] = request.build_absolute_uri(_article_path(row["lang"], row["slug"]))
    xml = loader.render_to_string("site/news_sitemap.xml", {"rows": rows, "SITE_NAME": settings.DESK_SITE_NAME})
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")
