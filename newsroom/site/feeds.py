"""RSS and Atom feeds of the site, of each tag and of each outlet (django.contrib.syndication).

An item's author is the original author as the story's byline names them in the feed's
language and the *credited* names of the translators (the
snapshot taken at publication), never an account's real name unless that is the credit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from newsroom import machine_assist
from newsroom.models import Article, Outlet, Tag
from newsroom.site import edge
from newsroom.site.selectors import (
    article_url,
    credits_prefetch,
    live_articles,
    outlet_name,
    public_credits,
    site_language,
)
from translations.public import Role

FEED_SIZE = 30


def item_author(article: Article) -> str:
    """ "Alesja Šumejko (TUT.BY); translated by A. Minsker": the byline in the feed's language
    (as the story's page shows it) and the prefetched public credits, with "with machine
    assistance" when the story's page says so."""
    translators = [c["name"] for c in public_credits(article)[Role.TRANSLATOR]]
    authors, source = article.live_byline(site_language())
    original = authors or source
    if original and source and original != source:
        original = f"{original} ({source})"
    translated = _("translated by %(names)s") % {"names": ", ".join(translators)} if translators else ""
    machine = machine_assist.credit_words(article.machine_share)  # the page's rule and words
    if machine:
        translated = f"{translated} {machine}" if translated else _("translated %(how)s") % {"how": machine}
    parts = [p for p in (original, translated) if p]
    return "; ".join(parts)


class LatestRss(Feed):
    """The site's newest stories in the current publishing language (/de/feeds/rss.xml is German)."""

    description_template = None

    def title(self, obj: Any = None) -> str:
        return str(settings.DESK_SITE_NAME)

    def link(self, obj: Any = None) -> str:
        return reverse("site:home")

    def description(self, obj: Any = None) -> str:
        return _("Independent journalism from Belarus, translated into English — %(site)s.") % {
            "site": settings.DESK_SITE_NAME
        }

    def base_items(self, obj: Any) -> QuerySet[Article]:
        return live_articles(lang=site_language())

    def edge_listing(self, obj: Any) -> str:
        """The listing key of this feed (``newsroom.site.edge``)."""
        return edge.feeds(site_language())

    def get_feed(self, obj: Any, request: HttpRequest) -> Any:
        edge.keys_add(self.edge_listing(obj))
        return super().get_feed(obj, request)

    def item_extra_kwargs(self, item: Article) -> dict[str, Any]:
        # Each item names its story and (as its author) the people it credits.
        credits = [c for t in getattr(item, "live_translations", [])[:1] for c in t.credits.all()]
        edge.keys_add(edge.story(item.pk), *(edge.person(c.user_id) for c in credits if c.user_id))
        return dict(super().item_extra_kwargs(item))

    def items(self, obj: Any = None) -> list[Article]:
        lang = site_language()
        return list(self.base_items(obj).prefetch_related("tags", credits_prefetch(lang=lang))[:FEED_SIZE])

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        # RSS <description> and Atom <summary type="html"> are HTML: the plain-text lead is escaped.
        return escape(item.lead or item.seo_description)

    def item_link(self, item: Article) -> str:
        return article_url(item, site_language())

    def item_guid(self, item: Article) -> str:
        return f"article-{item.pk}-{site_language()}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Article) -> dt.datetime | None:
        return item.published_at

    def item_author_name(self, item: Article) -> str:
        return item_author(item)

    def item_categories(self, item: Article) -> list[str]:
        return [t.name for t in item.tags.all()]


class LatestAtom(LatestRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Any = None) -> str:
        return self.description(obj)


class TagRss(LatestRss):
    def get_object(self, request: HttpRequest, slug: str) -> Tag:  # type: ignore[override]
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            raise Http404("No such tag")
        return tag

    def title(self, obj: Any = None) -> str:
        return f"{settings.DESK_SITE_NAME}: {obj.name}"

    def link(self, obj: Any = None) -> str:
        return reverse("site:tag", kwargs={"slug": obj.slug})

    def description(self, obj: Any = None) -> str:
        return _("Stories tagged “%(name)s” on %(site)s.") % {"name": obj.name, "site": settings.DESK_SITE_NAME}

    def base_items(self, obj: Any) -> QuerySet[Article]:
        return live_articles(lang=site_language()).filter(tags=obj)

    def edge_listing(self, obj: Any) -> str:
        return edge.tag(obj.pk, site_language())


class TagAtom(TagRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Any = None) -> str:
        return self.description(obj)


class OutletRss(LatestRss):
    def get_object(self, request: HttpRequest, slug: str) -> Outlet:  # type: ignore[override]
        outlet = Outlet.objects.filter(slug=slug).first()
        if outlet is None:
            raise Http404("No such source")
        return outlet

    def title(self, obj: Any = None) -> str:
        return _("%(site)s: stories from %(source)s") % {
            "site": settings.DESK_SITE_NAME,
            "source": outlet_name(outlet=obj, lang=site_language()),
        }

    def link(self, obj: Any = None) -> str:
        return reverse("site:outlet", kwargs={"slug": obj.slug})

    def description(self, obj: Any = None) -> str:
        return _("Stories from %(source)s, translated into English on %(site)s.") % {
            "source": outlet_name(outlet=obj, lang=site_language()),
            "site": settings.DESK_SITE_NAME,
        }

    def base_items(self, obj: Any) -> QuerySet[Article]:
        return live_articles(lang=site_language()).filter(outlet=obj)

    def edge_listing(self, obj: Any) -> str:
        return edge.outlet(obj.pk, site_language())


class OutletAtom(OutletRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Any = None) -> str:
        return self.description(obj)
