"""``{% next_steps t request.user as steps %}``: the person's next actions on a job as links,
the same the job page offers (``desk.pages.next_steps``, read from the workflow's registry)."""

from __future__ import annotations

from typing import Any

from django import template

from translations.desk import pages

register = template.Library()


@register.simple_tag
def next_steps(translation: Any, user: Any) -> list[pages.NextStep]:
    if translation is None or not getattr(user, "is_authenticated", False):
        return []
    return pages.next_steps(user=user, translation=translation)
