"""``{{ person|desk_name:user }}``: a person's desk label as the viewer may see it (see translations/people.py)."""

from __future__ import annotations

from typing import Any

from django import template

from translations.people import names as people

register = template.Library()


@register.filter
def desk_name(person: Any, viewer: Any) -> str:
    return people.desk_name(person=person, viewer=viewer)
