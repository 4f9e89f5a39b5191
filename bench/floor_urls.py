"""The benchmark's URLconf: the real site plus ``/_floor/``, a minimal Django view rendering a tiny template.

Used only by ``bench/site.py`` through ``bench/site_settings.py`` (``ROOT_URLCONF``): production never
imports it, so the floor view adds no public surface.
"""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from newsroom import urls as site_urls

TINY = engines["django"].from_string(
    '<!DOCTYPE html><html lang="en"><title>{{ title }}</title><main><p>{{ text }}</p></main></html>'
)


def floor(request: HttpRequest) -> HttpResponse:
    """The framework floor: the same middleware stack, one tiny template, no database."""
    return HttpResponse(TINY.render({"title": "Floor", "text": "The framework floor."}))


urlpatterns = [path("_floor/", floor), *site_urls.urlpatterns]
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
