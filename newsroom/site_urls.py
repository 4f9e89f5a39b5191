from django.urls import path

from newsroom import site_views

app_name = "site"

urlpatterns = [
    path("", site_views.home, name="home"),
    path("articles/<slug:slug>/", site_views.article, name="article"),
    path("tags/<slug:slug>/", site_views.home, name="tag"),
    path("outlets/<slug:slug>/", site_views.home, name="outlet"),
]
