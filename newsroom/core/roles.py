"""Desk roles: the groups ``editor``, ``reviewer`` and ``translator`` (created by a migration).

Superusers count as editors. A user's groups are read once per request object. Rules about
what each role may do with a translation live in ``translations/permissions.py``; these
predicates are the part every other package (sources, the desk pages) needs too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

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


View = Callable[..., HttpResponse]


def role_required(predicate: Callable[[Any], bool], message: Any) -> Callable[[View], View]:
    """A view decorator: log in first (anonymous → login page), then ``predicate(user)`` or 403
    with ``message``. The one role check every desk page goes through."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not predicate(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


desk_member_required = role_required(is_desk_member, _("This page is for members of the desk."))
editor_required = role_required(is_editor, _("This page is for editors."))
reviewer_required = role_required(is_reviewer, _("This page is for editors and reviewers."))
