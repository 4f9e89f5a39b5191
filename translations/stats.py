"""Desk statistics and the small SVG charts that show them (drawn on the server, escaped).

Every chart has a ``<title>`` and ``<desc>`` and its data is also shown as a table, so
nothing is conveyed by the picture alone. People appear only by their public credit name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from translations.models import Contributor, Role, State, Translation, WorkflowEvent
from translations.people.names import public_name

WEEKS = 12


def published_per_week(*, now: dt.datetime | None = None, weeks: int = WEEKS) -> list[tuple[dt.date, int]]:
    """Publications (publish events) per desk-time week, Monday first, oldest week first."""
    now = timezone.localtime(now or timezone.now())
    this_monday = (now - dt.timedelta(days=now.weekday())).date()
    first = this_monday - dt.timedelta(weeks=weeks - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    counts: dict[dt.date, int] = {first + dt.timedelta(weeks=i): 0 for i in range(weeks)}
    for created_at in WorkflowEvent.objects.filter(action="publish", created_at__gte=start).values_list(
        "created_at", flat=True
    ):
        day = timezone.localtime(created_at).date()
        monday = day - dt.timedelta(days=day.weekday())
        if monday in counts:
            counts[monday] += 1
    return sorted(counts.items())


def median_hours_in_state() -> list[tuple[str, str, float, int]]:
    """Median hours a translation spent in each state, from consecutive WorkflowEvents.

    Each event starts an interval in its ``to_state`` that ends at the next event of the same
    translation; intervals still running are left out. Returns ``(state, label, hours, n)``.
    """
    sql = """
        SELECT to_state, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), count(*)
        FROM (
            SELECT to_state,
                   EXTRACT(EPOCH FROM (LEAD(created_at) OVER w - created_at)) AS seconds
            FROM translations_workflowevent
            WINDOW w AS (PARTITION BY translation_id ORDER BY created_at, id)
        ) AS intervals
        WHERE seconds IS NOT NULL
        GROUP BY to_state
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = {state: (float(median or 0) / 3600, int(n)) for state, median, n in cursor.fetchall()}
    labels = dict(State.choices)
    return [
        (state, str(labels[state]), round(rows[state][0], 1), rows[state][1]) for state in State.values if state in rows
    ]


def work_per_translator(*, limit: int = 20) -> list[tuple[str, int, int]]:
    """``(credit name, published, active)`` per translator, busiest first; credit names only."""
    per_user = (
        Translation.objects.filter(translator__isnull=False)
        .values("translator")
        .annotate(
            published=Count("pk", filter=Q(first_published_at__isnull=False)),
            active=Count("pk", filter=Q(state__in=[State.IN_PROGRESS, State.IN_REVIEW])),
        )
        .order_by("-published", "-active")[:limit]
    )
    rows = list(per_user)
    contributors = {
        c.user_id: c
        for c in Contributor.objects.filter(user_id__in=[r["translator"] for r in rows]).select_related("user")
    }
    result = []
    for row in rows:
        contributor = contributors.get(row["translator"])
        name = contributor.credit_name(Role.TRANSLATOR) if contributor else public_name(None, Role.TRANSLATOR)
        result.append((name, row["published"], row["active"]))
    return result


OVERDUE_SHOWN = 50


def overdue_jobs(*, now: dt.datetime | None = None) -> Any:
    now = now or timezone.now()
    return (
        Translation.objects.filter(due_at__lt=now, state__in=[State.OPEN, State.IN_PROGRESS, State.IN_REVIEW])
        .select_related("article", "translator__contributor")
        .order_by("due_at")
    )


def bar_chart(*, title: str, description: str, data: list[tuple[str, float]], unit: str = "") -> SafeString:
    """A horizontal bar chart as inline SVG; labels and values are escaped."""
    bar_h, gap, label_w, chart_w = 18, 6, 160, 300
    top = 4
    height = top + len(data) * (bar_h + gap) + 4
    peak = max((v for _l, v in data), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{label_w + chart_w + 70}" '
        f'height="{max(height, 30)}" viewBox="0 0 {label_w + chart_w + 70} {max(height, 30)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]
    for i, (label, value) in enumerate(data):
        y = top + i * (bar_h + gap)
        width = round(chart_w * value / peak) if value else 0
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{width}" height="{bar_h}" fill="#2a5db0"></rect>'
            f'<text x="{label_w + width + 4}" y="{y + bar_h - 5}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers are formatted by us, text is escaped


def desk_stats(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the stats page shows, with its charts."""
    weekly = published_per_week(now=now)
    medians = median_hours_in_state()
    work = work_per_translator()
    return {
        "weekly": weekly,
        "weekly_chart": bar_chart(
            title="Translations published per week",
            description=f"Publications in each of the last {WEEKS} weeks, by the Monday that starts the week.",
            data=[(monday.strftime("%d %b"), n) for monday, n in weekly],
        ),
        "medians": medians,
        "medians_chart": bar_chart(
            title="Median time in each state",
            description="Median hours a translation spends in each state before it moves on.",
            data=[(label, hours) for _s, label, hours, _n in medians],
            unit=" h",
        ),
        "work": work,
        "work_chart": bar_chart(
            title="Work per translator",
            description="Published translations per translator, by public credit name.",
            data=[(name, published) for name, published, _a in work],
        ),
        # The oldest first, capped: the board's "overdue" filter pages through all of them.
        "overdue": overdue_jobs(now=now)[:OVERDUE_SHOWN],
    }
