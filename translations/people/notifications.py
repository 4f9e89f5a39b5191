"""Notifications: recorded with the change that causes them, delivered after commit.

The workflow calls :func:`notifications_record` inside its transaction, so a notice exists
if and only if the change committed (an outbox). Delivery is queued on commit; if the broker
is down then, the beat task ``notifications_send_pending`` picks the notice up later. Each
email is sent at most once: the row is locked and ``emailed_at`` set in the same
transaction as the send, and it carries ``Message-ID: <notice-<id>@…>``, so the one repeat
left (SMTP accepted, the process killed before the commit) is the same message
(``newsroom.core.mail``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import Error, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.core.mail import message_id, sent_mark_retried
from newsroom.core.queue import enqueue
from translations.models import Contributor, Notification, NotificationKind, WorkflowEvent
from translations.people.names import desk_name, public_name

__all__ = ["public_name"]  # kept here for callers that name a person in an email

log = logging.getLogger(__name__)

SUBJECTS = {
    NotificationKind.ASSIGNED: _("A translation job is yours: %(title)s"),
    NotificationKind.CLAIM_EXPIRING: _("Your claim expires soon: %(title)s"),
    NotificationKind.CLAIM_EXPIRED: _("Your claim expired: %(title)s"),
    NotificationKind.REVIEW_REQUESTED: _("Ready for review: %(title)s"),
    NotificationKind.CHANGES_REQUESTED: _("Changes requested: %(title)s"),
    NotificationKind.APPROVED: _("Approved: %(title)s"),
    NotificationKind.PUBLISHED: _("Published: %(title)s"),
    NotificationKind.COMMENT: _("New comment: %(title)s"),
    # Information only: the translator keeps the credit and has nothing to do.
    NotificationKind.CORRECTING: _("An editor is correcting your translation of %(title)s"),
    NotificationKind.MENTION: _("You were mentioned in a comment: %(title)s"),
}


def reviewers_except(user: Any) -> list[Any]:
    users = get_user_model().objects.filter(is_active=True, groups__name__in=["reviewer", "editor"]).distinct()
    return [u for u in users if user is None or u.pk != user.pk]


def notifications_record(
    *,
    event: WorkflowEvent | None,
    recipients: Iterable[tuple[Any, str]],
    key: str = "",
    text: str = "",
    url: str = "",
    actor: Any = None,
) -> list[int]:
    """Create the on-desk notices for ``recipients`` (``(user, kind)`` pairs), skipping muted kinds
    and the actor themself. Idempotent per ``(key, user)``. Returns the new notification ids.

    The notice names who did it (the event's actor, or ``actor``) as that recipient may see
    them (:func:`translations.people.names.desk_name`): only editors read a hidden real name."""
    ids: list[int] = []
    if event is not None:
        actor = event.actor
    for user, kind in recipients:
        if user is None or (event is not None and event.actor_id == user.pk):
            continue
        muted = Contributor.objects.filter(user=user).values_list("muted_notifications", flat=True).first() or []
        if kind in muted:
            continue
        subject, link, notice_key = text, url, key
        if event is not None:
            translation = event.translation
            title = translation.title or translation.article.source_title
            subject = text or str(SUBJECTS[NotificationKind(kind)] % {"title": title})
            link = url or translation.get_absolute_url()
            notice_key = key or f"event:{event.pk}"
        notice, created = Notification.objects.get_or_create(
            key=notice_key,
            user=user,
            defaults={"kind": kind, "event": event, "text": _notice_text(subject, actor, user), "url": link},
        )
        if created:
            ids.append(notice.pk)
    return ids


def _notice_text(subject: str, actor: Any, recipient: Any) -> str:
    """One line (it is also the email subject) of at most 500 characters; the name survives a long title."""
    subject = " ".join(str(subject).split())
    name = " ".join(desk_name(person=actor, viewer=recipient).split())
    if not name:
        return subject[:500]
    suffix = str(_(" — by %(name)s") % {"name": name})[:200]
    return subject[: 500 - len(suffix)] + suffix


def notifications_queue(ids: list[int]) -> None:
    """Hand delivery to Celery; if the broker is unreachable the pending sweep sends them later."""

    try:
        enqueue("translations.tasks.notifications_send", ids)
    except Exception:  # the broker is down: the outbox keeps the notices
        log.warning("Broker unavailable; %d notification(s) wait for the pending sweep", len(ids), exc_info=True)


def notification_message(*, notice: Notification) -> EmailMessage:
    """The e-mail of ``notice``: its line as the subject, and a ``Message-ID`` derived from the
    notice, the same every time it is made (a copy sent again is recognisably the same message)."""
    body = render_to_string(
        "emails/notification.txt",
        {"notice": notice, "link": settings.SITE_URL + notice.url, "site_name": settings.DESK_SITE_NAME},
    )
    return EmailMessage(
        notice.text,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [notice.user.email],
        headers={"Message-ID": message_id(kind="notice", key=notice.pk)},
    )


def notifications_send(*, ids: Iterable[int] | None = None) -> int:
    """Email every unsent notice in ``ids`` (or all pending ones). Returns how many were sent.

    Each notice in its own step (``newsroom.core.mail``): claimed under its row lock (``SKIP
    LOCKED``: another sender has it), sent, and marked in that transaction; if the commit fails
    after the send, the mark is retried in a new transaction until the database answers."""
    sent = 0
    qs = Notification.objects.filter(emailed_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    for pk in list(qs.values_list("pk", flat=True)):
        left = False
        try:
            with transaction.atomic():
                notice = (
                    # of=self: lock the notice only. Locking the joined user row too (the default) made
                    # every insert referencing that person (their next notice, their audit entries)
                    # wait for as long as the SMTP server took (found by bench/cluster_drill.py).
                    Notification.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("user")
                    .filter(pk=pk, emailed_at__isnull=True)
                    .first()
                )
                if notice is None or not notice.user.email:
                    continue
                notification_message(notice=notice).send()
                left = True
                notice.emailed_at = timezone.now()
                notice.save(update_fields=["emailed_at"])
        except Error:  # the database went away after the send (the commit failed)
            if not left:
                raise
            sent_mark_retried(mark=functools.partial(_notice_mark_sent, pk=pk), what=f"Notice {pk}")
        sent += 1
    return sent


def _notice_mark_sent(*, pk: int) -> int:
    return Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(emailed_at=timezone.now())


def notifications_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s notices (or all of them) read; returns how many changed.

    Only the person's own unread notices are touched, so an id that is not theirs changes nothing.
    """
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
