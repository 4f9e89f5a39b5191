"""Editors' desk: the board, assigning, review, history, publishing, audit and stats.

Thin views: selectors read, services (``workflow``, ``review``) write. Every view checks the
role on the server: ``desk_member_required`` (anonymous → login, no role → 403), objects
through ``translations_visible_to`` (404 outside it), then the permission predicate of the
action (403). State changes go through the workflow; approve / request changes / unpublish /
correct are posted to the shared ``desk:transition`` endpoint.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from newsroom import machine_assist, publishing
from newsroom.core import times
from newsroom.core.db_routing import lag_tolerant_view
from newsroom.core.roles import desk_member_required, editor_required
from newsroom.models import Article, AuditEntry
from translations import machine_drafts, permissions, review, selectors, stats, versions, workflow
from translations.desk import pages
from translations.desk.editorial_forms import (
    AssignForm,
    AuditFilterForm,
    BoardFilterForm,
    CommentForm,
    OpenJobForm,
    PublishForm,
)
from translations.models import Comment, Role, State, Translation
from translations.people import names as people
from translations.workflow.actions import Publish
from translations.workflow.system import JobExists

PAGE_SIZE = 50
PINNED_STATES = (State.APPROVED, State.SCHEDULED, State.PUBLISHED)


def _editor_only(request: HttpRequest) -> None:
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("This page is for editors."))


def _visible(request: HttpRequest, pk: int) -> Translation:
    return get_object_or_404(selectors.translations_visible_to(user=request.user), pk=pk)


# --- Board ---------------------------------------------------------------------------


@desk_member_required
def home(request: HttpRequest) -> HttpResponse:
    """The board: every visible translation by state, filtered, searched and paginated."""
    form = BoardFilterForm(
        request.GET or None,
        # Hundreds of people in each list: only the columns their labels read.
        members=selectors.desk_members().only(*people.DESK_NAME_FIELDS),
        reviewers=selectors.desk_reviewers().only(*people.DESK_NAME_FIELDS),
        viewer=request.user,
    )
    return render(request, "desk/board.html", pages.board_page(user=request.user, form=form, query=request.GET))


# --- Assigning and opening jobs ----------------------------------------------------------


@desk_member_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    translation = _visible(request, pk)
    if not permissions.can_assign(user=request.user, translation=translation):
        raise PermissionDenied(_("Only editors can assign jobs."))
    members, reviewers = selectors.desk_members_with_load(), selectors.reviewers_with_load()
    initial = {
        "translator": translation.translator_id,
        "reviewer": translation.reviewer_id,
        "due_at": translation.due_at,
    }
    form = AssignForm(request.POST or None, members=members, reviewers=reviewers, initial=initial, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.translation_assign(
                translation=translation,
                by=request.user,
                translator=form.cleaned_data["translator"],
                reviewer=form.cleaned_data["reviewer"],
                due_at=form.cleaned_data["due_at"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Assigned."))
            return redirect(translation)
        except workflow.WorkflowError as e:
            form.add_error(None, e.message)
    return render(
        request,
        "desk/assign.html",
        {"translation": translation, "form": form, "members": members},
        status=400 if request.method == "POST" else 200,
    )


@desk_member_required
def open_job(request: HttpRequest, article_pk: int) -> HttpResponse:
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("Only editors can open translation jobs."))
    article: Article = get_object_or_404(Article.objects.select_related("outlet"), pk=article_pk)
    form = OpenJobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            translation = workflow.translation_create(article=article, by=request.user, **form.cleaned_data)
            messages.success(request, _("Job opened. Assign it or leave it on the board to be claimed."))
            return redirect("desk:assign", pk=translation.pk)
        except JobExists as e:
            messages.info(request, e.message)
            return redirect(e.translation)
        except workflow.WorkflowError as e:
            form.add_error(None, e.message)
    existing = article.translations.exclude(state=State.SPIKED)
    return render(
        request,
        "desk/_open_job.html",
        {"article": article, "form": form, "existing": existing},
        status=400 if request.method == "POST" else 200,
    )


@editor_required
@require_POST
def inbox_article_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The inbox's Accept (an imported article): open its translation job and go to it."""
    article: Article = get_object_or_404(Article.objects.select_related("current_revision"), pk=pk)
    try:
        translation = workflow.translation_create(article=article, by=request.user)
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("desk:inbox")
    messages.success(request, _("Translation job opened."))
    return redirect(translation)


# --- Review --------------------------------------------------------------------------


