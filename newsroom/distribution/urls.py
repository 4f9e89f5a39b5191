"""Desk pages of distribution (namespace ``desk``, included by ``translations.urls``)."""

from django.urls import URLPattern, path

from newsroom.distribution import views

urlpatterns: list[URLPattern] = [
    path("partners/", views.partners, name="partners"),
    path("partners/<int:pk>/", views.partner, name="partner"),
    path("partners/<int:pk>/resume/", views.partner_resume, name="partner_resume"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
