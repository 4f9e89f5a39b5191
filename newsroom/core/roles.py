"""Desk roles: the groups ``editor``, ``reviewer`` and ``translator`` (created by a migration).

Superusers count as editors. A user's groups are read once per request object. Rules about
what each role may do with a translation live in ``translations/permissions.py``; these
predicates are the part every other package (sources, the desk pages) needs too.
"""

from __future__ import annotations

from typing import Any

EDITOR, REVIEWER, TRANSLATOR = "editor", "reviewer", "translator"
ROLE_GROUPS = (EDITOR, REVIEWER, TRANSLATOR)


def _groups(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached: set[str] | None = getattr(user, "_desk_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._desk_groups = cached
    return cached


def is_editor(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or EDITOR in _groups(user)


def is_reviewer(user: Any) -> bool:
    return is_editor(user) or REVIEWER in _groups(user)


def is_desk_member(user: Any) -> bool:
    """Anyone who may use the desk at all: translators, reviewers, editors."""
    return is_editor(user) or bool(_groups(user) & set(ROLE_GROUPS))
