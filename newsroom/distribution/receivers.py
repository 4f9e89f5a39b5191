"""Glue: ``publishing.live_changed`` → the deliveries it makes (and the source outlet's notice)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from newsroom import publishing
from newsroom.distribution import newsletters, outlets, webhooks
from newsroom.models import Article

# A first publication dated longer ago than this is a backfill (``import_archive`` brings stories
# published years ago in another CMS): it is not news, so nobody is pushed or told.
BACKFILL_AGE = dt.timedelta(days=1)


def live_changed(sender: Any, *, article: Article, language: str, kind: publishing.LiveChange, **kwargs: Any) -> None:
    """Receiver of ``publishing.live_changed`` (inside the publishing transaction)."""
    published_at = getattr(article, build_localized_fieldname("published_at", language))
    if kind == publishing.LiveChange.PUBLISHED and published_at and published_at < timezone.now() - BACKFILL_AGE:
        return
    webhooks.deliveries_create(article=article, language=language, event=str(kind))
    if kind == publishing.LiveChange.PUBLISHED:
        outlets.outlet_notice_create(article=article, language=language)


def live_changed_many(
    sender: Any, *, articles: list[Article], language: str, kind: publishing.LiveChange, **kwargs: Any
) -> None:
    """Receiver of ``publishing.live_changed_many`` (new stories published together): the same
    rule for each, in order."""
    for article in articles:
        live_changed(sender, article=article, language=language, kind=kind)


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An account deleted with the privacy tools (``translations.privacy.user_delete``): its
    address's newsletter subscriptions go too."""
    if instance.email:
        newsletters.subscriber_data_delete(email=instance.email)


def connect() -> None:
    publishing.live_changed.connect(live_changed, dispatch_uid="distribution-live-changed")
    publishing.live_changed_many.connect(live_changed_many, dispatch_uid="distribution-live-changed-many")
    post_delete.connect(_user_deleted, sender=get_user_model(), dispatch_uid="distribution-user-deleted")
