"""Partners' webhooks: who gets which event, signing, sending, retrying, pausing, replaying.

Each matching ``live_changed`` makes one :class:`Delivery` per partner inside the publishing
transaction (its payload the story as ninjs, frozen then, and a stable ``webhook-id``) and
queues :func:`delivery_send` on commit. A delivery is signed per the Standard Webhooks
specification (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``; the library
``standardwebhooks``) and POSTed through the importer's safe fetching (its SSRF rules: only
public addresses). Every attempt is a :class:`DeliveryAttempt` row. A temporary failure (no
answer, 5xx, 408, 429) raises :class:`DeliveryFailed`, which the Celery task retries with
exponential back-off; after ``WEBHOOK_PAUSE_AFTER`` failed attempts in a row the partner is
paused (its pending deliveries held) and the editor who created it is e-mailed, once.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from newsroom.core.audit import audit_record
from newsroom.core.errors import DeskError
from newsroom.core.mail import message_id
from newsroom.core.queue import enqueue
from newsroom.distribution.models import Delivery, DeliveryAttempt, Event, Partner
from newsroom.distribution.ninjs import story_ninjs
from newsroom.models import Article, Outlet, Tag
from newsroom.sources import fetching

PAUSE_AFTER_DEFAULT = 5


class DeliveryFailed(DeskError):
    """The partner did not take the delivery this time; worth retrying later."""


def _pause_after() -> int:
    return int(getattr(settings, "WEBHOOK_PAUSE_AFTER", PAUSE_AFTER_DEFAULT))


# --------------------------------------------------------------------------- partners (editors)


def partner_address_check(*, url: str) -> None:
    """Refuse an address the importer would not fetch (raises ``fetching.BlockedURL``)."""
    fetching.address_check(url)


@transaction.atomic
def partner_create(
    *,
    by: Any,
    name: str,
    url: str,
    events: list[str],
    languages: list[str],
    tags: list[Tag] | None = None,
    outlets: list[Outlet] | None = None,
) -> Partner:
    """An editor adds a partner (the view checks the role; the address is checked here too)."""
    partner_address_check(url=url)
    partner = Partner.objects.create(name=name, url=url, events=events, languages=languages, created_by=by)
    partner.tags.set(tags or [])
    partner.outlets.set(outlets or [])
    audit_record(actor=by, action="partner.create", target=partner, url=url)
    return partner


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    by: Any,
    name: str,
    url: str,
    events: list[str],
    languages: list[str],
    tags: list[Tag] | None = None,
    outlets: list[Outlet] | None = None,
) -> Partner:
    """An editor changes a partner's address or what it subscribes to."""
    partner_address_check(url=url)
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    locked.name, locked.url, locked.events, locked.languages = name, url, events, languages
    locked.save()
    locked.tags.set(tags or [])
    locked.outlets.set(outlets or [])
    audit_record(actor=by, action="partner.update", target=locked, url=url)
    return locked


@transaction.atomic
def partner_resume(*, partner: Partner, by: Any) -> Partner:
    """An editor resumes a paused partner: its held deliveries are sent again."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    locked.is_paused, locked.paused_at, locked.consecutive_failures = False, None, 0
    locked.save(update_fields=["is_paused", "paused_at", "consecutive_failures"])
    held = list(locked.deliveries.filter(status=Delivery.Status.HELD).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=held).update(status=Delivery.Status.PENDING)
    audit_record(actor=by, action="partner.resume", target=locked, held=len(held))
    for pk in held:
        _queue(pk)
    return locked


# --------------------------------------------------------------------------- deliveries


def partners_for(*, article: Article, language: str, event: str) -> list[Partner]:
    """The active partners subscribed to ``event`` for ``article`` in ``language``."""
    tag_ids = list(article.tags.values_list("pk", flat=True))
    return list(
        Partner.objects.filter(is_paused=False, events__contains=[event])
        .filter(Q(languages=[]) | Q(languages__contains=[language]))
        .filter(Q(tags__isnull=True) | Q(tags__in=tag_ids))
        .filter(Q(outlets__isnull=True) | Q(outlets=article.outlet_id))
        .distinct()
    )


def deliveries_create(*, article: Article, language: str, event: str) -> list[Delivery]:
    """Inside the publishing transaction: one delivery per matching partner, sent on commit."""
    partners = partners_for(article=article, language=language, event=event)
    if not partners:
        return []
    article = Article.objects.select_related("outlet").get(pk=article.pk)  # as the site's rendering left it
    document = story_ninjs(
        article=article, language=language, pubstatus="canceled" if event == Event.UNPUBLISHED else "usable"
    )
    payload = json.loads(
        json.dumps({"type": f"story.{event}", "timestamp": timezone.now(), "data": document}, cls=DjangoJSONEncoder)
    )
    deliveries = [
        Delivery.objects.create(partner=p, article=article, language=language, event=event, payload=payload)
        for p in partners
    ]
    for delivery in deliveries:
        _queue(delivery.pk)
    return deliveries


def _queue(delivery_id: int) -> None:
    transaction.on_commit(lambda: enqueue("newsroom.distribution.tasks.delivery_send", delivery_id))


def signed_headers(*, partner: Partner, delivery: Delivery, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for ``body`` sent at ``at``."""
    return {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(partner.secret).sign(delivery.webhook_id, at, body),
        "Content-Type": "application/json",
    }


