"""The desk's URLs (namespace ``desk``), gathered from the modules that own each surface."""

from django.urls import path

from newsroom.desk import urls as urls_desk
from newsroom.distribution import urls as urls_distribution
from translations.desk import urls_editorial, urls_workspace, views

app_name = "desk"

urlpatterns = [
    *urls_editorial.urlpatterns,
    *urls_workspace.urlpatterns,
    *urls_desk.urlpatterns,
    *urls_distribution.urlpatterns,
    # Shared by every surface: one endpoint per workflow transition (POST only).
    path("t/<int:pk>/do/<slug:action>/", views.transition, name="transition"),
]
