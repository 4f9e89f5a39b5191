"""Celery tasks of the translations app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from translations import claims, workflow
from translations.people import notifications


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def notifications_send(ids: list[int]) -> int:
    return notifications.notifications_send(ids=ids)


@shared_task
def notifications_send_pending() -> int:
    return notifications.notifications_send()


@shared_task
def translations_publish_due() -> list[int]:
    return workflow.translations_publish_due()


@shared_task
def claims_expire() -> dict[str, int]:
    return claims.claims_expire()
