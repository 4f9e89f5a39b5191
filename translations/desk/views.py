"""Desk views: thin; they call selectors to read and the workflow/services to write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newsroom.core.roles import desk_member_required
from translations import selectors, workflow
from translations.desk.forms import TransitionForm

SIMPLE_TRANSITIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "claim": (workflow.translation_claim, _("The job is yours.")),
    "release": (workflow.translation_release, _("Released back to the board.")),
    "submit": (workflow.translation_submit, _("Sent for review.")),
    "request_changes": (workflow.translation_request_changes, _("Changes requested; the translator has been told.")),
    "approve": (workflow.translation_approve, _("Approved.")),
    "publish": (workflow.translation_publish, _("Published.")),
    "unschedule": (workflow.translation_unschedule, _("Schedule cancelled.")),
    "restore": (workflow.translation_restore, _("Restored.")),
}


@desk_member_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    translation = get_object_or_404(selectors.translations_visible_to(user=request.user), pk=pk)
    form = TransitionForm(request.POST)
    if action not in SIMPLE_TRANSITIONS and action not in {"unpublish", "spike", "correct", "schedule"}:
        raise PermissionDenied(_("Unknown action."))
    if not form.is_valid():
        messages.error(request, _("Please correct the form."))
        return redirect(translation)
    comment = form.cleaned_data["comment"]
    try:
        if action == "unpublish":
            workflow.translation_unpublish(translation=translation, by=request.user, reason=comment)
            messages.success(request, _("Unpublished."))
        elif action == "spike":
            workflow.translation_spike(translation=translation, by=request.user, reason=comment)
            messages.success(request, _("Spiked."))
        elif action == "correct":
            workflow.translation_correct(translation=translation, by=request.user, note=comment)
            messages.success(
                request,
                _(
                    "Correction opened: edit the text, write the correction note and send it for a second look. "
                    "Readers see the published version until someone else approves it."
                ),
            )
        elif action == "schedule":
            at = form.cleaned_data.get("at")
            if at is None:
                messages.error(request, _("Choose when to publish."))
                return redirect(translation)
            workflow.translation_schedule(translation=translation, by=request.user, at=at, comment=comment)
            messages.success(request, _("Scheduled."))
        else:
            func, done = SIMPLE_TRANSITIONS[action]
            if action == "approve" and translation.is_correction:
                done = _("Approved: the correction is published.")
            if action == "claim":
                workflow.translation_claim(translation=translation, by=request.user)
            elif action == "request_changes":
                workflow.translation_request_changes(translation=translation, by=request.user, comment=comment)
            else:
                func(translation=translation, by=request.user, comment=comment)
            messages.success(request, done)
    except workflow.WorkflowError as e:
        messages.error(request, e.message)
    except PermissionDenied as e:
        messages.error(request, str(e) or _("You may not do that."))
    return redirect(translation)
