"""The reader site's URLs; mounted under ``i18n_patterns`` (English without a prefix, /de/… for others)."""

from django.urls import path, register_converter

from newsroom.site import feeds as site_feeds
from newsroom.site import views as site_views
from newsroom.site.cache import site_page


class TagSlugConverter:
    """Tag slugs may be Unicode (publishing falls back to the lower-cased name); never control characters."""

    regex = r"[^/\x00-\x1f\x7f]{1,120}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TagSlugConverter, "tagslug")

app_name = "site"

urlpatterns = [
    path("", site_views.home, name="home"),
    path("articles/<slug:slug>/", site_views.article, name="article"),
    path("tags/<tagslug:slug>/", site_views.tag, name="tag"),
    path("tags/<tagslug:slug>/rss.xml", site_page(site_feeds.TagRss()), name="tag_rss"),
    path("tags/<tagslug:slug>/atom.xml", site_page(site_feeds.TagAtom()), name="tag_atom"),
    path("outlets/<slug:slug>/", site_views.outlet, name="outlet"),
    path("outlets/<slug:slug>/rss.xml", site_page(site_feeds.OutletRss()), name="outlet_rss"),
    path("outlets/<slug:slug>/atom.xml", site_page(site_feeds.OutletAtom()), name="outlet_atom"),
    path("translators/<slug:slug>/", site_views.translator, name="translator"),
    path("search/", site_views.search_page, name="search"),
    path("archive/", site_views.archive, name="archive"),
    path("archive/<int:year>/<int:month>/", site_views.archive_month, name="archive_month"),
    path("feeds/rss.xml", site_page(site_feeds.LatestRss()), name="rss"),
    path("feeds/atom.xml", site_page(site_feeds.LatestAtom()), name="atom"),
]
