"""Glue: ``publishing.live_changed`` → the deliveries it makes (and the source outlet's notice)."""

from __future__ import annotations

from typing import Any

from newsroom import publishing
from newsroom.distribution import outlets, webhooks
from newsroom.models import Article


def live_changed(sender: Any, *, article: Article, language: str, kind: publishing.LiveChange, **kwargs: Any) -> None:
    """Receiver of ``publishing.live_changed`` (inside the publishing transaction)."""
    webhooks.deliveries_create(article=article, language=language, event=str(kind))
    if kind == publishing.LiveChange.PUBLISHED:
        outlets.outlet_notice_create(article=article, language=language)


def connect() -> None:
    publishing.live_changed.connect(live_changed, dispatch_uid="distribution-live-changed")
