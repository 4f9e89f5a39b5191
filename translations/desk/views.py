"""The shared endpoint of the workflow's verbs: one view runs any registered verb."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newsroom.core.roles import desk_member_required
from translations import selectors, workflow
from translations.desk.forms import TransitionForm
from translations.workflow import registry


@desk_member_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST ``comment`` (and ``at`` to schedule): run the verb ``action`` of the registry, say
    how it went, and return to the job. A verb whose own page carries its form is not run here."""
    translation = get_object_or_404(selectors.translations_visible_to(user=request.user), pk=pk)
    form = TransitionForm(request.POST)
    verb = registry.verb(action)
    if verb is None or not verb.takes_transition_form:
        raise PermissionDenied(_("Unknown action."))
    if not form.is_valid():
        messages.error(request, _("Please correct the form."))
        return redirect(translation)
    try:
        verb(translation=translation, by=request.user, **verb.form_arguments(form.cleaned_data)).execute()
        messages.success(request, verb.success_message(translation))
    except workflow.WorkflowError as e:
        messages.error(request, e.message)
    except PermissionDenied as e:
        messages.error(request, str(e) or _("You may not do that."))
    return redirect(translation)
