"""URLs of a person's account security (namespace ``desk``): factors, verifying, sessions, and
the editors' reset for someone who lost every factor."""

from django.urls import URLPattern, path

from translations.desk import security_views as views

urlpatterns: list[URLPattern] = [
    path("account/security/", views.overview, name="security"),
    path("account/security/app/", views.totp_add, name="totp_add"),
    path("account/security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/security/<str:kind>/<int:pk>/remove/", views.factor_remove, name="factor_remove"),
    path("account/verify/", views.verify, name="factor_verify"),
    path("account/sessions/", views.sessions_page, name="sessions"),
    path("people/reset-factors/", views.factor_reset, name="factor_reset"),
]