def _can_see_review(user: Any, translation: Translation) -> bool:
    return permissions.is_reviewer(user) or permissions.is_translator_of(user, translation)


@desk_member_required
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything readers will get: text with its diff, notes, omissions with their reasons,
    check warnings and the credit lines, next to the source and the comment threads."""
    translation = _visible(request, pk)
    if not _can_see_review(request.user, translation):
        raise PermissionDenied(_("Only reviewers, editors and the translator can open the review."))
    return render(request, "desk/review.html", pages.review_page(user=request.user, translation=translation))


@desk_member_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    translation = _visible(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment before sending it."))
        return redirect("desk:review", pk=pk)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], translation=translation)
    try:
        review.comment_add(
            translation=translation,
            by=request.user,
            block_id=form.cleaned_data.get("block_id") or "",
            body=form.cleaned_data["body"],
            parent=parent,
        )
        messages.success(request, _("Comment added."))
    except review.ReviewError as e:
        messages.error(request, e.message)
    anchor = f"#block-{form.cleaned_data.get('block_id')}" if form.cleaned_data.get("block_id") else ""
    return redirect(reverse("desk:review", kwargs={"pk": pk}) + anchor)


@desk_member_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("translation"), pk=pk)
    if not selectors.translations_visible_to(user=request.user).filter(pk=comment.translation_id).exists():
        raise Http404("No such comment")
    review.comment_resolve(comment=comment, by=request.user)
    messages.success(request, _("Marked resolved."))
    return redirect(reverse("desk:review", kwargs={"pk": comment.translation_id}) + f"#comment-{comment.pk}")


# --- History -------------------------------------------------------------------------


@desk_member_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """Versions and events of a job, two versions compared (``?a=&b=``), and the source's changes."""
    translation = _visible(request, pk)
    if not (permissions.is_reviewer(request.user) or permissions.is_translator_of(request.user, translation)):
        raise PermissionDenied(_("Only reviewers, editors and the translator can see this history."))
    return render(
        request, "desk/history.html", pages.history_page(user=request.user, translation=translation, query=request.GET)
    )


@desk_member_required
@require_http_methods(["GET", "POST"])
def restore_version(request: HttpRequest, pk: int, version_id: int) -> HttpResponse:
    """Restore asks first: a GET (or a POST without ``confirm``) shows what will happen; only the
    confirmation's own POST restores."""
    translation = _visible(request, pk)
    version = get_object_or_404(review.versions_of(translation), pk=version_id)
    if not permissions.can_edit_text(user=request.user, translation=translation):
        raise PermissionDenied(_("Only the assigned translator or an editor can restore a version."))
    if request.method != "POST" or not request.POST.get("confirm"):
        return render(
            request,
            "desk/restore_confirm.html",
            {
                "translation": translation,
                "version": version,
                "number": pages.version_number(translation, version),
                "opens_correction": translation.state == State.PUBLISHED,
            },
        )
    try:
        restored = review.version_restore(translation=translation, version=version, by=request.user)
    except (PermissionDenied, review.ReviewError, workflow.WorkflowError) as e:
        messages.error(request, getattr(e, "message", None) or str(e))
        return redirect("desk:history", pk=pk)
    if restored.is_correction and translation.state == State.PUBLISHED:
        messages.success(
            request,
            _(
                "A correction is open with the old version's text. Write the correction note and send it for "
                "a second look; readers see the published version until someone else approves it. "
                "Opened by mistake? Discard the correction."
            ),
        )
        return redirect(restored)
    messages.success(request, _("The old version is now the working copy (saved as a new version)."))
    return redirect("desk:history", pk=pk)


@desk_member_required
@require_POST
def follow_source(request: HttpRequest, pk: int) -> HttpResponse:
    translation = _visible(request, pk)
    if not (permissions.is_editor(request.user) or permissions.can_review(user=request.user, translation=translation)):
        raise PermissionDenied(_("Only editors and reviewers can do this."))
    try:
        review.translation_follow_source(translation=translation, by=request.user)
        messages.success(request, _("The translation now follows the current source."))
    except review.ReviewError as e:
        messages.error(request, e.message)
    except workflow.WorkflowError as e:
        messages.error(request, e.message)
    except PermissionDenied as e:
        messages.error(request, str(e))
    return redirect("desk:history", pk=pk)


# --- Preview and publishing ------------------------------------------------------------


