from django.urls import path

from translations import workspace_views

urlpatterns = [
    path("t/<int:pk>/", workspace_views.translation_detail, name="translation"),
]
