"""Desk pages of the editorial core: import, the article page, the inbox, feeds.

Thin function-based views: forms validate, services in ``importing``, ``inbox`` and
``feed_polling`` write. Editors act on every page here; reviewers may also read the article
page and its raw source. Anybody else gets 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from newsroom.core import roles
from newsroom.core.audit import audit_record
from newsroom.desk import forms as desk_forms
from newsroom.models import Article, Feed, FeedItem, SourceRevision
from newsroom.sources import fetching, images, importing, inbox
from newsroom.sources import polling as feed_polling
from newsroom.sources.diff import source_diff
from translations.models import State, Translation

editor_required, reviewer_required = roles.editor_required, roles.reviewer_required


# --------------------------------------------------------------------------- importing


def _imported(request: HttpRequest, result: importing.ImportResult, already: str) -> HttpResponse:
    """Say whether the import stored a new article or found one, and show it."""
    if result.created:
        messages.success(request, _("Imported."))
        if result.image_problems:
            messages.warning(request, images.images_problem_summary(list(result.image_problems)))
        if result.is_extraction_doubtful:
            messages.warning(
                request,
                _(
                    "Check the extraction: the importer is not sure this is the whole story and "
                    "nothing else. Compare the text below with the page before opening a job."
                ),
            )
    else:
        messages.info(request, already)
    return redirect("desk:article", pk=result.article.pk)


@editor_required
def import_article(request: HttpRequest) -> HttpResponse:
    form = desk_forms.ImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = importing.article_import(
                url=form.cleaned_data["url"], by=request.user, outlet=form.cleaned_data["outlet"]
            )
        except (fetching.FetchError, importing.ImportRefused) as exc:
            form.add_error("url", exc.message)
        else:
            return _imported(request, result, _("This story was already imported; here it is."))
    return render(request, "desk/import.html", {"form": form})


@editor_required
def import_manual(request: HttpRequest) -> HttpResponse:
    form = desk_forms.ManualImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = importing.manual_import(
                by=request.user,
                title=data["title"],
                url=data["url"],
                text_or_html=data["text"],
                language=data["language"],
                author=data["author"],
                published=data["published"],
                outlet=data["outlet"],
            )
        except importing.ImportRefused as exc:
            form.add_error("text", exc.message)
        else:
            return _imported(request, result, _("A story with this address was already imported; here it is."))
    return render(request, "desk/import_manual.html", {"form": form})


# --------------------------------------------------------------------------- the article page


def _revisions(article: Article) -> Any:
    return SourceRevision.objects.filter(article=article).defer("raw_compressed").order_by("-number")


@reviewer_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = get_object_or_404(
        Article.objects.select_related("outlet", "current_revision", "imported_by"), pk=pk
    )
    revisions = list(_revisions(article))
    current = article.current_revision
    changes: list[dict[str, Any]] = []
    previous = next((r for r in revisions if current and r.number < current.number), None)
    if current is not None and previous is not None:
        changes = [c for c in source_diff(previous.blocks, current.blocks) if c["status"] != "same"]
    translations = Translation.objects.filter(article=article).select_related(
        "translator__contributor", "source_revision"
    )
    # One row per enabled publishing language: its job (not spiked), or a button that opens one.
    active = {t.language: t for t in translations if t.state != State.SPIKED}
    language_jobs = [{"code": code, "name": name, "job": active.get(code)} for code, name in settings.LANGUAGES]
    return render(
        request,
        "desk/article.html",
        {
            "article": article,
            "language_jobs": language_jobs,
            "revision": current,
            "revisions": revisions,
            "previous": previous,
            "changes": changes,
            "translations": translations,
            "can_act": roles.is_editor(request.user),
            "reject_form": desk_forms.ReasonForm(),
        },
    )


@reviewer_required
def article_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The page as fetched, for provenance: always plain text, downloaded, never rendered."""
    article = get_object_or_404(Article, pk=pk)
    number = request.GET.get("r", "")
    revisions = SourceRevision.objects.filter(article=article)
    if number.isascii() and number.isdigit():  # str.isdigit() alone accepts "²", which int() refuses
        revision = get_object_or_404(revisions, number=int(number))
    else:
        revision = get_object_or_404(revisions, pk=article.current_revision_id)
    try:
        text = revision.raw.decode(revision.charset or "utf-8", errors="replace")
    except LookupError:
        text = revision.raw.decode("utf-8", errors="replace")
    response = HttpResponse(text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="article-{article.pk}-r{revision.number}.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@editor_required
@require_POST
def article_resync(request: HttpRequest, pk: int) -> HttpResponse:
    article: Article = get_object_or_404(Article.objects.select_related("current_revision"), pk=pk)
    try:
        revision, changes = importing.article_resync(article=article, by=request.user)
    except (fetching.FetchError, importing.ImportRefused) as exc:
        messages.error(request, exc.message)
    else:
        if revision is None:
            messages.info(request, _("The source has not changed since it was last fetched."))
        else:
            changed = sum(1 for c in changes if c["status"] != "same")
            messages.success(
                request,
                _("The source changed: revision %(number)s stored, %(n)s paragraph(s) differ.")
                % {"number": revision.number, "n": changed},
            )
    return redirect("desk:article", pk=article.pk)


# --------------------------------------------------------------------------- the inbox


@editor_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/inbox.html",
        {
            "items": inbox.inbox_feed_items()[:200],
            "articles": inbox.inbox_articles()[:200],
            "reason_form": desk_forms.ReasonForm(),
        },
    )


