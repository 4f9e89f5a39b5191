"""Desk pages of the editorial core: importing, the inbox, feeds (issue 4)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
