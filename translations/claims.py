"""Claims that go quiet: a reminder first, then the job returns to the board (Celery beat)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from translations import workflow
from translations.models import NotificationKind, State, Translation
from translations.people import notifications


def claims_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind holders of claims idle for ``DESK_CLAIM_REMINDER_DAYS``; release claims idle for
    ``DESK_CLAIM_EXPIRY_DAYS`` that were reminded. Returns counts of each."""
    now = now or timezone.now()
    remind_before = now - dt.timedelta(days=settings.DESK_CLAIM_REMINDER_DAYS)
    expire_before = now - dt.timedelta(days=settings.DESK_CLAIM_EXPIRY_DAYS)
    idle = Translation.objects.filter(state=State.IN_PROGRESS, translator__isnull=False, is_correction=False)
    reminded = expired = 0
    for t in idle.filter(reminded_at__isnull=True, last_activity_at__lt=remind_before).select_related("article"):
        with transaction.atomic():
            ids = notifications.notifications_record(
                event=None,
                recipients=[(t.translator, NotificationKind.CLAIM_EXPIRING)],
                key=f"remind:{t.pk}:{t.claimed_at:%Y%m%d%H%M%S}" if t.claimed_at else f"remind:{t.pk}",
                text=str(notifications.SUBJECTS[NotificationKind.CLAIM_EXPIRING] % {"title": t.article.source_title}),
                url=t.get_absolute_url(),
            )
            Translation.objects.filter(pk=t.pk).update(reminded_at=now)
            if ids:
                transaction.on_commit(lambda ids=ids: notifications.notifications_queue(ids), robust=True)  # type: ignore[misc]
        reminded += 1
    for t in idle.filter(
        reminded_at__isnull=False, reminded_at__lt=now - dt.timedelta(days=1), last_activity_at__lt=expire_before
    ):
        workflow.translation_expire_claim(translation=t)
        expired += 1
    return {"reminded": reminded, "expired": expired}
