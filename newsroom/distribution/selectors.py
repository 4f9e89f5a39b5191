"""Reads of distribution for the desk: a partner's deliveries, where a story went."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from newsroom.distribution.models import Delivery, DeliveryAttempt, Partner


def partner_deliveries(*, partner: Partner) -> QuerySet[Delivery]:
    """The partner's deliveries, newest first, each with its attempts in order."""
    return (
        Delivery.objects.filter(partner=partner)
        .select_related("article")
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("at", "pk")))
    )


def article_deliveries(*, article_id: int) -> QuerySet[Delivery]:
    """Where a story was pushed: its deliveries to partners, newest first, with attempts."""
    return (
        Delivery.objects.filter(article_id=article_id)
        .select_related("partner")
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("at", "pk")))
    )
