"""Read-side queries for the desk, with their joins already applied."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, QuerySet

from translations import permissions, versions
from translations.models import Notification, State, Translation


def translations_visible_to(*, user: Any) -> QuerySet[Translation]:
    """Editors and reviewers see every job; translators see open jobs and their own; others nothing.

    The one rule for who may see a job: every desk page and action finds its job through it.
    (:func:`people_who_see` states it for many people at once; a test keeps the two agreeing.)"""
    # The profiles come along: desk pages label people by their credit choice (translations/people.py).
    qs = Translation.objects.select_related(
        "article", "article__outlet", "translator__contributor", "reviewer__contributor", "source_revision"
    )
    if permissions.is_reviewer(user):
        return qs
    if permissions.is_desk_member(user):
        from django.db.models import Q

        return qs.filter(Q(state=State.OPEN) | Q(translator=user))
    return qs.none()


def people_who_see(*, translation: Translation, people: list[Any]) -> list[Any]:
    """Those of ``people`` who may see ``translation``: :func:`translations_visible_to`'s rule
    (reviewers and editors every job, other desk members open jobs and their own), for many
    people at once — their roles in one query instead of two queries a person
    (``tests/translations/test_editor_long_read.py`` checks both agree for every role)."""
    from django.contrib.auth.models import Group

    ids = [p.pk for p in people]
    roles: dict[int, set[str]] = {pk: set() for pk in ids}
    for user_id, name in Group.user_set.through.objects.filter(user_id__in=ids).values_list("user_id", "group__name"):
        roles[user_id].add(name)
    for person in people:
        if getattr(person, "_desk_groups", None) is None:
            person._desk_groups = roles[person.pk] if person.is_active else set()  # roles._groups' cache
    return [
        p
        for p in people
        if permissions.is_reviewer(p)
        or (permissions.is_desk_member(p) and (translation.state == State.OPEN or translation.translator_id == p.pk))
    ]


def notifications_unread_count(*, user: Any) -> int:
    """How many of ``user``'s notifications are unread (the desk bar shows it on every page)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- Editors' desk -----------------------------------------------------------


def board_translations(*, user: Any) -> QuerySet[Translation]:
    """The board's rows for ``user``: visible translations with ``held_since`` (time of the
    last state change, falling back to creation) computed per row by a correlated subquery."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from translations.models import WorkflowEvent

    last_event = (
        WorkflowEvent.objects.filter(translation=OuterRef("pk")).order_by("-created_at", "-pk").values("created_at")[:1]
    )
    return translations_visible_to(user=user).annotate(held_since=Coalesce(Subquery(last_event), "created_at"))


def board_state_q(state: str) -> Any:
    """The board's rule for "in ``state``": a story with an open correction stays under
    Published (it is live; the correction is marked), and out of the working states."""
    from django.db.models import Q

    if state == State.PUBLISHED:
        return Q(state=State.PUBLISHED) | Q(is_correction=True)
    return Q(state=state, is_correction=False)


# Up to this many jobs the board counts them (reading at most one more row's state); past it,
# the counts are the planner's estimates: the board never counts the whole table.
BOARD_EXACT_COUNT = 2000
# How long a filter's estimates are kept. They come from the table's statistics, which only
# ANALYZE moves, and the board says "about": a filter holding fewer jobs again shows exact counts
# at most this late.
BOARD_ESTIMATE_SECONDS = 30


def board_state_counts(*, qs: QuerySet[Translation]) -> tuple[dict[str, int], bool]:
    """Jobs of ``qs`` per board state, every state present (see :func:`board_state_q`), and
    whether they are estimates. Exact while ``qs`` holds at most :data:`BOARD_EXACT_COUNT`
    jobs (their states read, no more); past it, PostgreSQL's estimate per state (``EXPLAIN``,
    from the table's statistics), so the board costs the same at 500 and at 500,000 jobs. The
    estimates are kept :data:`BOARD_ESTIMATE_SECONDS` per filter (its SQL, the viewer's
    visibility included): the next request neither reads the states nor asks the planner."""
    from django.db.models import Case, CharField, Value, When
    from django.db.models import F as Field

    shown = Case(
        When(is_correction=True, then=Value(State.PUBLISHED.value)), default=Field("state"), output_field=CharField()
    )
    qs = qs.order_by()
    sql, params = qs.values("pk").query.sql_with_params()
    key = "desk:board-estimates:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    kept = cache.get(key)
    if kept is not None:
        return kept, True
    states = list(qs.annotate(board_state=shown).values_list("board_state", flat=True)[: BOARD_EXACT_COUNT + 1])
    if len(states) <= BOARD_EXACT_COUNT:
        return {state: states.count(state) for state in State.values}, False
    counts = {state: _estimate(qs.filter(board_state_q(state))) for state in State.values}
    if not any(isinstance(param, dt.datetime) for param in params):  # "overdue" is never asked twice
        cache.set(key, counts, BOARD_ESTIMATE_SECONDS)
    return counts, True


def _estimate(qs: QuerySet[Any]) -> int:
    """PostgreSQL's estimate of how many rows ``qs`` has (its plan's row count; nothing is read)."""
    import json

    plan = json.loads(qs.values("pk").explain(format="json"))
    return max(0, round(plan[0]["Plan"]["Plan Rows"]))


def desk_members() -> QuerySet[Any]:
    """Active desk members (translators, reviewers, editors), by username."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    User = get_user_model()
    # EXISTS rather than a join and DISTINCT over every column: one pass over the users.
    in_role = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=permissions.ROLE_GROUPS)
    return (
        User.objects.filter(Q(is_active=True) & (Q(Exists(in_role)) | Q(is_superuser=True)))
        .select_related("contributor")
        .order_by("username")
    )


