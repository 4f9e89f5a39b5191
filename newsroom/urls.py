from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from newsroom.site import sitemaps
from newsroom.site import views as site_views
from newsroom.site.cache import site_page
from translations.desk import workspace_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/", include("translations.urls")),
    # Public on purpose (the invitee has no account yet), so outside the login-only desk namespace.
    path("join/<str:token>/", workspace_views.invite_accept, name="invite_accept"),
    path("robots.txt", site_views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        site_page(sitemap_views.sitemap),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news_sitemap"),
]
# The reader site in each publishing language: English at /, the others under /de/ etc.
urlpatterns += i18n_patterns(path("", include("newsroom.site.urls")), prefix_default_language=False)

handler404 = "newsroom.site.views.page_not_found"
handler500 = "newsroom.site.views.server_error"
