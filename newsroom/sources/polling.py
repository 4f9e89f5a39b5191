"""Polling feeds: conditional GET, parse, upsert FeedItems, optionally import them.

Each feed is polled by its own Celery task (``newsroom.tasks.feed_poll``), so a feed that
hangs or serves garbage only delays itself: the fetch has a wall-clock cap
(``FEED_FETCH_TIMEOUT``) and any failure is recorded on the feed, which then backs off
exponentially (interval × 2^consecutive errors, at most a day). Auto-imported items are
imported one by one with ``importing.article_import``; a failing item is marked ``failed``
with its reason and the poll goes on. ``Feed.progress_total``/``progress_done`` count the
items of the current import run so the feeds page can show "12 of 40 imported".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from newsroom.core.audit import audit_record
from newsroom.core.queue import enqueue
from newsroom.models import Feed, FeedItem
from newsroom.sources import feeds, fetching, importing

logger = logging.getLogger(__name__)

FEED_FETCH_TIMEOUT = 20.0
FEED_MAX_BYTES = 5_000_000
MAX_BACKOFF = dt.timedelta(hours=24)


@dataclass
class PollResult:
    """What one poll did. ``error`` is the one-line message stored on the feed, if any."""

    feed_id: int
    not_modified: bool = False
    new_items: int = 0
    imported: int = 0
    failed: int = 0
    error: str = ""
    item_ids: list[int] = field(default_factory=list)


def _one_line(message: str) -> str:
    return " ".join(str(message).split())[:1000]


def _backoff(feed: Feed, errors: int) -> dt.timedelta:
    interval = dt.timedelta(minutes=feed.poll_interval_minutes)
    if interval >= MAX_BACKOFF:
        return MAX_BACKOFF
    # 2**errors grows fast: stop doubling once past the cap instead of computing huge numbers.
    factor = 2 ** min(errors, 20)
    return min(interval * factor, MAX_BACKOFF)


def _record_error(feed: Feed, message: str, now: dt.datetime) -> None:
    errors = feed.consecutive_errors + 1
    Feed.objects.filter(pk=feed.pk).update(
        last_error=_one_line(message),
        last_error_at=now,
        consecutive_errors=errors,
        last_polled_at=now,
        next_poll_at=now + _backoff(feed, errors),
    )


def feed_poll(*, feed_id: int, raise_temporary: bool = False) -> PollResult:
    """Poll one feed now. Called by the ``feed_poll`` task, the ``poll_feed`` command and tests.

    Changes: the feed's poll bookkeeping (etag, last_modified, last/next poll, errors,
    progress), new FeedItem rows, and — when ``auto_import`` — Articles through
    ``importing.article_import`` (each item ``imported`` or ``failed``). Never raises for a
    bad feed: the error is stored on the feed; with ``raise_temporary`` a temporary fetch
    failure is raised again after being recorded so the task can retry.
    """
    feed = Feed.objects.select_related("outlet").get(pk=feed_id)
    result = PollResult(feed_id=feed.pk)
    started = timezone.now()
    try:
        response = fetching.fetch(
            feed.url,
            accept="feed",
            etag=feed.etag or None,
            last_modified=feed.last_modified or None,
            timeout=FEED_FETCH_TIMEOUT,
            max_bytes=FEED_MAX_BYTES,
        )
        if response.not_modified:
            Feed.objects.filter(pk=feed.pk).update(
                last_polled_at=started,
                next_poll_at=started + dt.timedelta(minutes=feed.poll_interval_minutes),
                consecutive_errors=0,
                last_error="",
            )
            result.not_modified = True
            return result
        parsed = feeds.parse_feed(content=response.content, url=response.final_url)
    except fetching.TemporaryFetchError as exc:
        result.error = _one_line(str(exc))
        _record_error(feed, result.error, timezone.now())
        if raise_temporary:
            raise
        return result
    except (fetching.FetchError, feeds.FeedRejected) as exc:
        result.error = _one_line(str(exc))
        _record_error(feed, result.error, timezone.now())
        return result

    known = set(feed.items.values_list("url", flat=True))
    fresh = [
        FeedItem(feed=feed, url=entry.url[:1000], guid=(entry.guid or "")[:1000], title=entry.title[:1000],
                 published_at=entry.published)
        for entry in parsed.items
        if entry.url[:1000] not in known
    ]  # fmt: skip
    created = FeedItem.objects.bulk_create(fresh, ignore_conflicts=True)
    new_urls = [item.url for item in created]
    result.new_items = len(new_urls)
    now = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(
        etag=response.headers.get("etag", "")[:300],
        last_modified=response.headers.get("last-modified", "")[:100],
        title=feed.title or parsed.title[:300],
        last_polled_at=now,
        next_poll_at=now + dt.timedelta(minutes=feed.poll_interval_minutes),
        consecutive_errors=0,
        last_error="",
    )
    to_import = list(feed.items.filter(url__in=new_urls, status=FeedItem.Status.NEW).order_by("pk"))
    result.item_ids = [item.pk for item in to_import]
    if feed.auto_import and to_import:
        _import_items(feed, to_import, result)
    return result


def _import_items(feed: Feed, items: list[FeedItem], result: PollResult) -> None:
    Feed.objects.filter(pk=feed.pk).update(progress_total=len(items), progress_done=0)
    for done, item in enumerate(items, start=1):
        try:
            imported = importing.article_import(url=item.url, by=None, outlet=feed.outlet)
        except (fetching.FetchError, importing.ImportRefused) as exc:
            FeedItem.objects.filter(pk=item.pk).update(status=FeedItem.Status.FAILED, error=_one_line(str(exc)))
            result.failed += 1
        except Exception as exc:  # one broken page must not stop the rest of the feed
            logger.exception("Importing feed item %s failed", item.pk)
            FeedItem.objects.filter(pk=item.pk).update(
                status=FeedItem.Status.FAILED, error=_one_line(f"Unexpected error: {exc.__class__.__name__}")
            )
            result.failed += 1
        else:
            FeedItem.objects.filter(pk=item.pk).update(
                status=FeedItem.Status.IMPORTED, article=imported.article, error=""
            )
            result.imported += 1
        Feed.objects.filter(pk=feed.pk).update(progress_done=done)


def feeds_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of active feeds whose next poll is due (never polled, or next_poll_at passed)."""
    now = now or timezone.now()
    return list(
        Feed.objects.filter(is_active=True)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .order_by("next_poll_at", "pk")
        .values_list("pk", flat=True)
    )


