"""Desk pages of the editorial core: importing, the inbox, feeds."""

from django.urls import URLPattern, path

from newsroom.desk import views as desk_views

urlpatterns: list[URLPattern] = [
    path("import/", desk_views.import_article, name="import"),
    path("import/manual/", desk_views.import_manual, name="import_manual"),
    path("a/<int:pk>/", desk_views.article_detail, name="article"),
    path("a/<int:pk>/raw/", desk_views.article_raw, name="article_raw"),
    path("a/<int:pk>/resync/", desk_views.article_resync, name="article_resync"),
    path("inbox/", desk_views.inbox_view, name="inbox"),
    path("inbox/item/<int:pk>/import/", desk_views.inbox_item_import, name="inbox_item_import"),
    path("inbox/item/<int:pk>/reject/", desk_views.inbox_item_reject, name="inbox_item_reject"),
    path("inbox/a/<int:pk>/reject/", desk_views.inbox_article_reject, name="inbox_article_reject"),
    path("feeds/", desk_views.feeds_view, name="feeds"),
    path("feeds/<int:pk>/poll/", desk_views.feed_poll_now, name="feed_poll_now"),
]
