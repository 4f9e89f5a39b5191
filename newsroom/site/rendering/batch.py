"""The one batch context of the reader site's rendering (see :func:`newsroom.site.rendering.owner.batch`).

While a batch is open, what publications set off is collected here instead of done at once:
the first publications themselves (their bodies, related lists and offers are worked out together),
the related lists each publication offers its neighbours, the stories whose stored pages must
be rendered again, and the stories whose cached pages must be forgotten. The owner does it all
once when the batch ends.
"""

from __future__ import annotations

import contextvars
from typing import Any


class Batch:
    """What an open batch keeps until it ends."""

    def __init__(self) -> None:
        self.lists: dict[str, dict[int, list[int]]] = {}  # language: {story: its new related list}
        self.times: dict[str, dict[int, Any]] = {}  # language: {story: its publication time}
        self.pages: dict[str, set[int]] = {}  # language: stories whose stored page to render again
        self.forget: dict[int, Any] = {}  # stories whose cached pages to forget: {pk: article}
        self.purge: set[str] = set()  # edge keys to purge (newsroom.site.edge)
        # First publications not rendered yet, in order: language: {pk: article} (owner._published_flush).
        self.published: dict[str, dict[int, Any]] = {}


current: contextvars.ContextVar[Batch | None] = contextvars.ContextVar("site_rendering_batch", default=None)
