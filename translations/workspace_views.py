"""Translators' workspace: job board, side-by-side editor, autosave, profile (issue 5)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from translations import selectors, workflow
from translations.views import desk_member_required


@desk_member_required
def translation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    translation = get_object_or_404(selectors.translations_visible_to(user=request.user), pk=pk)
    rows = [
        {"block": block, "target": translation.blocks.get(block["id"], {})}
        for block in translation.source_revision.blocks
    ]
    return render(
        request,
        "desk/translation.html",
        {
            "translation": translation,
            "rows": rows,
            "actions": workflow.available_actions(user=request.user, translation=translation),
            "events": translation.events.select_related("actor"),
        },
    )
