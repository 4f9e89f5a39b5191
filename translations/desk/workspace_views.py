"""Translators' workspace: job board, my work, the side-by-side editor with autosave, checks
and submission, replies to reviewers, notifications, glossary, profile, invitations.

Views are thin: they read through selectors, write through services (``editing``,
``workflow``, ``review``, ``glossary``, ``accounts``) and check permissions with the
predicates of ``permissions.py``. Objects outside ``translations_visible_to`` are 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from newsroom.core import factors, inputs
from newsroom.core.roles import desk_member_required
from translations import editing, permissions, presence, review, selectors, versions, workflow
from translations.assist import glossary, memory
from translations.desk import pages
from translations.desk.workspace_forms import (
    AcceptInvitationForm,
    GlossaryTermForm,
    InvitationForm,
    JobFilterForm,
    LoginForm,
    ProfileForm,
    RoleRequestForm,
    autosave_payload,
    editor_payload,
    posted_version,
    submit_arguments,
)
from translations.models import Comment, GlossaryTerm, Notification, Role, RoleGrant, State, Translation
from translations.people import accounts, notifications, roles
from translations.people import names as people
from translations.workflow.actions import Submit

JOBS_PER_PAGE = 30


# --- Job board and my work --------------------------------------------------------------


@desk_member_required
def jobs(request: HttpRequest) -> HttpResponse:
    """Open jobs anyone on the desk may claim, soonest due first, with filters."""
    form = JobFilterForm(request.GET or None)
    return render(request, "desk/jobs.html", pages.jobs_page(user=request.user, form=form, query=request.GET))


class DeskLoginView(auth_views.LoginView):
    """The login page. A ``next`` that is only the desk's front door (``/desk/``, which
    ``login_required`` adds for anyone who typed or followed the desk's address) is dropped, so the
    person lands where their role works (:func:`landing`: a reviewer at their review queue);
    any deeper ``next`` (a job, a review) is kept."""

    # (django-stubs give this an argument that Django 5.2's method does not take.)
    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        url = super().get_redirect_url()
        return "" if url == reverse("desk:home") else url


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_POST
def login_json(request: HttpRequest) -> JsonResponse:
    """Sign in again without leaving the page (editor.js's dialog when a session ended mid-edit).

    The login page's own form and rules (``LoginForm``: impossible user names refused first;
    django-axes counts failures and locks out after ``AXES_FAILURE_LIMIT``, answering 429
    JSON to a script), behind the same CSRF check. It takes no ``next`` and redirects nowhere:
    200 ``{"ok", "csrf_token"}`` (the token Django rotated at login, for the page's forms) or
    400 with the sentence to show."""
    form = LoginForm(request, data=request.POST)
    if not form.is_valid():
        message = " ".join(str(e) for e in form.non_field_errors()) or " ".join(
            str(e) for errors in form.errors.values() for e in errors
        )
        return JsonResponse({"error": "invalid", "message": message}, status=400)
    login(request, form.get_user())
    return JsonResponse({"ok": True, "csrf_token": get_token(request)})


@desk_member_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where a person arrives after logging in: editors at the board, reviewers at their review
    queue (My work), translators at the board of jobs."""
    user: Any = request.user
    if not permissions.is_editor(user) and permissions.is_reviewer(user):
        return redirect("desk:mine")
    return redirect("desk:home")


# How many jobs each list of My work shows (the rest are on the board, filtered).
MINE_SHOWN = 50


@desk_member_required
def mine(request: HttpRequest) -> HttpResponse:
    """The person's own translations, grouped by state (work in progress first)."""
    user: Any = request.user
    qs = (
        Translation.objects.filter(translator=user)
        .select_related("article", "article__outlet")
        .defer("blocks", "notes")
        .order_by(F("due_at").asc(nulls_last=True), "-updated_at")
    )
    order = [State.IN_PROGRESS, State.IN_REVIEW, State.APPROVED, State.SCHEDULED, State.PUBLISHED, State.SPIKED]
    groups: dict[str, list[Translation]] = {s: [] for s in order}
    for t in qs:
        # A correction is the editors' work: for its translator the story stays published.
        groups.setdefault(State.PUBLISHED if t.is_correction else t.state, []).append(t)
    changes_requested = pages.changes_requested_ids([t.pk for t in groups[State.IN_PROGRESS]])
    # Each list shows its MINE_SHOWN soonest due, the rest on the board (filtered): the page costs
    # the same for someone holding five jobs or five hundred.
    # Only the shown jobs assigned to the reviewer are loaded; a full list is counted.
    waiting = selectors.review_queue(user=user, assigned_limit=MINE_SHOWN)
    assigned, unassigned = waiting["assigned"], waiting["unassigned"][:MINE_SHOWN]
    assigned_count = len(assigned) if len(assigned) < MINE_SHOWN else selectors.review_assigned_count(user=user)
    # Each item offers its next steps: the four-eyes sets of every listed job read at once, and
    # every item made once for the page (pages.work_items).
    shown: list[Translation] = [t for s in order for t in groups[s][:MINE_SHOWN]]
    listed = [*shown, *assigned, *unassigned]  # no job twice: a reviewer's queue leaves out their own
    versions.pinned_authors_prefetch(listed)
    made = pages.work_items(user=user, translations=listed, changes_requested=changes_requested)
    items = {t.pk: item for t, item in zip(listed, made, strict=True)}
    sections = [
        {
            "state": s,
            "label": State(s).label,
            "items": [items[t.pk] for t in groups[s][:MINE_SHOWN]],
            "count": len(groups[s]),
            "more": f"?assignee={user.pk}&state={s}" if len(groups[s]) > MINE_SHOWN else "",
        }
        for s in order
        if groups.get(s)
    ]
    queue = {
        "assigned": [items[t.pk] for t in assigned],
        "unassigned": [items[t.pk] for t in unassigned],
        "assigned_count": assigned_count,
        "unassigned_count": len(waiting["unassigned"]),
        "more": f"?reviewer={user.pk}&state={State.IN_REVIEW}" if assigned_count > MINE_SHOWN else "",
    }
    return render(
        request,
        "desk/mine.html",
        {
            "sections": sections,
            "review_queue": queue,
            "review_count": assigned_count + len(waiting["unassigned"]),
            "is_reviewer": permissions.is_reviewer(user),
        },
    )


# --- The side-by-side editor ---------------------------------------------------------------


def _visible(request: HttpRequest, pk: int) -> Translation:
    return get_object_or_404(
        selectors.translations_visible_to(user=request.user).defer(
            "source_revision__raw_compressed", "source_revision__http_headers"
        ),
        pk=pk,
    )


def _render_editor(
    request: HttpRequest, t: Translation, status: int = 200, *, conflict_by_you: bool = False, **kwargs: Any
) -> HttpResponse:
    context = pages.editor_page(user=request.user, translation=t, **kwargs)
    context["conflict_by_you"] = conflict_by_you
    # This page is one tab: it is present now (without JavaScript the list is as of this load).
    tab = presence.new_tab()
    presence.presence_beat(translation=t, user=request.user, tab=tab)
    context.update(presence_tab=tab, presence=presence.presence_now(translation=t, viewer=request.user, tab=tab))
    return render(request, "desk/editor.html", context, status=status)


@desk_member_required
@require_POST
def presence_beat(request: HttpRequest, pk: int) -> JsonResponse:
    """The job page's heartbeat (``presence.js``): ``tab`` is open, ``typing`` if the person types.
    Answers who else has the job open now and how many other tabs of the person's own."""
    t = _visible(request, pk)
    tab = presence.clean_tab(request.POST.get("tab"))
    if not tab:
        return JsonResponse({"error": "bad_request", "message": _("The page is out of date; reload it.")}, status=400)
    presence.presence_beat(translation=t, user=request.user, tab=tab, typing=request.POST.get("typing") == "1")
    now = presence.presence_now(translation=t, viewer=request.user, tab=tab)
    return JsonResponse(
        {
            "others": [{"name": p.name, "typing": p.typing} for p in now["others"]],
            "my_other_tabs": now["my_other_tabs"],
        }
    )


def _based_on(request: HttpRequest) -> int:
    based_on = posted_version(request.POST)
    if based_on is None:
        raise PermissionDenied(_("The form is incomplete; reload the page."))
    return based_on


def _refused(
    request: HttpRequest, t: Translation, error: PermissionDenied, posted: dict[str, Any] | None
) -> HttpResponse:
    """A refused plain-form save: 403 with the editor showing the person's unsaved text to copy."""
    messages.error(
        request,
        f"{error} " + _("Nothing was saved: your text is shown below so you can copy it."),
    )
    t.refresh_from_db()
    return _render_editor(request, t, status=403, posted=posted)


@desk_member_required
def translation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the side-by-side editor (read-only for those who may only view). POST: save, or save
    a version with a comment. A stale save re-renders with both texts, the user's kept. Asked
    with ``Accept: application/json`` (editor.js's Save, which stays on the page) it answers as
    the autosave does: 200 ``pages.autosave_answer`` with ``message``, or 409/422/403 JSON."""
    t = _visible(request, pk)
    if request.method != "POST":
        return _render_editor(request, t)
    # editor.js sends the same form with fetch (Accept: application/json) and stays on the page.
    as_json = request.headers.get("Accept", "").startswith("application/json")
    payload = editor_payload(request.POST, source_blocks=t.source_revision.blocks, notes=t.notes)
    if not permissions.can_edit_text(user=request.user, translation=t):
        refusal = PermissionDenied(_("Only the assigned translator or an editor can change this text."))
        if as_json:
            return JsonResponse({"error": "forbidden", "message": str(refusal)}, status=403)
        return _refused(request, t, refusal, payload)
    as_version = request.POST.get("op") == "version"
    tab = request.POST.get("tab", "")
    try:
        saved = editing.translation_save(
            translation=t,
            by=request.user,
            based_on=_based_on(request),
            as_version=as_version,
            comment=inputs.clean_text(request.POST.get("version_comment", "")).strip()[:500],
            **payload,
        )
    except editing.StaleEdit as stale:
        by_you = presence.saved_in_my_other_tab(translation=t, user=request.user, tab=tab)
        if as_json:
            return JsonResponse({**pages.stale_answer(stale), "by_you": by_you}, status=409)
        messages.error(request, stale.message)
        t.refresh_from_db()
        return _render_editor(request, t, status=409, posted=payload, conflict=stale, conflict_by_you=by_you)
    except editing.TextTooLong as e:
        if as_json:
            return JsonResponse({"error": "too_long", "message": e.message}, status=422)
        messages.error(request, e.message)
        t.refresh_from_db()
        return _render_editor(request, t, status=422, posted=payload)
    except PermissionDenied as e:
        # The claim expired, the job was released or its state moved on: keep the typed text.
        if as_json:
            return JsonResponse({"error": "forbidden", "message": str(e)}, status=403)
        return _refused(request, t, e, payload)
    presence.presence_saved(translation=t, user=request.user, tab=tab)
    done = _("Version saved.") if as_version else _("Saved.")
    if as_json:
        return JsonResponse({**pages.autosave_answer(saved), "message": done, "as_version": as_version})
    messages.success(request, done)
    return redirect(t)


@desk_member_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """JSON autosave from editor.js (``workspace_forms.autosave_payload`` reads the body).

    200 ``pages.autosave_answer`` — with ``checks``, ``pages.checks_report`` of the saved text
    (the submit rule's own list), for editor.js to update each paragraph's messages and the
    Submit button in place; 409 with both texts on a stale save (nothing written); 403 for
    someone who may not edit; 422 with the sentence for a text over its limit (nothing
    written, editor.js shows it and keeps the text); 400 for a malformed body. Never a reversion version.
    """
    t = _visible(request, pk)
    try:
        based_on, fields = autosave_payload(inputs.json_body(request))
    except inputs.BadInput as e:
        return JsonResponse({"error": "bad_request", "message": e.message}, status=400)
    tab = presence.clean_tab(request.headers.get("X-Desk-Tab", ""))
    try:
        saved = editing.translation_save(translation=t, by=request.user, based_on=based_on, **fields)
    except PermissionDenied as e:
        return JsonResponse({"error": "forbidden", "message": str(e)}, status=403)
    except editing.StaleEdit as stale:
        answer = pages.stale_answer(stale)
        answer["by_you"] = presence.saved_in_my_other_tab(translation=t, user=request.user, tab=tab)
        return JsonResponse(answer, status=409)
    except editing.TextTooLong as e:
        return JsonResponse({"error": "too_long", "message": e.message}, status=422)
    presence.presence_saved(translation=saved, user=request.user, tab=tab)
    return JsonResponse(pages.autosave_answer(saved))


@desk_member_required
@require_GET
def memory_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Translation memory on demand, for someone who may edit the text now. ``?block=<id>``:
    JSON for editor.js, asked when the person reaches that paragraph (``pages.memory_item``
    each); without it, a page listing every paragraph's suggestions (the route without
    JavaScript, linked from the editor). The editor page itself looks nothing up."""
    t = _visible(request, pk)
    if not pages.can_edit(request.user, t):
        raise PermissionDenied(_("Translation memory is offered to whoever may edit this text now."))
    if "block" in request.GET:
        block_id = inputs.clean_text(request.GET["block"]).strip()[:60]
        found = memory.block_suggestions(translation=t, block_id=block_id)
        return JsonResponse({"block": block_id, "suggestions": [pages.memory_item(e) for e in found]})
    return render(request, "desk/memory.html", pages.memory_page(translation=t))


@desk_member_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save what the form carries (if anything), run the checks, and submit only without errors."""
    t = _visible(request, pk)
    arguments = submit_arguments(request.POST, source_blocks=t.source_revision.blocks, notes=t.notes)
    posted = arguments["text"]
    try:
        t = workflow.translation_save_and_submit(translation=t, by=request.user, **arguments)
    except editing.StaleEdit as stale:
        messages.error(request, stale.message)
        t.refresh_from_db()
        return _render_editor(request, t, status=409, posted=posted, conflict=stale)
    except editing.TextTooLong as e:
        messages.error(request, e.message)
        t.refresh_from_db()
        return _render_editor(request, t, status=422, posted=posted)
    except workflow.SubmitRefused as refused:
        n = sum(1 for p in refused.problems if p.is_error)
        messages.error(request, _("Not sent: %(n)d problem(s) must be fixed first. They are marked below.") % {"n": n})
        return _render_editor(request, _visible(request, pk), status=422, problems=refused.problems)
    except workflow.WorkflowError as e:
        messages.error(request, e.message)
        return redirect(t)
    except PermissionDenied as e:
        return _refused(request, t, e, posted)
    messages.success(request, Submit.success_message(t))
    if warning := pages.submitted_warning(t):
        messages.warning(request, warning)
    return redirect(t)


@desk_member_required
@require_POST
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The translator (or reviewer) replies to a comment thread on a translation they can see."""
    parent = get_object_or_404(Comment.objects.select_related("translation"), pk=pk)
    t = _visible(request, parent.translation_id)
    try:
        comment = review.comment_add(
            translation=t, by=request.user, block_id=parent.block_id, body=request.POST.get("body", ""), parent=parent
        )
    except review.ReviewError as e:
        messages.error(request, e.message)
        return redirect(t)
    messages.success(request, _("Reply sent."))
    return redirect(f"{t.get_absolute_url()}#comment-{comment.pk}")


# --- Notifications ---------------------------------------------------------------------------


@desk_member_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    qs = Notification.objects.filter(user=user).select_related("event__translation__article").order_by("-created_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/notifications.html",
        {"page": page, "unread": selectors.notifications_unread_count(user=request.user)},
    )


@desk_member_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one notice (``id``) or all of the person's notices read."""
    raw = request.POST.get("id", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise Http404("No such notice")
    notifications.notifications_mark_read(user=request.user, notification_id=int(raw) if raw else None)
    return redirect("desk:notifications")


# --- Glossary ----------------------------------------------------------------------------------


@desk_member_required
def glossary_page(request: HttpRequest) -> HttpResponse:
    """Every member reads; editors add terms here (POST)."""
    form = GlossaryTermForm()
    if request.method == "POST":
        if not permissions.is_editor(request.user):
            raise PermissionDenied(_("Only editors can change the glossary."))
        form = GlossaryTermForm(request.POST)
        if form.is_valid():
            try:
                glossary.glossary_term_create(by=request.user, **form.cleaned_data)
                messages.success(request, _("Term added."))
                return redirect("desk:glossary")
            except glossary.GlossaryError as e:
                form.add_error("source_term", e.message)
    q = inputs.clean_text(request.GET.get("q", "")).strip()[:100]
    target = request.GET.get("target", "")
    terms = GlossaryTerm.objects.all()
    if target in settings.PUBLISHING_LANGUAGES:
        terms = terms.filter(target_language=target)
    if q:
        from django.db.models import Q

        terms = terms.filter(Q(source_term__icontains=q) | Q(target_term__icontains=q))
    page = Paginator(terms.order_by("source_term"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/glossary.html",
        {"form": form, "page": page, "q": q, "target": target, "targets": settings.LANGUAGES},
    )


@desk_member_required
def glossary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("Only editors can change the glossary."))
    term = get_object_or_404(GlossaryTerm, pk=pk)
    form = GlossaryTermForm(
        request.POST or None,
        initial={
            "source_term": term.source_term,
            "target_term": term.target_term,
            "source_language": term.source_language,
            "target_language": term.target_language,
            "note": term.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            glossary.glossary_term_update(term=term, by=request.user, **form.cleaned_data)
            messages.success(request, _("Term saved."))
            return redirect("desk:glossary")
        except glossary.GlossaryError as e:
            form.add_error("source_term", e.message)
    return render(request, "desk/glossary.html", {"form": form, "term": term, "editing": True})


@desk_member_required
@require_POST
def glossary_delete(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_object_or_404(GlossaryTerm, pk=pk)
    glossary.glossary_term_delete(term=term, by=request.user)
    messages.success(request, _("Term deleted."))
    return redirect("desk:glossary")


# --- Profile -----------------------------------------------------------------------------------


@desk_member_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own profile: languages, credit choice, public page, muted notifications."""
    from translations.models import Contributor

    user: Any = request.user
    contributor, _created = Contributor.objects.get_or_create(user=user)
    can_set_staff = permissions.is_editor(request.user)
    form = ProfileForm(request.POST or None, instance=contributor, can_set_staff=can_set_staff)
    if request.method == "POST" and form.is_valid():
        fresh = Contributor.objects.get(pk=contributor.pk)
        accounts.contributor_update(contributor=fresh, by=request.user, **form.cleaned_data)
        messages.success(request, _("Profile saved."))
        return redirect("desk:profile")
    return render(
        request,
        "desk/profile.html",
        {
            "form": form,
            "contributor": contributor,
            "credit_preview": contributor.credit_name(),
            # As any desk member who is not an editor sees them.
            "desk_label": people.desk_name(person=request.user, viewer=None),
        },
    )


# --- Invitations -------------------------------------------------------------------------------


@desk_member_required
def invite(request: HttpRequest) -> HttpResponse:
    """Editors invite someone by email and see the invitations still open."""
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("Only editors can invite people."))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = accounts.invitation_create(by=request.user, **form.cleaned_data)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            if invitation.role in roles.SECOND_LOOK_ROLES:
                messages.info(
                    request,
                    _(
                        "They join as a translator. The %(role)s role takes effect once another editor "
                        "confirms it under People → Roles."
                    )
                    % {"role": invitation.get_role_display().lower()},
                )
            return redirect("desk:invite")
        except accounts.InvitationError as e:
            form.add_error("email", e.message)
    return render(
        request,
        "desk/invite.html",
        {"form": form, "pending": accounts.invitations_pending()[:100], "settings_days": settings.DESK_INVITATION_DAYS},
    )


@desk_member_required
def role_grants(request: HttpRequest) -> HttpResponse:
    """Editors ask for a reviewer or editor role for someone on the desk, and confirm or decline
    the roles other editors asked for."""
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("Only editors can give roles."))
    form = RoleRequestForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        person, role = form.cleaned_data["user"], form.cleaned_data["role"]
        try:
            roles.role_grant_request(by=request.user, user=person, role=role)
        except roles.RoleGrantError as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request,
                _("Asked. %(person)s becomes %(role)s once another editor confirms it.")
                % {"person": people.desk_name(person=person, viewer=request.user), "role": Role(role).label.lower()},
            )
            return redirect("desk:roles")
    return render(request, "desk/roles.html", {"form": form, "pending": roles.role_grants_pending()[:100]})


@desk_member_required
@require_POST
def role_grant_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Confirm or decline one pending role (POST from the Roles page)."""
    if not permissions.is_editor(request.user):
        raise PermissionDenied(_("Only editors can confirm or decline roles."))
    if decision not in ("confirm", "decline"):
        raise Http404
    grant = get_object_or_404(RoleGrant, pk=pk)
    try:
        if decision == "confirm":
            grant = roles.role_grant_confirm(grant=grant, by=request.user)
            done = _("Confirmed: the %(role)s role for %(person)s.")
        else:
            grant = roles.role_grant_decline(grant=grant, by=request.user)
            done = _("Declined: the %(role)s role for %(person)s.")
    except factors.FactorStale as e:
        messages.error(request, e.message, extra_tags="reverify")
        return redirect("desk:roles")
    except (roles.RoleGrantError, PermissionDenied) as e:
        messages.error(request, getattr(e, "message", None) or str(e))
    else:
        person = people.desk_name(person=grant.user, viewer=request.user) if grant.user else str(grant.invitation)
        messages.success(request, done % {"role": grant.get_role_display().lower(), "person": person})
    return redirect("desk:roles")


def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invitee chooses a user name, password and how they are credited."""
    try:
        invitation = accounts.invitation_for_token(token=token)
    except accounts.InvitationError as e:
        return render(request, "desk/invite_accept.html", {"error": e.message}, status=410)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.invitation_accept(
                token=token,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                credit_mode=data["credit_mode"],
                pseudonym=data["pseudonym"],
                languages=data["languages"],
            )
        except accounts.InvitationError as e:
            form.add_error(None, e.message)
        except ValidationError as e:
            form.add_error("password1", e)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to the desk. Pick a job to start."))
            return redirect(reverse("desk:jobs"))
    return render(request, "desk/invite_accept.html", {"form": form, "invitation": invitation})