def _publish_form(translation: Translation, data: Any = None) -> tuple[PublishForm, list[dict[str, Any]]]:
    rows = review.credit_rows(translation)
    choices = [(r["credit"].pk, f"{Role(r['credit'].role).label}: {r['preview_name']}") for r in rows]
    initial = {"credited": [r["credit"].pk for r in rows if r["credit"].is_credited], "when": "now"}
    return PublishForm(data, credit_choices=choices, initial=initial), rows


@desk_member_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What readers will see, from the working copy; nothing is written."""
    translation = _visible(request, pk)
    if not permissions.is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers and editors can preview."))
    form, rows = _publish_form(translation)
    return _render_preview(request, translation, form, rows)


def _render_preview(
    request: HttpRequest, translation: Translation, form: PublishForm, rows: list[dict[str, Any]], status: int = 200
) -> HttpResponse:
    article = translation.article
    credited = [r for r in rows if r["credit"].is_credited]
    actions = workflow.available_actions(user=request.user, translation=translation)
    # Past review, readers get the approved version: show exactly that, and say if the working
    # copy differs. Before approval, the working copy is all there is.
    pin = versions.approved_pin(translation) if translation.state in PINNED_STATES else None
    shown = versions.approved_copy(translation, pin) if pin is not None else translation
    body = publishing.live_body(translation=shown)
    share = publishing.live_machine_share(translation=shown, body=body)
    return render(
        request,
        "desk/preview.html",
        {
            "translation": translation,
            "shown": shown,
            "pin": pin,
            "working_copy_differs": pin is not None
            and pin.event.content_hash != versions.working_copy_hash(translation),
            "article": article,
            "byline": publishing.live_byline(translation=shown, article=article),
            "body": body,
            "machine_credit": machine_assist.credit_words(share),  # the rule publication will store
            # Same shape as the site's credits ({"name": …}): both render site/_blocks.html#credits.
            "translators": [{"name": r["preview_name"]} for r in credited if r["credit"].role == Role.TRANSLATOR],
            "reviewers": [{"name": r["preview_name"]} for r in credited if r["credit"].role == Role.REVIEWER],
            "credit_rows": rows,
            "form": form,
            "can_publish": "publish" in actions,
            "actions": actions,
            "live_url": pages.live_story_url(translation),
            "corrections": article.corrections.filter(language=translation.language),
        },
        status=status,
    )


@desk_member_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the credits, then publish now or schedule (time read in the desk time zone)."""
    translation = _visible(request, pk)
    if not permissions.can_publish(user=request.user, translation=translation):
        raise PermissionDenied(_(Publish.refusal))
    form, rows = _publish_form(translation, request.POST)
    if not form.is_valid():
        return _render_preview(request, translation, form, rows, status=400)
    try:
        credited = form.cleaned_data["credited"]
        if form.cleaned_data["when"] == "schedule":
            at = form.cleaned_data["at"]
            workflow.translation_schedule(translation=translation, by=request.user, at=at, credited_ids=credited)
            when = times.desk_time(at, "j M Y H:i")
            messages.success(request, _("Scheduled for %(when)s.") % {"when": when})
        else:
            workflow.translation_publish(translation=translation, by=request.user, credited_ids=credited)
            messages.success(request, _("Published."))
    except (workflow.WorkflowError, review.ReviewError) as e:
        form.add_error("at" if form.cleaned_data["when"] == "schedule" else None, e.message)
        return _render_preview(request, translation, form, rows, status=400)
    return redirect("desk:preview", pk=pk)


# --- Audit and stats ---------------------------------------------------------------------


@desk_member_required
@lag_tolerant_view
def audit(request: HttpRequest) -> HttpResponse:
    _editor_only(request)
    form = AuditFilterForm(request.GET or None)
    qs = AuditEntry.objects.select_related("actor__contributor").order_by("-created_at", "-pk")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            qs = qs.filter(actor__username=data["actor"].strip())
        if data["action"]:
            qs = qs.filter(action__startswith=data["action"].strip())
        if data["date_from"]:
            qs = qs.filter(created_at__gte=timezone.make_aware(dt.datetime.combine(data["date_from"], dt.time.min)))
        if data["date_to"] and data["date_to"] < dt.date.max:
            end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min)
            qs = qs.filter(created_at__lt=timezone.make_aware(end))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "desk/audit.html", {"form": form, "page": page, "query": query.urlencode()})


@desk_member_required
@lag_tolerant_view
def stats_page(request: HttpRequest) -> HttpResponse:
    _editor_only(request)
    return render(request, "desk/stats.html", {**stats.desk_stats(), "machine": machine_drafts.machine_share()})