def desk_reviewers() -> QuerySet[Any]:
    """Active reviewers and editors, by username."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    roles = [permissions.REVIEWER, permissions.EDITOR]
    reviews = get_user_model().groups.through.objects.filter(user_id=OuterRef("pk"), group__name__in=roles)
    return desk_members().filter(Q(Exists(reviews)) | Q(is_superuser=True))


def desk_members_with_load() -> QuerySet[Any]:
    """Active desk members with ``load``: jobs they translate (in progress/in review) plus jobs they review."""
    from django.contrib.auth import get_user_model
    from django.db.models import OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce

    active = [State.IN_PROGRESS, State.IN_REVIEW]
    translating = (
        # A correction is the editors' work, not its translator's.
        Translation.objects.filter(translator=OuterRef("pk"), state__in=active, is_correction=False)
        .order_by()
        .values("translator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reviewing = (
        Translation.objects.filter(reviewer=OuterRef("pk"), state=State.IN_REVIEW)
        .order_by()
        .values("reviewer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        get_user_model()
        .objects.filter(Q(is_active=True) & (Q(groups__name__in=permissions.ROLE_GROUPS) | Q(is_superuser=True)))
        .distinct()
        .annotate(load=Coalesce(Subquery(translating), 0) + Coalesce(Subquery(reviewing), 0))
        .select_related("contributor")
        .order_by("username")
    )


def reviewers_with_load() -> QuerySet[Any]:
    from django.db.models import Q

    return desk_members_with_load().filter(
        Q(groups__name__in=[permissions.REVIEWER, permissions.EDITOR]) | Q(is_superuser=True)
    )


def _review_waiting(*, user: Any) -> QuerySet[Translation]:
    """Jobs in review ``user`` may review, by due date: not their own translation, not a
    correction they opened (permissions.can_review)."""
    qs = (
        Translation.objects.filter(state=State.IN_REVIEW)
        .select_related("article", "article__outlet", "translator")
        .defer("blocks", "notes")
        .order_by("due_at", "updated_at", "pk")
    )
    return qs.exclude(translator=user).exclude(is_correction=True, corrected_by=user)


def review_queue(*, user: Any, assigned_limit: int | None = None) -> dict[str, list[Translation]]:
    """What waits for ``user``'s review: jobs in review assigned to them (the first
    ``assigned_limit`` of them when given: :func:`review_assigned_count` counts them all), then
    unassigned ones and corrections they may take (not their own translation, not a text they
    changed, not a correction they opened). Empty for non-reviewers."""
    if not permissions.is_reviewer(user):
        return {"assigned": [], "unassigned": []}
    from django.db.models import Q

    mine = _review_waiting(user=user)
    assigned = list(mine.filter(reviewer=user)[:assigned_limit])
    unassigned = [
        t
        for t in mine.filter(Q(reviewer__isnull=True) | Q(is_correction=True)).exclude(reviewer=user)
        if user.pk not in versions.author_ids(t.authors)
    ]
    return {"assigned": assigned, "unassigned": unassigned}


def review_assigned_count(*, user: Any) -> int:
    """How many of :func:`review_queue`'s jobs are assigned to ``user`` (one COUNT)."""
    if not permissions.is_reviewer(user):
        return 0
    return _review_waiting(user=user).filter(reviewer=user).count()


