from django.urls import path

from translations import editorial_views

urlpatterns = [
    path("", editorial_views.home, name="home"),
]
