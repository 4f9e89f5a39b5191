"""Reads of distribution for the desk: a partner's deliveries, where a story went."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from newsroom.distribution.models import Delivery, DeliveryAttempt, NewsletterIssue, OutletNotice, Partner


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


def story_distribution(*, article_id: int, language: str) -> dict[str, Any]:
    """Where a story went in ``language``, for its history on the desk: the deliveries to
    partners (with their attempts), the newsletter issues that listed it (with how many copies
    went out) and the notice to its source outlet."""
    return {
        "deliveries": list(article_deliveries(article_id=article_id).filter(language=language)),
        "issues": list(
            NewsletterIssue.objects.filter(language=language, article_ids__contains=[article_id])
            .annotate(n_sent=Count("sends", filter=Q(sends__sent_at__isnull=False)))
            .order_by("-period_end")
        ),
        "outlet_notice": OutletNotice.objects.filter(article_id=article_id, language=language).first(),
    }
