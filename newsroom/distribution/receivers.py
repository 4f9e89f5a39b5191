"""Glue: ``publishing.live_changed`` → the deliveries it makes (and the source outlet's notice)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete

from newsroom import publishing
from newsroom.distribution import newsletters, outlets, webhooks
from newsroom.models import Article


def live_changed(sender: Any, *, article: Article, language: str, kind: publishing.LiveChange, **kwargs: Any) -> None:
    """Receiver of ``publishing.live_changed`` (inside the publishing transaction)."""
    webhooks.deliveries_create(article=article, language=language, event=str(kind))
    if kind == publishing.LiveChange.PUBLISHED:
        outlets.outlet_notice_create(article=article, language=language)


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An account deleted with the privacy tools (``translations.privacy.user_delete``): its
    address's newsletter subscriptions go too."""
    if instance.email:
        newsletters.subscriber_data_delete(email=instance.email)


def connect() -> None:
    publishing.live_changed.connect(live_changed, dispatch_uid="distribution-live-changed")
    post_delete.connect(_user_deleted, sender=get_user_model(), dispatch_uid="distribution-user-deleted")
