"""Celery tasks of distribution: thin wrappers that take ids and call the services.

``delivery_send`` is safe to run twice (a delivered delivery is not sent again, and the
partner sees the same ``webhook-id``), hence ``acks_late``; a failed attempt is recorded by the
service, then retried with exponential back-off (``retry_backoff``) and jitter.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from newsroom.distribution import newsletters, outlets, webhooks


@shared_task(
    acks_late=True,
    autoretry_for=(webhooks.DeliveryFailed,),
    retry_backoff=getattr(settings, "WEBHOOK_RETRY_BACKOFF", 30),
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    max_retries=getattr(settings, "WEBHOOK_MAX_RETRIES", 8),
)
def delivery_send(delivery_id: int) -> None:
    webhooks.delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True)
def delivery_replay(delivery_id: int) -> None:
    """One attempt, on an editor's request; a failure is recorded and shown, not retried."""
    try:
        webhooks.delivery_send(delivery_id=delivery_id, replay=True)
    except webhooks.DeliveryFailed:
        return


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def outlet_notice_send(notice_id: int) -> None:
    outlets.outlet_notice_send(notice_id=notice_id)


@shared_task
def newsletters_send_due() -> list[int]:
    return newsletters.newsletters_send_due()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def newsletter_issue_send(issue_id: int) -> int:
    """One batch, then the next one queued: a worker killed mid-issue leaves the copy it was
    sending waiting (its transaction rolled back), and the issue is sent on from where it
    stopped when the task runs again (``newsletters_send_due`` queues unfinished issues daily)."""
    remaining = newsletters.issue_send_batch(issue_id=issue_id)
    if remaining:
        newsletter_issue_send.delay(issue_id)
    return remaining
