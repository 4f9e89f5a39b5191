from django.urls import path

from translations import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("t/<int:pk>/", views.translation_detail, name="translation"),
    path("t/<int:pk>/<slug:action>/", views.transition, name="transition"),
]
