"""``manage.py import_article URL [--outlet SLUG] [--json]``: import one story from the shell.

Scripts rely on the contract: with ``--json`` stdout is exactly one JSON object
``{"id", "created", "url", "title", "language", "published", "authors", "blocks", "confidence"}``
(``confidence``: the importer's score from 0 to 1, or null for a pasted story; added after
the others, which keep their meaning); any
refusal or failure exits with status 1, one human-readable line on stderr and nothing saved.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from newsroom.core import schema
from newsroom.models import Article, Outlet
from newsroom.sources import fetching, importing


def one_line(message: object) -> str:
    return " ".join(str(message).split()) or "failed"


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def article_json(article: Article, *, created: bool) -> dict[str, Any]:
    return {
        "id": article.pk,
        "created": created,
        "url": article.source_url,
        "title": article.source_title,
        "language": article.language,
        "published": iso(article.source_published_at),
        "authors": list(article.authors),
        "blocks": [
            {"id": b.get("id"), "kind": b.get("kind"), "text": b.get("text", ""), "html": b.get("html", "")}
            for b in article.blocks
        ],
        "confidence": (article.current_revision.extraction_confidence or {}).get("score")
        if article.current_revision
        else None,
    }


class Command(BaseCommand):
    help = "Fetch a story by its address and store it as an article (or show the one already stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--outlet", help="slug of the outlet to file the story under")
        parser.add_argument("--json", action="store_true", help="print the article as one JSON object")

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            schema.schema_ensure(say=lambda line: self.stderr.write(line, style_func=lambda s: s))
        except schema.SchemaNotReady as exc:
            self.fail(exc)
        outlet = None
        if options["outlet"]:
            outlet = Outlet.objects.filter(slug=options["outlet"]).first()
            if outlet is None:
                self.fail(f"Import refused: there is no outlet with the slug {options['outlet']!r}.")
        try:
            result = importing.article_import(url=options["url"], by=None, outlet=outlet)
        except (fetching.FetchError, importing.ImportRefused) as exc:
            self.fail(f"Import refused: {exc}")
        except Exception as exc:  # the contract: one line, no traceback
            self.fail(f"Import failed: {exc.__class__.__name__}: {exc}")
        article = Article.objects.select_related("current_revision").get(pk=result.article.pk)
        if options["json"]:
            self.stdout.write(json.dumps(article_json(article, created=result.created), ensure_ascii=False))
        else:
            verb = "Imported" if result.created else "Already imported"
            self.stdout.write(f"{verb}: article {article.pk} {article.source_url} ({len(article.blocks)} blocks)")
