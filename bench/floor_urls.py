"""The benchmark's URLconf: the real site plus ``/_floor/<slug>/``, the framework floor for a story.

The floor renders the same stored article the page shows (title, lead, the body HTML stored at
publication, the public credit names) from one row (credits aggregated into it) through a
minimal template, behind the same middleware: what any Django view serving this story must
at least spend. Used only by ``bench/site.py`` through ``bench/site_settings.py``
(``ROOT_URLCONF``): production never imports it, so the floor adds no public surface.
"""

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.utils.safestring import mark_safe

from newsroom import urls as site_urls
from newsroom.models import Article

FLOOR = engines["django"].from_string(
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ a.title_en }}</title>'
    '<link rel="stylesheet" href="/static/css/site.css"></head><body><main><article>'
    '<h1>{{ a.title_en }}</h1><p class="lead">{{ a.lead_en }}</p><div class="body">{{ body }}</div>'
    '<footer><p>Translated by {{ a.credit_names|join:", " }}</p></footer></article></main></body></html>'
)


def floor(request: HttpRequest, slug: str) -> HttpResponse:
    """One row: the story's live text and its public credit names."""
    a = (
        Article.objects.filter(slug_en=slug, published_at_en__isnull=False)
        .only("title_en", "lead_en", "body_html_en")
        .annotate(
            credit_names=ArrayAgg(
                "translations__credits__credit_name", filter=Q(translations__credits__is_credited=True), default=None
            )
        )
        .first()
    )
    if a is None:
        raise Http404("No such article")
    body = mark_safe(a.body_html_en)  # noqa: S308 - stored by publishing.py from sanitised blocks
    return HttpResponse(FLOOR.render({"a": a, "body": body}))


urlpatterns = [path("_floor/<slug:slug>/", floor), *site_urls.urlpatterns]
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
