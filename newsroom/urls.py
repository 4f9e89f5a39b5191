from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from newsroom.core import health
from newsroom.site import sitemaps
from newsroom.site import views as site_views
from newsroom.site.api import api
from newsroom.site.cache import site_page
from newsroom.site.media import media_urlpatterns
from translations.desk import security_views, workspace_views
from translations.desk.workspace_forms import AdminLoginForm, LoginForm

# Both login forms refuse impossible user names with a message (axes logs attempts in 255 characters).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),  # for the load balancer (docs/DEPLOYMENT.md)
    path("accounts/login/", workspace_views.DeskLoginView.as_view(authentication_form=LoginForm), name="login"),
    # The same sign-in for a script (editor.js's dialog when a session ended mid-edit): JSON, no redirect.
    path("accounts/login/json/", workspace_views.login_json, name="login_json"),
    # Django's password views, ending other sessions and throttled (translations/desk/security_views.py).
    path("accounts/password_change/", security_views.PasswordChange.as_view(), name="password_change"),
    path("accounts/password_reset/", security_views.PasswordReset.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/", security_views.PasswordResetConfirm.as_view(), name="password_reset_confirm"
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Passkey ceremonies (django-otp-webauthn's JSON endpoints, the completions marking the session).
    path("accounts/passkeys/", include((security_views.webauthn_urlpatterns(), "otp_webauthn"))),
    path("desk/", include("translations.urls")),
    # Public on purpose (the invitee has no account yet), so outside the login-only desk namespace.
    path("join/<str:token>/", workspace_views.invite_accept, name="invite_accept"),
    path("api/v1/", api.urls),
    path("newsletter/", include("newsroom.distribution.public_urls")),  # readers' digests (no account)
    path("robots.txt", site_views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        site_page(sitemap_views.sitemap),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news_sitemap"),
    *media_urlpatterns(),  # stored source pictures on local storage (newsroom/site/media.py)
]
# The reader site in each publishing language: English at /, the others under /de/ etc.
urlpatterns += i18n_patterns(path("", include("newsroom.site.urls")), prefix_default_language=False)

handler403 = "newsroom.error_pages.permission_denied"
handler404 = "newsroom.error_pages.page_not_found"
handler500 = "newsroom.site.views.server_error"