SOURCE_LANGUAGES_KEY, SOURCE_LANGUAGES_SECONDS = "desk:job-source-languages", 60


def job_source_languages() -> list[tuple[str, Any]]:
    """The source languages that open jobs actually have, as ``(code, name)`` in the order of
    ``SOURCE_LANGUAGES``: Open jobs offers only these to filter by (never the language a job is
    translated into, which no job has as its source)."""
    # Read over every open job, so kept a minute (SOURCE_LANGUAGES_SECONDS): a language's first
    # open job may join the filter's choices that much later; the jobs themselves are never cached.
    have = cache.get(SOURCE_LANGUAGES_KEY)
    if have is None:
        have = set(
            Translation.objects.filter(state=State.OPEN)
            .exclude(article__language=F("language"))
            .order_by()  # (DISTINCT over the languages alone, not the default order's column too)
            .values_list("article__language", flat=True)
            .distinct()
        )
        cache.set(SOURCE_LANGUAGES_KEY, have, SOURCE_LANGUAGES_SECONDS)
    return [(code, name) for code, name in settings.SOURCE_LANGUAGES if code in have]


def jobs_offered_to(*, qs: QuerySet[Translation], user: Any) -> QuerySet[Translation]:
    """The jobs of ``qs`` between the languages of ``user``'s profile.

    The profile's source languages limit the source; the publishing languages it lists limit
    the target. A profile that lists none of one kind does not limit that side.
    """
    contributor = getattr(user, "contributor", None)
    languages = set(contributor.languages if contributor is not None else [])
    sources = languages & {code for code, _name in settings.SOURCE_LANGUAGES}
    targets = languages & set(settings.PUBLISHING_LANGUAGES)
    if sources:
        qs = qs.filter(article__language__in=sorted(sources))
    if targets:
        qs = qs.filter(language__in=sorted(targets))
    return qs


JOB_ROW_FIELDS = (
    "language",
    "state",
    "translator",
    "due_at",
    "brief",
    "is_correction",
    "created_at",
    "article__language",
    "article__source_title",
    "article__source_tags",
    "article__outlet__name",
    "source_revision__word_count",
)


def jobs_open(*, user: Any, filters: dict[str, Any]) -> QuerySet[Translation]:
    """Open jobs for the translators' board, soonest due first, narrowed by ``filters`` (the job
    filter form's cleaned data, {} when it is not valid). Without a language filter nor
    ``every_language``, only the jobs between the languages of ``user``'s profile."""
    qs = (
        Translation.objects.filter(state=State.OPEN)
        .select_related("article", "article__outlet", "source_revision")
        # Only what the board shows and the Claim check reads: not the text, the story's stored
        # pages and search columns, nor the source's blocks (a page of 50 rows, not megabytes).
        .only(*JOB_ROW_FIELDS)
        .order_by(F("due_at").asc(nulls_last=True), "created_at")
    )
    if not (filters.get("every_language") or filters.get("language") or filters.get("target")):
        qs = jobs_offered_to(qs=qs, user=user)
    if filters.get("target"):
        qs = qs.filter(language=filters["target"])
    if filters.get("language"):
        qs = qs.filter(article__language=filters["language"])
    if filters.get("outlet"):
        qs = qs.filter(article__outlet=filters["outlet"])
    if filters.get("due_before"):
        qs = qs.filter(due_at__date__lt=filters["due_before"])
    if filters.get("max_words") is not None:
        qs = qs.filter(source_revision__word_count__lte=filters["max_words"])
    return qs