def delivery_send(*, delivery_id: int, replay: bool = False) -> DeliveryAttempt | None:
    """Send one delivery (the Celery task calls it; safe to run twice: a delivered one is not
    sent again unless replayed). Records the attempt; raises :class:`DeliveryFailed` on a
    temporary failure so that the task retries; pauses the partner after too many failures."""
    delivery = Delivery.objects.select_related("partner").filter(pk=delivery_id).first()
    if delivery is None or (delivery.status == Delivery.Status.DELIVERED and not replay):
        return None
    partner = delivery.partner
    if partner.is_paused:
        Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.DELIVERED).update(
            status=Delivery.Status.HELD
        )
        return None
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    at = datetime.now(tz=UTC)
    started = time.monotonic()
    status_code: int | None = None
    answer = error = ""
    try:
        result = fetching.post(
            partner.url,
            body=body.encode(),
            headers=signed_headers(partner=partner, delivery=delivery, body=body, at=at),
            timeout=float(getattr(settings, "WEBHOOK_TIMEOUT", 10)),
            max_bytes=2000,
        )
        status_code = result.status
        answer = result.content.decode("utf-8", "replace")[:500]
    except fetching.FetchError as exc:
        error = str(exc)[:500]
    ok = status_code is not None and 200 <= status_code < 300
    if not ok and not error:
        error = _("The partner answered %(status)s.") % {"status": status_code}
    attempt = _attempt_record(
        delivery=delivery,
        status_code=status_code,
        answer=answer,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
        ok=ok,
        replay=replay,
    )
    if not ok:
        raise DeliveryFailed(error)
    return attempt


@transaction.atomic
def _attempt_record(
    *, delivery: Delivery, status_code: int | None, answer: str, error: str, duration_ms: int, ok: bool, replay: bool
) -> DeliveryAttempt:
    attempt = DeliveryAttempt.objects.create(
        delivery=delivery,
        status_code=status_code,
        answer=answer,
        error=error,
        duration_ms=duration_ms,
        is_success=ok,
        is_replay=replay,
    )
    partner = Partner.objects.select_for_update().get(pk=delivery.partner_id)
    if ok:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.DELIVERED, delivered_at=attempt.at)
        Partner.objects.filter(pk=partner.pk).update(consecutive_failures=0)
        return attempt
    Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.DELIVERED).update(
        status=Delivery.Status.FAILED
    )
    Partner.objects.filter(pk=partner.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    partner.refresh_from_db(fields=["consecutive_failures"])
    if not partner.is_paused and partner.consecutive_failures >= _pause_after():
        _partner_pause(partner=partner)
    return attempt


def _partner_pause(*, partner: Partner) -> None:
    """Too many failures in a row: stop sending and tell the editor who created the partner."""
    partner.is_paused, partner.paused_at = True, timezone.now()
    partner.save(update_fields=["is_paused", "paused_at"])
    audit_record(actor=None, action="partner.pause", target=partner, failures=partner.consecutive_failures)
    owner = partner.created_by
    if owner is not None and owner.email:
        subject = _("Webhook paused: %(name)s") % {"name": partner.name}
        text = _(
            "The partner %(name)s did not take %(n)s deliveries in a row, so the desk stopped sending to "
            "%(url)s. Its deliveries wait; resume it on its page when the endpoint works again:\n%(page)s\n"
        ) % {
            "name": partner.name,
            "n": partner.consecutive_failures,
            "url": partner.url,
            "page": settings.SITE_URL + partner.get_absolute_url(),
        }
        # Sent once, after the pause commits (a pause happens once until an editor resumes it);
        # its Message-ID names the partner and the pause, so a repeat is recognisably the same.
        message = EmailMessage(
            subject,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [owner.email],
            headers={
                "Message-ID": message_id(
                    kind="partner-paused", key=f"{partner.pk}-{int(partner.paused_at.timestamp())}"
                )
            },
        )
        transaction.on_commit(lambda: message.send(fail_silently=True))


@transaction.atomic
def delivery_replay(*, delivery: Delivery, by: Any) -> Delivery:
    """An editor sends a delivery again, with the same ``webhook-id`` and payload (a partner
    that keeps the ids it saw ignores a copy it already has)."""
    locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
    audit_record(actor=by, action="delivery.replay", target=locked)
    transaction.on_commit(lambda: enqueue("newsroom.distribution.tasks.delivery_replay", locked.pk))
    return locked
