"""Celery tasks of the editorial core: thin wrappers that take ids and call services.

``feed_poll`` is safe to run twice (items are unique per feed and URL, imports are keyed on
the canonical URL), hence ``acks_late``; a temporary fetch failure (timeout, 5xx) is recorded
on the feed by the service and then retried with backoff.
"""

from __future__ import annotations

from celery import shared_task

from newsroom.models import Feed
from newsroom.sources import polling as feed_polling
from newsroom.sources.fetching import TemporaryFetchError


@shared_task
def feeds_poll_due() -> list[int]:
    return feed_polling.feeds_poll_due()


@shared_task(acks_late=True, autoretry_for=(TemporaryFetchError,), retry_backoff=30, max_retries=3)
def feed_poll(feed_id: int) -> dict[str, object]:
    if not Feed.objects.filter(pk=feed_id).exists():  # deleted while the task waited in the queue
        return {"feed_id": feed_id, "deleted": True}
    result = feed_polling.feed_poll(feed_id=feed_id, raise_temporary=True)
    return {
        "feed_id": result.feed_id,
        "new_items": result.new_items,
        "imported": result.imported,
        "error": result.error,
    }
