"""``manage.py site_pages_render [--all]``: render the stored pages of live stories again.

By default only the pages that are missing or were rendered with other templates, locale files
or settings (their stamp differs; see ``newsroom.site.rendering.stored``): run it after a deployment. The
stored body (``body_html``) of those stories is rendered again from its live blocks first.
Until then such pages are rendered per request, so nothing stale is ever served.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article
from newsroom.site.rendering import render
from newsroom.site.rendering import stored as pages


class Command(BaseCommand):
    help = "Render the stored pages of live stories again (those out of date, or --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="every live story, not only those out of date")
        parser.add_argument(
            "--newest", type=int, default=0, help="only the N newest live stories (the front of the archive first)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for lang in settings.PUBLISHING_LANGUAGES:
            field = build_localized_fieldname("page", lang)
            live = Article.objects.filter(Article.live_q(lang))
            if not options["all"]:
                live = live.exclude(**{f"{field}__contains": {"stamp": pages.page_stamp(lang)}})
            if options["newest"] > 0:
                published = build_localized_fieldname("published_at", lang)
                newest = Article.objects.filter(Article.live_q(lang)).order_by(f"-{published}", "-pk")
                live = live.filter(pk__in=list(newest.values_list("pk", flat=True)[: options["newest"]]))
            ids = list(live.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), 200):
                chunk = ids[start : start + 200]
                with transaction.atomic():
                    # The body first (its template may have changed too), then the page around it.
                    for article in Article.objects.filter(pk__in=chunk).only("pk", f"body_{lang}", f"body_html_{lang}"):
                        render.article_body_render_again(article=article, language=lang)
                    total += render.article_pages_render(pks=chunk, language=lang)
            if options["all"] or pages.listing_stored(name="home", lang=lang) is None:
                render.home_listing_render(language=lang)  # after the stories: it shows their teasers
        self.stdout.write(f"Rendered {total} pages.")