@editor_required
@require_POST
def inbox_item_import(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(FeedItem.objects.select_related("feed__outlet"), pk=pk, status=FeedItem.Status.NEW)
    try:
        result = inbox.feeditem_import(item=item, by=request.user)
    except (fetching.FetchError, importing.ImportRefused) as exc:
        messages.error(request, _("Could not import “%(title)s”: %(error)s") % {"title": item, "error": exc.message})
        return redirect("desk:inbox")
    messages.success(request, _("Imported."))
    return redirect("desk:article", pk=result.article.pk)


@editor_required
@require_POST
def inbox_item_reject(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(FeedItem, pk=pk, status=FeedItem.Status.NEW)
    form = desk_forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for rejecting the item."))
    else:
        inbox.feeditem_reject(item=item, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Rejected."))
    return redirect("desk:inbox")


@editor_required
@require_POST
def inbox_article_reject(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    form = desk_forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for rejecting the article."))
    else:
        try:
            inbox.article_reject(article=article, by=request.user, reason=form.cleaned_data["reason"])
        except inbox.TriageError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Article rejected."))
    return redirect("desk:inbox")


# --------------------------------------------------------------------------- feeds


@editor_required
def feeds_view(request: HttpRequest) -> HttpResponse:
    form = desk_forms.FeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        feed_polling.feed_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("Feed added; it will be polled within a minute."))
        return redirect("desk:feeds")
    feeds = Feed.objects.select_related("outlet").annotate(
        new_items=Count("items", filter=Q(items__status=FeedItem.Status.NEW)),
        failed_items=Count("items", filter=Q(items__status=FeedItem.Status.FAILED)),
    )
    feed_list = list(feeds)
    is_polling = any(f.progress_done < f.progress_total for f in feed_list)
    return render(
        request,
        "desk/feeds.html",
        {
            "feeds": feed_list,
            "form": form,
            "is_polling": is_polling,
        },
    )


@editor_required
@require_POST
def feed_poll_now(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_or_404(Feed, pk=pk)
    audit_record(actor=request.user, action="feed.poll_now", target=feed)
    transaction.on_commit(lambda: feed_polling.feed_poll_enqueue(feed=feed))
    messages.success(request, _("Polling “%(feed)s” now; this page shows the result when it is done.") % {"feed": feed})
    return redirect("desk:feeds")
