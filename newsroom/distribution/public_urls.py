"""Readers' newsletter pages, at /newsletter/ (outside the desk)."""

from django.urls import URLPattern, path

from newsroom.distribution import public_views

urlpatterns: list[URLPattern] = [
    path("", public_views.subscribe, name="newsletter_subscribe"),
    path("confirm/<str:token>/", public_views.confirm, name="newsletter_confirm"),
    path("unsubscribe/<str:token>/", public_views.unsubscribe, name="newsletter_unsubscribe"),
]
