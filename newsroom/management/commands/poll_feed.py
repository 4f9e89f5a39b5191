"""``manage.py poll_feed URL [--list] [--json]``: read a feed from the shell.

With ``--list`` the feed at URL is only fetched and parsed (nothing is stored) and, with
``--json``, stdout is one object ``{"url", "items": [{"url", "title", "published"}]}``.
Without it, the stored Feed with that URL is polled now (items upserted, imported when the
feed says so). A refused or failed feed exits with status 1 and one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from newsroom.management.commands.import_article import iso, one_line
from newsroom.models import Feed
from newsroom.sources import feeds, fetching
from newsroom.sources import polling as feed_polling


class Command(BaseCommand):
    help = "List a feed's items, or poll a stored feed now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--list", action="store_true", help="only fetch and list the items; store nothing")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"]
        if options["list"]:
            self.list_feed(url, as_json=options["json"])
        else:
            self.poll_stored(url, as_json=options["json"])

    def list_feed(self, url: str, *, as_json: bool) -> None:
        try:
            response = fetching.fetch(url, accept="feed", timeout=feed_polling.FEED_FETCH_TIMEOUT)
            parsed = feeds.parse_feed(content=response.content, url=response.final_url)
        except (fetching.FetchError, feeds.FeedRejected) as exc:
            self.fail(f"Feed refused: {exc}")
        except Exception as exc:
            self.fail(f"Feed failed: {exc.__class__.__name__}: {exc}")
        items = [{"url": e.url, "title": e.title, "published": iso(e.published)} for e in parsed.items]
        if as_json:
            self.stdout.write(json.dumps({"url": url, "items": items}, ensure_ascii=False))
        else:
            for item in items:
                self.stdout.write(f"{item['published'] or '-'}  {item['url']}  {item['title']}")

    def poll_stored(self, url: str, *, as_json: bool) -> None:
        feed = Feed.objects.filter(url=url).first()
        if feed is None:
            self.fail(f"No stored feed has the address {url}; add it on the desk's feeds page first.")
        try:
            result = feed_polling.feed_poll(feed_id=feed.pk)
        except Exception as exc:
            self.fail(f"Feed failed: {exc.__class__.__name__}: {exc}")
        summary = {
            "url": url,
            "not_modified": result.not_modified,
            "new_items": result.new_items,
            "imported": result.imported,
            "failed": result.failed,
            "error": result.error or None,
        }
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        elif not result.error:
            self.stdout.write(
                "Not modified." if result.not_modified else
                f"{result.new_items} new item(s), {result.imported} imported, {result.failed} failed."
            )  # fmt: skip
        if result.error:
            self.fail(f"Feed refused: {result.error}")
