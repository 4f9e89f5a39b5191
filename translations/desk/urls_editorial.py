"""URLs of the editors' desk; included in namespace ``desk`` by translations/urls.py."""

from django.urls import path

from translations.desk import editorial_views as views

urlpatterns = [
    path("", views.home, name="home"),
    path("t/<int:pk>/assign/", views.assign, name="assign"),
    path("a/<int:article_pk>/open/", views.open_job, name="open_job"),
    # The inbox's Accept opens a job: a translations write, so its view is here (the inbox is in newsroom/desk).
    path("inbox/a/<int:pk>/accept/", views.inbox_article_accept, name="inbox_article_accept"),
    path("t/<int:pk>/review/", views.review_page, name="review"),
    path("t/<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("c/<int:pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("t/<int:pk>/history/", views.history, name="history"),
    path("t/<int:pk>/history/<int:version_id>/restore/", views.restore_version, name="restore_version"),
    path("t/<int:pk>/follow-source/", views.follow_source, name="follow_source"),
    path("t/<int:pk>/preview/", views.preview, name="preview"),
    path("t/<int:pk>/publish/", views.publish, name="publish"),
    path("audit/", views.audit, name="audit"),
    path("stats/", views.stats_page, name="stats"),
]
