"""Editors' desk: the board, assigning, review, history, publishing, audit and stats (issue 6)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from translations import selectors
from translations.models import State
from translations.views import desk_member_required


@desk_member_required
def home(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or ""
    qs = selectors.translations_visible_to(user=request.user).order_by("due_at", "-updated_at")
    if state in State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "desk/board.html",
        {"translations": qs[:100], "counts": selectors.translation_state_counts(), "state": state, "states": State},
    )
