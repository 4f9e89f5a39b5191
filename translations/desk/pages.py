"""What the desk's translation pages show: the data each page needs, read in one place.

The views stay thin — they check who may see the page, call one of these and render — and the
data is built here from selectors, the workflow's predicates and the assist tools (checks,
glossary, memory). Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language_info, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from reversion.models import Version

from newsroom import machine_assist, publishing
from newsroom.core import times
from newsroom.distribution.selectors import story_distribution
from newsroom.models import Article, SourceImage, Tag
from newsroom.site.selectors import article_url
from newsroom.templatetags.source_images import picture_data
from translations import editing, machine_drafts, permissions, review, selectors, versions, workflow
from translations.assist import checks, diff, glossary, inline, machine, memory
from translations.desk.editorial_forms import CommentForm
from translations.models import Comment, Role, State, Translation, WorkflowEvent
from translations.people import names as people
from translations.versions import text_snapshot
from translations.workflow import registry
from translations.workflow.actions import Claim, Submit
from translations.workflow.base import JOB_PAGE

BOARD_PAGE_SIZE = 50
ACTIVE_STATES = [State.OPEN, State.IN_PROGRESS, State.IN_REVIEW]
BOARD_COLUMNS = (
    "state",
    "title",
    "language",
    "due_at",
    "updated_at",
    "created_at",
    "translator_id",
    "reviewer_id",
    "article__source_title",
    "article__language",
    "article__outlet__name",
    "translator__username",
    "translator__first_name",
    "translator__last_name",
    "translator__contributor__credit_mode",
    "translator__contributor__pseudonym",
    "reviewer__username",
    "reviewer__first_name",
    "reviewer__last_name",
    "reviewer__contributor__credit_mode",
    "reviewer__contributor__pseudonym",
    "source_revision_id",
    "is_correction",
    "corrected_by_id",
    "authors",  # four eyes: the next steps each card offers
)
# The joins the board's columns read: not the source revision (its raw page and blocks), which
# ``translations_visible_to`` brings for the job pages.
BOARD_RELATED = ("article__outlet", "translator__contributor", "reviewer__contributor")


@dataclass(frozen=True)
class ActionButton:
    """One verb's form in the translation page's action bar (``desk/editor.html#actions``), or,
    for a verb whose form is on an editors' page (assign, publish), the link to that page."""

    name: str
    label: str
    url: str
    free_text: dict[str, Any] | None  # {"label", "required"} of its text field
    is_secondary: bool
    in_bar: bool  # False for Submit while the text is editable: the editor form's own button sends it
    is_link: bool = False  # a GET link to the verb's own page ("Preview and publish")
    is_danger: bool = False  # takes something away (unpublish): shown apart


class PkUrls:
    """The desk's per-job addresses (``desk:history`` of job 12…), each route reversed once and
    the job's id put in: a list of many jobs reverses a handful of routes, not one per link."""

    _PLACEHOLDER = "2147483647"  # an id no route's own text contains

    def __init__(self) -> None:
        self._patterns: dict[tuple[str, ...], str] = {}

    def __call__(self, route: str, pk: int, *args: str) -> str:
        key = (route, *args)
        pattern = self._patterns.get(key)
        if pattern is None:
            pattern = self._patterns[key] = reverse(route, args=[self._PLACEHOLDER, *args])
        return pattern.replace(self._PLACEHOLDER, str(pk), 1)


def action_buttons(
    *, user: Any, translation: Translation, editable: bool, urls: PkUrls | None = None
) -> list[ActionButton]:
    """The buttons of the verbs ``user`` may take now, in the registry's order: a form for a verb
    taken on the job page, a link for one whose form is on an editors' page (assign, publish —
    one link per page, named by the first such verb: "Preview and publish"). ``urls`` may be
    shared by the calls for many jobs."""
    url = urls or PkUrls()
    buttons = []
    pages_linked: set[str] = set()
    for verb in registry.available(user=user, translation=translation):
        if verb.page != JOB_PAGE:
            if verb.page in pages_linked:
                continue
            pages_linked.add(verb.page)
            buttons.append(
                ActionButton(
                    name=verb.name,
                    label=_(verb.page_label or verb.label),
                    url=url(verb.page, translation.pk),
                    free_text=None,
                    is_secondary=verb.is_secondary,
                    in_bar=True,
                    is_link=True,
                )
            )
            continue
        args = [verb.name] if verb.route == "desk:transition" else []
        text = verb.free_text
        buttons.append(
            ActionButton(
                name=verb.name,
                label=_(verb.label),
                url=url(verb.route, translation.pk, *args),
                free_text={"label": _(text.label), "required": text.required} if text is not None else None,
                is_secondary=verb.is_secondary,
                # A verb with a view of its own (Submit saves the editor's text first) is sent by
                # the editor form's own button while the text is editable.
                in_bar=not (editable and verb.route != "desk:transition"),
                is_danger=verb.is_danger,
            )
        )
    return buttons


@dataclass(frozen=True)
class NextStep:
    """A person's next action on a job, as a link: wherever a job appears (board, My work,
    notifications) it leads to the same button the job page shows."""

    name: str
    label: str
    url: str


def next_steps(*, user: Any, translation: Translation) -> list[NextStep]:
    """The primary actions ``user`` may take on ``translation`` now (the job page's buttons,
    secondary ones left out), each a link: to the verb's own page, or to the job page's button."""
    return next_steps_for(user=user, translations=[translation])[translation.pk]


def next_steps_for(*, user: Any, translations: list[Translation]) -> dict[int, list[NextStep]]:
    """:func:`next_steps` of each of ``translations`` (by id), for a list of jobs: each job's
    verbs are asked of the registry as its page asks them, the addresses reversed once per route.
    The four-eyes verbs read the pinned authors: prefetch them (``versions.pinned_authors_prefetch``)."""
    urls = PkUrls()
    steps: dict[int, list[NextStep]] = {}
    for t in translations:
        job_url = urls("desk:translation", t.pk)
        steps[t.pk] = [
            NextStep(name=b.name, label=b.label, url=b.url if b.is_link else f"{job_url}#action-{b.name}")
            for b in action_buttons(user=user, translation=t, editable=False, urls=urls)
            if not b.is_secondary
        ]
    return steps


def can_edit(user: Any, t: Translation) -> bool:
    """``user`` may change the text now (the service checks it again on save)."""
    return workflow.can_edit_text_now(user=user, translation=t)


# "Changes requested" means: the latest of these events is a request for changes (no
# submission came after it). ``mine`` and the editor both use this one rule.
_REVIEW_ROUND_ACTIONS = ("submit", "request_changes")


def changes_requested_ids(translation_ids: list[int]) -> set[int]:
    """Ids among ``translation_ids`` whose latest submit/request_changes event asks for changes
    (one query, latest event per translation)."""
    if not translation_ids:
        return set()
    latest = (
        WorkflowEvent.objects.filter(translation__in=translation_ids, action__in=_REVIEW_ROUND_ACTIONS)
        .order_by("translation_id", "-created_at", "-pk")
        .distinct("translation_id")
        .values_list("translation_id", "action")
    )
    return {pk for pk, action in latest if action == "request_changes"}


def changes_requested(t: Translation) -> WorkflowEvent | None:
    """The latest 'changes requested' event if no submission came after it."""
    last = (
        WorkflowEvent.objects.filter(translation=t, action__in=_REVIEW_ROUND_ACTIONS)
        .select_related("actor__contributor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return last if last is not None and last.action == "request_changes" else None


def checks_report(problems: list[checks.Problem]) -> dict[str, Any]:
    """What the editor shows of the checks, for the page and for each autosave answer alike.

    ``problems`` come from ``workflow.translation_problems`` — the very list ``translation_submit``
    refuses on — so the count on the Submit button is the server's rule, not a second one.
    """
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    if errors:
        summary = ngettext(
            "%(n)d problem to fix before submitting", "%(n)d problems to fix before submitting", errors
        ) % {"n": errors}
        if warnings:
            summary += ", " + ngettext("%(n)d warning to look at", "%(n)d warnings to look at", warnings) % {
                "n": warnings
            }
        summary += ". " + _("They are marked next to each paragraph.")
        level = checks.ERROR
        submit_label = ngettext(
            "Submit for review — %(n)d problem left", "Submit for review — %(n)d problems left", errors
        ) % {"n": errors}
    elif warnings:
        summary = ngettext(
            "No blocking problems; %(n)d warning to look at, marked next to the paragraphs.",
            "No blocking problems; %(n)d warnings to look at, marked next to the paragraphs.",
            warnings,
        ) % {"n": warnings}
        level, submit_label = checks.WARNING, _("Submit for review")
    else:
        summary, level, submit_label = _("All checks pass."), "ok", _("Submit for review")

    def item(p: checks.Problem) -> dict[str, str]:
        label = _("Error") if p.is_error else _("Warning")
        return {"severity": p.severity, "text": f"{label}: {p.message}"}

    blocks: dict[str, list[dict[str, str]]] = {}
    for bid, found in checks.by_block(problems).items():
        blocks[bid] = [item(p) for p in found]
    return {
        "errors": errors,
        "warnings": warnings,
        "level": level,
        "summary": summary,
        "submit_label": submit_label,
        "general": blocks.pop("", []),
        "blocks": blocks,
    }


def autosave_answer(saved: Translation) -> dict[str, Any]:
    """The answer to an accepted autosave: the new version, when (the desk's clock, not the
    browser's: "Saved at 07:43 (Minsk time)") and :func:`checks_report` of the saved text."""
    now = timezone.now()
    return {
        "edit_version": saved.edit_version,
        "saved_at": timezone.localtime(now, timezone.get_default_timezone()).isoformat(),
        "saved_at_display": times.desk_time(now, "H:i"),
        "checks": checks_report(workflow.translation_problems(translation=saved)),
    }


def stale_answer(stale: editing.StaleEdit) -> dict[str, Any]:
    """The answer to a stale autosave: both texts, nothing written."""
    return {
        "error": "stale",
        "message": stale.message,
        "current": stale.current,
        "mine": stale.mine,
        "current_version": stale.current_version,
    }


def submitted_warning(t: Translation) -> str:
    """After a submission: how many paragraphs went to review exactly as the machine drafted them ("" if none)."""
    unchanged = sum(1 for p in workflow.translation_problems(translation=t) if p.code == "machine_unchanged")
    if not unchanged:
        return ""
    return _("%(n)d paragraph(s) went to review exactly as the machine drafted them; the reviewer sees this.") % {
        "n": unchanged
    }


JOBS_PER_PAGE = 30


def jobs_page(*, user: Any, form: Any, query: Any) -> dict[str, Any]:
    """The translators' board of open jobs (``form`` bound to ``query``, the request's GET)."""
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    jobs = selectors.jobs_open(user=user, filters=filters)
    # The page's ids first, in the open-jobs index's order (joins only for the filters used),
    # then those rows with their story: page 50 costs about what page 1 does.
    page = Paginator(jobs.values_list("pk", flat=True), JOBS_PER_PAGE).get_page(query.get("page"))
    found = jobs.in_bulk(list(page.object_list))
    shown: list[Translation] = [found[pk] for pk in page.object_list if pk in found]
    page.object_list = shown  # type: ignore[assignment]
    # Every cell made once per page (desk/jobs.html only prints): routes reversed once, names of
    # languages and times read once each.
    url, clock = PkUrls(), times.DeskClock()
    languages: dict[str, str] = {}

    def language(code: str) -> str:  # the ``language_name`` filter's text
        if code not in languages:
            languages[code] = str(get_language_info(code)["name"])
        return languages[code]

    rows = []
    for t in shown:
        article = t.article
        can_claim = Claim.is_available(user=user, translation=t)
        rows.append(
            {
                "url": url("desk:translation", t.pk),
                "source_language": article.language,
                "source_title": article.source_title,
                "brief": Truncator(t.brief).chars(120) if t.brief else "",
                "outlet": article.outlet.name if article.outlet is not None else "",
                "languages": f"{article.get_language_display() or article.language} → {language(t.language)}",
                "words": t.source_revision.word_count,
                "due_datetime": _html_datetime(t.due_at),
                "due": clock(t.due_at, "j M H:i"),
                "topic": ", ".join(article.source_tags or []),
                "claim_url": url("desk:transition", t.pk, Claim.name) if can_claim else "",
            }
        )
    query = query.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "rows": rows, "query": query.urlencode()}


def memory_item(entry: Any) -> dict[str, Any]:
    """One translation-memory suggestion as the editor shows it (``desk:memory``'s JSON)."""
    source = str(entry.source_text)
    return {
        "target_text": entry.target_text,
        "source_text": source if len(source) <= 160 else source[:159] + "…",
        "similarity": round(float(entry.similarity) * 100),
    }


def memory_page(*, translation: Translation) -> dict[str, Any]:
    """The memory page (no script needed): every paragraph with suggestions, in the source's order."""
    t = translation
    blocks = list(t.source_revision.blocks)
    found = memory.suggestions_by_block(translation=t, blocks=blocks)
    rows = [
        {
            "number": n,
            "id": b["id"],
            "source": memory.source_text(b),
            "suggestions": [memory_item(e) for e in found[str(b["id"])]],
        }
        for n, b in enumerate(blocks, start=1)
        if str(b["id"]) in found
    ]
    return {"translation": t, "article": t.article, "rows": rows}


def editor_page(
    *,
    user: Any,
    translation: Translation,
    posted: dict[str, Any] | None = None,
    conflict: editing.StaleEdit | None = None,
    problems: list[checks.Problem] | None = None,
) -> dict[str, Any]:
    t = translation
    source_blocks: list[dict[str, Any]] = list(t.source_revision.blocks)
    editable = can_edit(user, t)
    terms = list(glossary.glossary_terms(source_language=t.article.language, target_language=t.language))
    hits = glossary.hits_by_block(blocks=source_blocks, terms=terms)
    if problems is None:
        problems = workflow.translation_problems(translation=t)
    problems_by_block = checks.by_block(problems)
    posted_blocks: dict[str, Any] = (posted or {}).get("blocks", {})
    theirs: dict[str, Any] = conflict.current if conflict is not None else {}
    their_blocks: dict[str, Any] = theirs.get("blocks", {}) if theirs else {}
    notes: list[dict[str, Any]] = list(t.notes)
    if posted is not None and "notes" in posted:
        notes = posted["notes"]
    notes_after: dict[str, list[dict[str, Any]]] = {}
    for note in notes:
        notes_after.setdefault(str(note.get("after", "")), []).append(note)
    threads: dict[str, list[dict[str, Any]]] = {}
    comments = list(
        Comment.objects.filter(translation=t).select_related("author__contributor", "resolved_by__contributor")
    )
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)
    for c in comments:
        if not c.parent_id:
            threads.setdefault(c.block_id, []).append({"comment": c, "replies": replies.get(c.pk, [])})
    names = publishing.block_names(translation=t)  # quotes' attributions, pictures' photographers
    rows = []
    for number, block in enumerate(source_blocks, start=1):
        bid = str(block["id"])
        target = posted_blocks.get(bid) or t.blocks.get(bid) or {}
        their = their_blocks.get(bid) or {}
        their_text = str(their.get("text", "")) if conflict is not None else ""
        tokenized = inline.block_tokens(block)
        is_image = block.get("kind") == "image"
        rows.append(
            {
                "number": number,
                "block": block,
                "id": bid,
                # The source with its links and emphasis as tokens the translator types (or None).
                "source_marked": inline.marked(tokenized.text, tokenized) if tokenized.tokens else None,
                "token_legend": inline.legend(tokenized),
                "target": target,
                "text": target.get("text", "") or "",
                "kind_label": str(block.get("kind", "")).replace("_", ""),
                "is_image": is_image,
                "label": _("Caption of image %(n)d") % {"n": number}
                if is_image
                else _("Paragraph %(n)d") % {"n": number},
                "is_translatable": checks.is_translatable(block),
                "hits": hits.get(bid, []),
                "problems": problems_by_block.get(bid, []),
                "threads": threads.get(bid, []),
                "notes": notes_after.get(bid, []),
                "their_text": their_text if conflict is not None and their_text != target.get("text", "") else None,
                "machine_mark": t.machine_drafts.get(bid),
                "name": names.get(bid),
                "name_typed": str(target.get(names[bid]["part"], "")) if bid in names else "",
            }
        )
    actions = action_buttons(user=user, translation=t, editable=editable)
    # A job opened before bylines existed shows the standard byline (publication uses it too).
    byline_defaults = t.article.default_byline(t.language)
    byline, byline_outlet = t.article.byline_for(t.language, authors=t.byline, outlet=t.byline_outlet)
    values = {
        "title": (posted or {}).get("title", t.title),
        "lead": (posted or {}).get("lead", t.lead),
        "tags": (posted or {}).get("tags", t.tags),
        "byline": (posted or {}).get("byline", byline),
        "byline_outlet": (posted or {}).get("byline_outlet", byline_outlet),
    }
    conflict_fields = {}
    if conflict is not None:
        for name in ("title", "lead", "tags", "byline", "byline_outlet"):
            if theirs.get(name, "") != values[name]:
                conflict_fields[name] = theirs.get(name, "")
    # The language written: English names the desk uses in its labels ("Title (German)").
    target_name = checks.CONVENTIONS[t.language].name if t.language in checks.CONVENTIONS else t.language
    return {
        "target_name": target_name,
        "translation": t,
        "article": t.article,
        "rows": rows,
        "notes_top": notes_after.get("", []),
        "general_threads": threads.get("", []),
        "values": values,
        "limits": editing.TEXT_LIMITS,
        "byline_defaults": byline_defaults,
        "based_on": conflict.current_version if conflict is not None else t.edit_version,
        "can_edit": editable,
        "frozen_reason": editing.frozen_reason(t),
        "can_comment": permissions.can_comment(user=user, translation=t),
        "mention_candidates": review.mention_candidates(translation=t, viewer=user)
        if permissions.can_comment(user=user, translation=t)
        else [],
        "can_review": permissions.can_review(user=user, translation=t) and t.state == State.IN_REVIEW,
        "actions": actions,
        "can_submit": any(a.name == Submit.name for a in actions),
        "conflict": conflict,
        "conflict_fields": conflict_fields,
        "problems": problems,
        "general_problems": problems_by_block.get("", []),
        "error_count": sum(1 for p in problems if p.is_error),
        "warning_count": sum(1 for p in problems if not p.is_error),
        "checks": checks_report(problems),
        "changes_requested": changes_requested(t) if t.state == State.IN_PROGRESS else None,
        "word_count": t.source_revision.word_count,
        "machine": machine_drafts.editor_context(user=user, translation=t),
        "live_url": live_story_url(t) if t.is_correction else "",
    }


def version_comparison(translation: Translation, a: Version, b: Version | None) -> list[dict[str, Any]]:
    """Field by field and paragraph by paragraph, what changed from version ``a`` to ``b`` (to
    the current working copy when ``b`` is None)."""
    old = versions.version_snapshot(a)
    new = versions.version_snapshot(b) if b is not None else versions.text_snapshot(translation)
    rows = [
        {
            "label": _("Title"),
            "diff": diff.word_diff(old["title"], new["title"]),
            "changed": old["title"] != new["title"],
        },
        {"label": _("Lead"), "diff": diff.word_diff(old["lead"], new["lead"]), "changed": old["lead"] != new["lead"]},
        {
            "label": _("Byline"),
            "diff": diff.word_diff(*(f"{s['byline']} · {s['byline_outlet']}" for s in (old, new))),
            "changed": (old["byline"], old["byline_outlet"]) != (new["byline"], new["byline_outlet"]),
        },
    ]
    seen: set[str] = set()
    for block in translation.source_revision.blocks:
        seen.add(block["id"])
        before, after = diff.block_text(old["blocks"], block["id"]), diff.block_text(new["blocks"], block["id"])
        rows.append(
            {
                "label": _("Paragraph"),
                "block": block,
                "diff": diff.word_diff(before, after),
                "changed": before != after,
            }
        )
    for block_id in sorted((set(old["blocks"]) | set(new["blocks"])) - seen):
        before, after = diff.block_text(old["blocks"], block_id), diff.block_text(new["blocks"], block_id)
        rows.append(
            {
                "label": _("Block %(id)s (old source)") % {"id": block_id},
                "diff": diff.word_diff(before, after),
                "changed": before != after,
            }
        )
    before_notes, after_notes = diff.notes_text(old["notes"]), diff.notes_text(new["notes"])
    rows.append(
        {"label": _("Notes"), "diff": diff.word_diff(before_notes, after_notes), "changed": before_notes != after_notes}
    )
    rows.append(
        {"label": _("Tags"), "diff": diff.word_diff(old["tags"], new["tags"]), "changed": old["tags"] != new["tags"]}
    )
    return rows


def version_number(translation: Translation, version: Version) -> int:
    """``version``'s number in its job's history: v1 is the job's first saved version."""
    return int(review.versions_of(translation).filter(pk__lte=version.pk).count())


def _version_id(value: str | None) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise Http404("No such version")
    return int(value)


def history_page(*, user: Any, translation: Translation, query: Any) -> dict[str, Any]:
    """The history page: versions numbered per job (v1 the oldest; paginated by ``query``'s
    ``page``), the comparison of versions ``a`` and ``b`` when ``query`` names two of this job's
    versions — or of the one it names with the current text — (404 for another job's), the
    events, and the source's changes when it moved on."""
    versions_qs = review.versions_of(translation)
    numbers = {pk: n for n, pk in enumerate(sorted(versions_qs.values_list("pk", flat=True)), start=1)}
    page = Paginator(versions_qs, 100).get_page(query.get("page"))
    for v in page.object_list:
        v.number = numbers.get(v.pk, 0)
    comparison = None
    a_id, b_id = _version_id(query.get("a")), _version_id(query.get("b"))
    if a_id is None and b_id is not None:
        a_id, b_id = b_id, None  # one chosen version: compared with the current text
    if a_id is not None:
        wanted = [pk for pk in (a_id, b_id) if pk is not None]
        found = {v.pk: v for v in versions_qs.filter(pk__in=wanted)}
        if any(pk not in found for pk in wanted):
            raise Http404("No such version")
        a, b = found[a_id], found[b_id] if b_id is not None else None
        if b is not None and b.pk < a.pk:
            a, b = b, a
        comparison = {
            "a": a,
            "b": b,
            "a_number": numbers.get(a.pk, 0),
            "b_number": numbers.get(b.pk, 0) if b is not None else None,
            "rows": version_comparison(translation, a, b),
        }
    stale = review.source_is_stale(translation)
    current = translation.article.current_revision
    source_rows = diff.source_changes(translation.source_revision.blocks, current.blocks) if stale and current else []
    # On a published story an editor's restore opens a correction with that text.
    can_restore = permissions.can_edit_text(user=user, translation=translation) and (
        translation.state in editing.EDITABLE_STATES
        or (translation.state == State.PUBLISHED and permissions.is_editor(user))
    )
    return {
        "translation": translation,
        "page": page,
        "comparison": comparison,
        "events": translation.events.select_related("actor__contributor"),
        "stale": stale,
        "source_rows": source_rows,
        "can_restore": can_restore,
        "can_follow": stale
        and (permissions.is_editor(user) or permissions.can_review(user=user, translation=translation)),
        "distribution": story_distribution(article_id=translation.article_id, language=translation.language),
    }


def review_base(translation: Translation) -> versions.Pin | None:
    """The submission the reviewer compares against, found by the revision its event pinned.

    While in review the newest submission *is* the text under review, so the one before it is
    the base; otherwise the newest submission is.
    """
    submitted = versions.submitted_versions(translation, limit=2)
    if translation.state == State.IN_REVIEW:
        return submitted[1] if len(submitted) > 1 else None
    return submitted[0] if submitted else None


def credit_preview(translation: Translation, viewer: Any) -> dict[str, Any]:
    """Credits as readers will see them, with the viewer as reviewer if they approve, and "with
    machine assistance" when the text under review meets the rule publication applies."""
    rows = review.credit_rows(translation)
    translators = [
        {"name": r["preview_name"]} for r in rows if r["credit"].role == Role.TRANSLATOR and r["credit"].is_credited
    ]
    reviewers = [
        {"name": r["preview_name"]} for r in rows if r["credit"].role == Role.REVIEWER and r["credit"].is_credited
    ]
    if not reviewers and permissions.is_reviewer(viewer):
        reviewers = [{"name": people.public_name(viewer, Role.REVIEWER)}]
    share = publishing.live_machine_share(translation=translation)
    return {"translators": translators, "reviewers": reviewers, "machine_credit": machine_assist.credit_words(share)}


PART_LABELS = {
    "title": gettext_lazy("title"),
    "lead": gettext_lazy("lead"),
    "notes": gettext_lazy("translator's notes"),
    "tags": gettext_lazy("tags"),
    "byline": gettext_lazy("byline"),
}


def _spans(numbers: list[int]) -> str:
    """[1, 2, 3, 5] → "1–3, 5"."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def review_authors(*, translation: Translation, viewer: Any) -> list[dict[str, Any]]:
    """Who wrote the version under review (the latest submission while in review, else the
    working copy), each named as ``viewer`` may see them: the parts they wrote and those a
    machine drafted at their request ("paragraphs 1–3, 5" by the source's order)."""
    pin = versions.latest_pin(translation, "submit") if translation.state == State.IN_REVIEW else None
    # A version pinned before authors were recorded carries none: the working copy's (frozen in
    # review, so the same text; the data migration filled it) stand for it, as four eyes reads them.
    authors = (versions.version_authors(pin.version) if pin is not None else {}) or translation.authors
    by_person = versions.authors_by_person(authors)
    if not by_person:
        return []
    order = {block["id"]: i for i, block in enumerate(translation.source_revision.blocks, start=1)}
    people_by_pk = {
        u.pk: u for u in get_user_model().objects.filter(pk__in=list(by_person)).select_related("contributor")
    }

    def describe(parts: list[str], blocks: list[str]) -> str:
        words = [str(PART_LABELS[p]) for p in parts if p in PART_LABELS]
        numbers = [order[b] for b in blocks if b in order]
        if numbers:
            label = ngettext("paragraph %(n)s", "paragraphs %(n)s", len(numbers)) % {"n": _spans(numbers)}
            words.append(label)
        return ", ".join(words)

    rows = []
    for pk, wrote in sorted(
        by_person.items(), key=lambda item: min([order.get(b, 0) for b in item[1]["blocks"]] or [0])
    ):
        person = people_by_pk.get(pk)
        machine_parts = [b for b in wrote["machine"] if b in PART_LABELS]
        rows.append(
            {
                "name": people.desk_name(person=person, viewer=viewer) if person else _("a deleted account"),
                "wrote": describe(wrote["parts"], wrote["blocks"]),
                "machine": describe(machine_parts, [b for b in wrote["machine"] if b not in PART_LABELS]),
            }
        )
    return rows


def _byline_text(snapshot: dict[str, Any]) -> str:
    return "By " + ", ".join(part for part in (snapshot.get("byline"), snapshot.get("byline_outlet")) if part)


def review_page(*, user: Any, translation: Translation) -> dict[str, Any]:
    """Everything readers will get, for the review page: the text with its diff against the
    previous submission, notes, omissions with their reasons, check warnings and the credit
    lines, next to the source and the comment threads."""
    base = review_base(translation)
    old = base.snapshot if base else None
    comments = list(
        translation.comments.select_related("author__contributor", "resolved_by__contributor").order_by(
            "created_at", "pk"
        )
    )
    threads: dict[str, list[dict[str, Any]]] = {}
    by_pk: dict[int, dict[str, Any]] = {c.pk: {"comment": c, "replies": []} for c in comments}
    for c in comments:
        if c.parent_id and c.parent_id in by_pk:
            by_pk[c.parent_id]["replies"].append(c)
        else:
            threads.setdefault(c.block_id, []).append(by_pk[c.pk])
    problems = workflow.translation_problems(translation=translation)
    problems_by_block = checks.by_block(problems)
    notes_after: dict[str, list[dict[str, Any]]] = {}
    for note in translation.notes:
        if str(note.get("text", "")).strip():
            notes_after.setdefault(str(note.get("after", "")), []).append(note)
    names = publishing.block_names(translation=translation)  # quotes' attributions, photographers
    pictures = review_pictures(blocks=translation.source_revision.blocks)
    outlet = publishing.live_byline(translation=translation, article=translation.article)[1]
    rows = []
    for block in translation.source_revision.blocks:
        entry = translation.blocks.get(block["id"]) or {}
        text = diff.block_text(translation.blocks, block["id"])
        before = diff.block_text(old["blocks"], block["id"]) if old else ""
        tokenized = inline.block_tokens(block)
        name = names.get(block["id"])
        typed = str(entry.get(name["part"], "")) if name else ""
        rows.append(
            {
                "block": block,
                "picture": pictures.get(block["id"]),
                "name": name,
                "name_typed": typed,
                # The one credit line readers get under the picture: photographer / outlet.
                "photo_credit": " / ".join(p for p in ((typed or name["default"]) if name else "", outlet) if p)
                if block.get("kind") == "image"
                else "",
                "text": text,
                # Tokens highlighted on both sides, so a dropped link shows.
                "source_marked": inline.marked(tokenized.text, tokenized) if tokenized.tokens else None,
                "text_marked": inline.marked(text, tokenized),
                "omitted": bool(entry.get("omitted")),
                "reason": str(entry.get("reason", "")),
                "alt": str(entry.get("alt", "")),  # an image's translated alt text
                "diff": inline.marked_html(diff.word_diff(before, text), tokenized) if old else None,
                "changed": bool(old) and before != text,
                "threads": threads.get(block["id"], []),
                "problems": problems_by_block.get(block["id"], []),
                "notes": notes_after.get(block["id"], []),
                "machine_mark": translation.machine_drafts.get(block["id"]),
            }
        )
    can_comment = permissions.can_comment(user=user, translation=translation)
    actions = workflow.available_actions(user=user, translation=translation)
    return {
        "translation": translation,
        "article": translation.article,
        "rows": rows,
        "base": base.version if base else None,
        "title_diff": diff.word_diff(old["title"], translation.title) if old else None,
        "lead_diff": diff.word_diff(old["lead"], translation.lead) if old else None,
        "byline": publishing.live_byline(translation=translation, article=translation.article),
        "byline_diff": diff.word_diff(_byline_text(old), _byline_text(text_snapshot(translation))) if old else None,
        "general_threads": threads.get("", []),
        "general_problems": problems_by_block.get("", []),
        "notes_top": notes_after.get("", []),
        "warning_count": sum(1 for p in problems if not p.is_error),
        "error_count": sum(1 for p in problems if p.is_error),
        "can_comment": can_comment,
        "mention_candidates": review.mention_candidates(translation=translation, viewer=user) if can_comment else [],
        "can_approve": "approve" in actions,
        "can_request_changes": "request_changes" in actions,
        "comment_form": CommentForm(),
        "authors": review_authors(translation=translation, viewer=user),
        **credit_preview(translation, user),
    }


def review_pictures(*, blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The stored picture of each image block (by block id), for the review page: one query."""
    ids = [
        b["attrs"]["image"]
        for b in blocks
        if b.get("kind") == "image" and isinstance((b.get("attrs") or {}).get("image"), int)
    ]
    images = SourceImage.objects.in_bulk(ids)
    out: dict[str, dict[str, Any]] = {}
    for block in blocks:
        image = images.get((block.get("attrs") or {}).get("image")) if block.get("kind") == "image" else None
        picture = picture_data(block, image=image) if image is not None else None
        if picture:
            out[str(block["id"])] = picture
    return out


def live_story_url(translation: Translation) -> str:
    """The public page of the translation's story in its language, "" when it is not live there."""
    article = translation.article
    if not Article.objects.filter(Article.live_q(translation.language), pk=article.pk).exists():
        return ""
    return article_url(article, translation.language)


def board_filter(qs: Any, data: dict[str, Any]) -> Any:
    """The board's filters (the form's cleaned data) applied to ``qs``."""
    if data.get("language"):
        qs = qs.filter(article__language=data["language"])
    if data.get("target"):
        qs = qs.filter(language=data["target"])
    if data.get("outlet"):
        qs = qs.filter(article__outlet=data["outlet"])
    if data.get("assignee"):
        qs = qs.filter(translator=data["assignee"])
    if data.get("reviewer"):
        qs = qs.filter(reviewer=data["reviewer"])
    if data.get("due_before"):
        qs = qs.filter(due_at__lt=timezone.make_aware(dt.datetime.combine(data["due_before"], dt.time.min)))
    if data.get("overdue"):
        qs = qs.filter(due_at__lt=timezone.now(), state__in=ACTIVE_STATES)
    if data.get("tag"):
        tag = data["tag"].strip()
        published_tag = Tag.objects.filter(articles=OuterRef("article_id")).filter(Q(name__iexact=tag) | Q(slug=tag))
        qs = qs.filter(Q(article__source_tags__contains=[tag]) | Q(Exists(published_tag)))
    if data.get("q"):
        q = data["q"].strip()
        # The jobs whose source or translated title matches, each found through its own trigram
        # index and joined by a UNION (an OR across the two would read every job).
        # Searched once per request: up to BOARD_EXACT_COUNT matches are kept as ids, so the
        # counts, the page's ids and its rows read them by primary key instead of searching again.
        by_source = Translation.objects.filter(article__source_title__icontains=q).order_by().values_list("pk")
        by_title = Translation.objects.filter(title__icontains=q).order_by().values_list("pk")
        matches = by_source.union(by_title)
        found = [pk for (pk,) in matches[: selectors.BOARD_EXACT_COUNT + 1]]
        qs = qs.filter(pk__in=found if len(found) <= selectors.BOARD_EXACT_COUNT else matches)
    return qs


def holder(t: Translation, *, viewer: Any) -> str:
    """Who must act on the job now, in words: the named person and their part, or who may take
    it up when nobody holds it ("Translator anna (Anna K.)", "Nobody holds it — any editor can act")."""
    if t.is_correction and t.state == State.IN_PROGRESS:
        name = people.desk_name(person=t.corrected_by, viewer=viewer) if t.corrected_by_id else _("an editor")
        return _("Editor %(name)s (correcting the published story)") % {"name": name}
    if t.state == State.IN_PROGRESS and t.translator_id:
        return _("Translator %(name)s") % {"name": people.desk_name(person=t.translator, viewer=viewer)}
    if t.state == State.IN_REVIEW:
        if t.reviewer_id:
            return _("Reviewer %(name)s") % {"name": people.desk_name(person=t.reviewer, viewer=viewer)}
        return _("Nobody holds it — any reviewer can review it")
    if t.state == State.OPEN:
        return _("Nobody holds it — any translator can claim it")
    if t.state == State.APPROVED:
        return _("Nobody holds it — any editor can act")
    if t.state == State.SCHEDULED:
        return _("Nobody — it goes live at its scheduled time")
    if t.state == State.PUBLISHED:
        return _("Nobody — it is published")
    if t.state == State.SPIKED:
        return _("Nobody — it was spiked")
    return _("Nobody holds it")


def waiting_label(since: dt.datetime | None, *, now: dt.datetime) -> str:
    """How long a job has been in its state, short and rounded: "under a minute", "45 min",
    "3 h", "2 days"."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(n)d h") % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _html_datetime(value: dt.datetime | None) -> str:
    """``value`` as ``<time datetime>`` wants it (the ``html_datetime`` filter's text: in the
    current zone, to the second)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


def state_labels() -> dict[str, str]:
    """Each state's label in the current language, by value: a list of many jobs translates
    each label once (``get_state_display`` would search the choices per row)."""
    return {value: str(label) for value, label in State.choices}


def board_rows(*, user: Any, translations: list[Translation]) -> list[dict[str, Any]]:
    """Every cell of the board's rows as text, made once per page (``desk/board.html``'s row only
    prints them): a person's name once per person, each route reversed once, the next steps
    from :func:`next_steps_for`. ``translations`` come with :data:`BOARD_COLUMNS` and
    ``held_since`` (``selectors.board_translations``)."""
    now = timezone.now()
    url = PkUrls()
    steps = next_steps_for(user=user, translations=translations)
    sees_reviews = permissions.is_reviewer(user)
    names: dict[int, str] = {}
    published = _("Published")
    labels = state_labels()
    clock = times.DeskClock()

    def name(person: Any) -> str:
        if person is None:
            return "—"
        if person.pk not in names:
            names[person.pk] = people.desk_name(person=person, viewer=user) or "—"
        return names[person.pk]

    rows = []
    for t in translations:
        held_since: dt.datetime | None = getattr(t, "held_since", None)
        outlet = t.article.outlet
        rows.append(
            {
                "url": url("desk:translation", t.pk),
                "source_language": t.article.language,
                "source_title": t.article.source_title,
                "title": t.title,
                "outlet": outlet.name if outlet is not None else "",
                "state": t.state,
                "state_label": labels[t.state],
                # A story with an open correction stays live, marked (as desk/_state_badge.html).
                "published_label": published if t.is_correction else "",
                "correction_label": _("Correction in progress (%(state)s)") % {"state": labels[t.state]}
                if t.is_correction
                else "",
                "holder": holder(t, viewer=user),
                "waiting": waiting_label(held_since, now=now),
                "held_datetime": _html_datetime(held_since),
                "held_since_long": clock(held_since, "j M Y H:i"),
                "held_since": clock(held_since, "j M H:i"),
                "translator": name(t.translator if t.translator_id else None),
                "reviewer": name(t.reviewer if t.reviewer_id else None),
                "due_datetime": _html_datetime(t.due_at),
                "due": clock(t.due_at, "j M H:i"),
                "is_overdue": bool(t.due_at and t.due_at < now and t.state in ACTIVE_STATES),
                "history_url": url("desk:history", t.pk) if sees_reviews or t.translator_id == user.pk else "",
                "review_url": url("desk:review", t.pk) if sees_reviews else "",
                "preview_url": url("desk:preview", t.pk) if sees_reviews else "",
                "steps": steps[t.pk],
            }
        )
    return rows


def work_items(
    *, user: Any, translations: list[Translation], changes_requested: set[int] | frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """My work's lists (the person's jobs and those waiting for their review) as text made once
    per page, as :func:`board_rows`: ``desk/mine.html`` only prints them. ``changes_requested``
    holds the ids whose reviewer asked for changes (:func:`changes_requested_ids`)."""
    url = PkUrls()
    clock = times.DeskClock()
    labels = state_labels()
    steps = next_steps_for(user=user, translations=translations)
    return [
        {
            "url": url("desk:translation", t.pk),
            "review_url": url("desk:review", t.pk),
            "title": t.title,
            "source_language": t.article.language,
            "source_title": t.article.source_title,
            "outlet": t.article.outlet.name if t.article.outlet is not None else "",
            "state": t.state,
            "state_label": labels[t.state],
            "changes_requested": t.state == State.IN_PROGRESS and t.pk in changes_requested,
            "due_datetime": _html_datetime(t.due_at),
            "due": clock(t.due_at, "j M H:i"),
            "steps": steps[t.pk],
        }
        for t in translations
    ]


def board_page(*, user: Any, form: Any, query: Any) -> dict[str, Any]:
    """The board: every job ``user`` may see, by state, filtered by the bound ``form``, searched
    and paginated (``query`` is the request's GET)."""
    qs = selectors.board_translations(user=user)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = board_filter(qs, data)
    counts, estimated = selectors.board_state_counts(qs=qs)
    if data.get("state"):
        qs = qs.filter(selectors.board_state_q(data["state"]))
    # The page's ids first, in the board's order through its index (translation_board), then only
    # those rows with their joins and the time in their state: page 100 skips ids, not joined rows.
    ids = qs.order_by("due_at", "-updated_at", "pk").values_list("pk", flat=True)
    paginator = Paginator(ids, BOARD_PAGE_SIZE)
    # The per-state counts already hold the total: spare the paginator its own COUNT(*).
    paginator.count = counts[data["state"]] if data.get("state") else sum(counts.values())  # type: ignore[misc]
    page = paginator.get_page(query.get("page"))
    # Only the columns the board shows, through only the joins they need.
    chosen = qs.filter(pk__in=list(page.object_list)).select_related(None).select_related(*BOARD_RELATED)
    shown = {t.pk: t for t in chosen.only(*BOARD_COLUMNS)}
    page.object_list = [shown[pk] for pk in page.object_list if pk in shown]
    versions.pinned_authors_prefetch(page.object_list)  # each card's next steps, in two queries
    query = query.copy()
    query.pop("page", None)
    state_links = []
    for value, label in State.choices:
        link = query.copy()
        link["state"] = value
        state_links.append({"value": value, "label": label, "count": counts[value], "query": link.urlencode()})
    all_link = query.copy()
    all_link.pop("state", None)
    rows = board_rows(user=user, translations=page.object_list)
    return {
        "form": form,
        "page": page,
        "rows": rows,
        "state_links": state_links,
        "all_query": all_link.urlencode(),
        "total": sum(counts.values()),
        "estimated": estimated,
        "state": data.get("state", ""),
        "query": query.urlencode(),
        "mt_enabled": machine.is_enabled(),
    }
