"""Read-side queries for the desk, with their joins already applied."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from translations import permissions
from translations.models import State, Translation


def translations_visible_to(*, user: Any) -> QuerySet[Translation]:
    """Editors and reviewers see every job; translators see open jobs and their own; others nothing."""
    qs = Translation.objects.select_related("article", "article__outlet", "translator", "reviewer", "source_revision")
    if permissions.is_reviewer(user):
        return qs
    if permissions.is_desk_member(user):
        from django.db.models import Q

        return qs.filter(Q(state=State.OPEN) | Q(translator=user))
    return qs.none()


def translation_state_counts() -> dict[str, int]:
    counts = dict(Translation.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in State.values}
