"""Who has a job open right now: short-lived cache entries, one per browser tab.

The job page records its tab on load (without JavaScript that is all: the list is as of the
page load) and ``presence.js`` beats every few seconds through ``desk:presence``, saying whether
the person is typing. Nothing here is a record: an entry is forgotten ``PRESENCE_TTL`` seconds
after its last beat. The last save of each job is remembered the same way, so a stale save can
say whether it was the person's own other tab.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache

from translations.models import Translation
from translations.people.names import desk_name

#: Seconds a tab counts as open after its last beat (the script beats every 15 s).
PRESENCE_TTL = 45
#: Seconds a person counts as typing after their last keystroke's beat.
TYPING_TTL = 20
_TAB = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def new_tab() -> str:
    """An id for one open page (a tab), unguessable and short."""
    return secrets.token_urlsafe(9)


def clean_tab(value: Any) -> str:
    """``value`` if it is a tab id, else ""."""
    return value if isinstance(value, str) and _TAB.match(value) else ""


def _key(translation_id: int) -> str:
    return f"desk:presence:{translation_id}"


def _saved_key(translation_id: int) -> str:
    return f"desk:last-save:{translation_id}"


def presence_beat(*, translation: Translation, user: Any, tab: str, typing: bool = False) -> None:
    """Note that ``user`` has ``translation`` open in ``tab`` now (and is typing, if ``typing``)."""
    tab = clean_tab(tab)
    if not tab:
        return
    now = time.time()
    entries: dict[str, dict[str, Any]] = cache.get(_key(translation.pk)) or {}
    entries = {k: v for k, v in entries.items() if now - float(v.get("at", 0)) < PRESENCE_TTL}
    previous = entries.get(tab, {})
    entries[tab] = {
        "user": user.pk,
        "at": now,
        "typing_at": now if typing else float(previous.get("typing_at", 0)),
    }
    cache.set(_key(translation.pk), entries, PRESENCE_TTL * 2)


@dataclass(frozen=True)
class Present:
    """Someone else who has the job open: their desk name as the viewer may see it."""

    name: str
    typing: bool


def presence_now(*, translation: Translation, viewer: Any, tab: str) -> dict[str, Any]:
    """Who else has ``translation`` open: ``others`` (one :class:`Present` per person, by name)
    and ``my_other_tabs`` (how many other tabs of the viewer's own)."""
    now = time.time()
    entries: dict[str, dict[str, Any]] = cache.get(_key(translation.pk)) or {}
    live = {k: v for k, v in entries.items() if now - float(v.get("at", 0)) < PRESENCE_TTL}
    mine = sum(1 for k, v in live.items() if v.get("user") == viewer.pk and k != tab)
    typing: dict[int, bool] = {}
    for v in live.values():
        uid = int(v.get("user", 0))
        if uid and uid != viewer.pk:
            typing[uid] = typing.get(uid, False) or now - float(v.get("typing_at", 0)) < TYPING_TTL
    people = get_user_model().objects.filter(pk__in=list(typing)).select_related("contributor")
    others = sorted(
        (Present(name=desk_name(person=p, viewer=viewer), typing=typing[p.pk]) for p in people),
        key=lambda p: p.name.lower(),
    )
    return {"others": others, "my_other_tabs": mine}


def presence_saved(*, translation: Translation, user: Any, tab: str) -> None:
    """Remember who saved ``translation`` last, from which tab."""
    cache.set(_saved_key(translation.pk), {"user": user.pk, "tab": clean_tab(tab)}, 3600)


def saved_in_my_other_tab(*, translation: Translation, user: Any, tab: str) -> bool:
    """The newer save a stale edit met was the same person's, from another tab (or window)."""
    last = cache.get(_saved_key(translation.pk)) or {}
    return bool(last) and last.get("user") == user.pk and last.get("tab") != clean_tab(tab)
