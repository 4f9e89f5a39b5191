"""Machine drafts from the desk: ask from the editor, poll, pre-draft from the board.

Plain forms work without JavaScript (the request redirects back and the drafts are on the
page once the task has run); ``machine_draft.js`` sends the same forms with ``Accept:
application/json`` and polls ``machine_draft_status`` to fill the boxes without a reload.
Permissions are checked by the services; objects outside ``translations_visible_to`` are 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from newsroom.core.roles import desk_member_required
from translations import machine_drafts, permissions, selectors
from translations.assist.machine import MachineError
from translations.models import MachineDraftJob, State


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _fail(request: HttpRequest, message: str, status: int, back: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": "refused", "message": message}, status=status)
    messages.error(request, message)
    return redirect(back)


@desk_member_required
@require_POST
def machine_draft_request(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``block`` (one block id) or nothing (every empty block). JSON: ``{"job", "status_url"}``."""
    t = get_object_or_404(selectors.translations_visible_to(user=request.user), pk=pk)
    block = request.POST.get("block", "").strip()[:60]
    try:
        job = machine_drafts.machine_draft_request(translation=t, by=request.user, block_ids=[block] if block else None)
    except MachineError as e:
        return _fail(request, e.message, 503, t.get_absolute_url())
    except PermissionDenied as e:
        return _fail(request, str(e), 403, t.get_absolute_url())
    status_url = reverse("desk:machine_draft_status", kwargs={"pk": t.pk, "job_pk": job.pk})
    if _wants_json(request):
        return JsonResponse({"job": job.pk, "status_url": status_url}, status=202)
    job.refresh_from_db()
    if job.status == MachineDraftJob.Status.FAILED:
        messages.error(request, job.message)
    elif job.status == MachineDraftJob.Status.DONE:
        messages.success(request, _("Machine draft ready: %(n)d paragraph(s) filled.") % {"n": job.drafted})
    else:
        messages.info(request, _("Machine draft requested. Reload this page in a moment to see it."))
    return redirect(t)


@desk_member_required
@require_GET
def machine_draft_status(request: HttpRequest, pk: int, job_pk: int) -> JsonResponse:
    """The job's state for the editor's script; the drafted texts once it is done."""
    t = get_object_or_404(selectors.translations_visible_to(user=request.user), pk=pk)
    job = get_object_or_404(MachineDraftJob.objects.select_related("translation"), pk=job_pk, translation=t)
    return JsonResponse(machine_drafts.machine_job_status(job=job))


@desk_member_required
@require_POST
def machine_draft_batch(request: HttpRequest) -> HttpResponse:
    """Editors pre-draft open jobs: the ``pk`` values given, or the soonest-due open jobs."""
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("Only editors can pre-draft jobs."))
    qs: Any = (
        selectors.translations_visible_to(user=request.user)
        .filter(state=State.OPEN)
        .exclude(machine_jobs__status=MachineDraftJob.Status.QUEUED)
    )
    pks = [int(p) for p in request.POST.getlist("pk") if p.isascii() and p.isdigit()][: machine_drafts.BATCH_LIMIT]
    qs = qs.filter(pk__in=pks) if pks else qs.order_by("due_at", "created_at")
    try:
        jobs = machine_drafts.machine_drafts_batch_request(
            translations=list(qs[: machine_drafts.BATCH_LIMIT]), by=request.user
        )
    except MachineError as e:
        messages.error(request, e.message)
        return redirect("desk:home")
    messages.success(request, _("Machine drafts requested for %(n)d open job(s).") % {"n": len(jobs)})
    return redirect("desk:home")