def feeds_poll_due(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue one ``feed_poll`` task per due feed. Called by the beat task every minute.

    Each due feed's ``next_poll_at`` is pushed one interval ahead first, so a feed whose task
    is still queued (or hanging) is not queued again on the next beat.
    """

    now = now or timezone.now()
    ids = []
    for feed in Feed.objects.filter(pk__in=feeds_due(now=now)):
        claimed = (
            Feed.objects.filter(pk=feed.pk)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .update(next_poll_at=now + dt.timedelta(minutes=feed.poll_interval_minutes))
        )
        if claimed:
            ids.append(feed.pk)
    for feed_id in ids:
        enqueue("newsroom.tasks.feed_poll", feed_id)
    return ids


def feed_poll_enqueue(*, feed: Feed) -> None:
    """Queue a poll of ``feed`` now ("poll now" on the feeds page). Editors only (view checks)."""

    enqueue("newsroom.tasks.feed_poll", feed.pk)


@transaction.atomic
def feed_create(*, by: Any, outlet: Any, url: str, **fields: Any) -> Feed:
    """An editor adds a feed of ``outlet``: writes the Feed and an audit entry; it is polled on
    the next beat. Callers check the role (the desk's feeds page is for editors and reviewers)."""
    feed = Feed.objects.create(outlet=outlet, url=url, **fields)
    audit_record(actor=by, action="feed.add", target=feed, url=feed.url)
    return feed
