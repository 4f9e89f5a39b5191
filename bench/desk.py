"""Benchmark of the editors' desk on a big newsroom: 50,000 articles with translations in every
state and 200,000 reversion versions, loaded with PostgreSQL COPY into a database of its own
(``bench_desk`` on the embedded server, or BENCH_DESK_DATABASE_URL).

Then, logged in as an editor with the Django test client, it times the board's first page, a
filtered page, a search and the history page of a translation with many versions, and counts
the queries each page runs (CaptureQueriesContext). Prints a table.

    .venv/bin/python bench/desk.py               # loads once, reuses the data afterwards
    BENCH_RELOAD=1 .venv/bin/python bench/desk.py  # wipe and load again
    BENCH_ARTICLES=5000 BENCH_VERSIONS=20000 ...   # a smaller run
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "50000"))
VERSIONS = int(os.environ.get("BENCH_VERSIONS", "200000"))
HOT_VERSIONS = 300  # versions of the translation whose history page is timed
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


def setup_django() -> None:
    if not os.environ.get("BENCH_DESK_DATABASE_URL"):
        from newsroom.core import embedded_db

        os.environ["DATABASE_URL"] = embedded_db.database_url("bench_desk")
    else:
        os.environ["DATABASE_URL"] = os.environ["BENCH_DESK_DATABASE_URL"]
    os.environ.setdefault("DEBUG", "1")  # a development secret key; nothing is served
    # Timed as a signed-in editor whose session is not asked for a second factor (as bench/cluster.py).
    os.environ.setdefault("DESK_REQUIRE_SECOND_FACTOR", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.conf import settings

    # The test client's host, and mail kept in memory (not setup_test_environment(), whose
    # template instrumentation would slow every render down).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def copy_rows(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` (dicts by attname) into ``model``'s table; missing columns take field defaults."""
    from django.db import connection, models
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    defaults = {f.attname: f.get_default() for f in fields}
    is_json = {f.attname: isinstance(f, models.JSONField) for f in fields}
    n = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:  # type: ignore[attr-defined]
            for row in rows:
                values = []
                for f in fields:
                    value = row[f.attname] if f.attname in row else defaults[f.attname]
                    values.append(Jsonb(value) if is_json[f.attname] and value is not None else value)
                copy.write_row(values)
                n += 1
    return n


def reset_sequences(*models_: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1)) FROM \"{table}\""
            )


RU_WORDS = (
    "пикет сотрудники МИД Минск протест выборы суд задержание Окрестина журналист "
    "министерство заявление улица вечером женщины студенты завод забастовка"
).split()


def ru_sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(RU_WORDS) for _ in range(n)).capitalize() + "."


def load(rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone
    from reversion.models import Revision, Version

    from newsroom.models import Article, Outlet, SourceRevision
    from translations.models import Contributor, State, Translation, WorkflowEvent

    User = get_user_model()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reversion_version, reversion_revision, translations_workflowevent, translations_credit, "
            "translations_comment, translations_notification, translations_translation, newsroom_sourcerevision, "
            "newsroom_article, newsroom_outlet, newsroom_auditentry RESTART IDENTITY CASCADE"
        )
    User.objects.filter(username__startswith="bench_").delete()
    groups = {g.name: g for g in Group.objects.all()}

    def make_users(prefix: str, n: int, role: str) -> list[Any]:
        users = User.objects.bulk_create(
            [User(username=f"bench_{prefix}{i}", first_name="Bench", last_name=f"{prefix}{i}") for i in range(n)]
        )
        Contributor.objects.bulk_create([Contributor(user=u, is_volunteer=role == "translator") for u in users])
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=groups[role].pk) for u in users]
        )
        return users

    editors = make_users("editor", 5, "editor")
    reviewers = make_users("reviewer", 20, "reviewer")
    translators = make_users("translator", 300, "translator")
    outlets = Outlet.objects.bulk_create(
        [
            Outlet(name=f"Outlet {i}", slug=f"outlet-{i}", credit_name=f"Outlet {i}", site_url=f"https://o{i}.example")
            for i in range(8)
        ]
    )
    now = timezone.now()
    states = list(State.values)
    weights = [10, 25, 15, 8, 2, 35, 5]  # open, in_progress, in_review, approved, scheduled, published, spiked

    plan: list[dict[str, Any]] = []
    for i in range(1, ARTICLES + 1):
        state = rng.choices(states, weights)[0]
        created = now - dt.timedelta(minutes=rng.randint(10, 60 * 24 * 365))
        plan.append(
            {
                "id": i,
                "state": state,
                "created": created,
                "outlet": outlets[i % len(outlets)].pk,
                "translator": None if state in (State.OPEN, State.SPIKED) else rng.choice(translators).pk,
                "reviewer": rng.choice(reviewers).pk if state not in (State.OPEN, State.IN_PROGRESS) else None,
                "blocks": [
                    {"id": f"p-{i:06d}{k}", "kind": "paragraph", "text": ru_sentence(rng), "html": "", "attrs": {}}
                    for k in range(6)
                ],
            }
        )
    for p in plan:
        for b in p["blocks"]:
            b["html"] = b["text"]

    copy_rows(
        Article,
        (
            {
                "id": p["id"],
                "outlet_id": p["outlet"],
                "source_url": f"https://o{p['outlet']}.example/news/{p['id']}.html",
                "language": "ru" if p["id"] % 5 else "be",
                "source_title": f"{ru_sentence(rng, 7)[:-1]} {p['id']}",
                "source_tags": [rng.choice(RU_WORDS), rng.choice(RU_WORDS)],
                "triage": "accepted",
                "created_at": p["created"],
                "updated_at": p["created"],
                "title_en": f"Published story {p['id']}" if p["state"] == State.PUBLISHED else "",
                "slug_en": f"published-story-{p['id']}" if p["state"] == State.PUBLISHED else "",
                "published_at_en": p["created"] + dt.timedelta(days=1) if p["state"] == State.PUBLISHED else None,
            }
            for p in plan
        ),
    )
    copy_rows(
        SourceRevision,
        (
            {
                "id": p["id"],
                "article_id": p["id"],
                "number": 1,
                "fetched_at": p["created"],
                "title": "t",
                "blocks": p["blocks"],
                "raw_compressed": b"",
            }
            for p in plan
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "newsroom_article" SET "current_revision_id" = "id"')

    def target(p: dict[str, Any], words: str) -> dict[str, Any]:
        if p["state"] == State.OPEN:
            return {}
        return {b["id"]: {"text": f"{words} {b['id']}", "omitted": False, "reason": ""} for b in p["blocks"]}

    copy_rows(
        Translation,
        (
            {
                "id": p["id"],
                "article_id": p["id"],
                "language": "en",
                "state": p["state"],
                "title": "" if p["state"] == State.OPEN else f"Translated story {p['id']}",
                "blocks": target(p, "English text of"),
                "source_revision_id": p["id"],
                "translator_id": p["translator"],
                "reviewer_id": p["reviewer"],
                "due_at": p["created"] + dt.timedelta(days=rng.randint(1, 14)),
                "claimed_at": p["created"] if p["translator"] else None,
                "scheduled_for": now + dt.timedelta(days=3) if p["state"] == State.SCHEDULED else None,
                "first_published_at": p["created"] if p["state"] == State.PUBLISHED else None,
                "state_before_spike": State.OPEN if p["state"] == State.SPIKED else "",
                "created_at": p["created"],
                "updated_at": p["created"] + dt.timedelta(hours=1),
            }
            for p in plan
        ),
    )

    def events() -> Iterator[dict[str, Any]]:
        eid = 0
        for p in plan:
            path = {
                State.OPEN: [("open", "open", "open")],
                State.IN_PROGRESS: [("open", "open", "open"), ("claim", "open", "in_progress")],
                State.IN_REVIEW: [
                    ("open", "open", "open"),
                    ("claim", "open", "in_progress"),
                    ("submit", "in_progress", "in_review"),
                ],
                State.APPROVED: [
                    ("open", "open", "open"),
                    ("claim", "open", "in_progress"),
                    ("submit", "in_progress", "in_review"),
                    ("approve", "in_review", "approved"),
                ],
                State.SCHEDULED: [
                    ("open", "open", "open"),
                    ("approve", "in_review", "approved"),
                    ("schedule", "approved", "scheduled"),
                ],
                State.PUBLISHED: [
                    ("open", "open", "open"),
                    ("claim", "open", "in_progress"),
                    ("submit", "in_progress", "in_review"),
                    ("approve", "in_review", "approved"),
                    ("publish", "approved", "published"),
                ],
                State.SPIKED: [("open", "open", "open"), ("spike", "open", "spiked")],
            }[p["state"]]
            at = p["created"]
            for action, old, new in path:
                eid += 1
                at = at + dt.timedelta(minutes=rng.randint(5, 3000))
                yield {
                    "id": eid,
                    "translation_id": p["id"],
                    "actor_id": p["translator"] or editors[0].pk,
                    "action": action,
                    "from_state": old,
                    "to_state": new,
                    "comment": "",
                    "created_at": min(at, now),
                }

    copy_rows(WorkflowEvent, events())

    # Reversion: VERSIONS versions, HOT_VERSIONS of them on translation 1, the rest spread out.
    ct = ContentType.objects.get_for_model(Translation)
    field_names = [f.name for f in Translation._meta.concrete_fields if f.name != "id"]

    def serialized(p: dict[str, Any], n: int) -> str:
        fields: dict[str, Any] = {name: None for name in field_names}
        fields.update(
            {
                "article": p["id"],
                "language": "en",
                "state": p["state"],
                "title": f"Translated story {p['id']} v{n}",
                "lead": "",
                "blocks": target(p, f"Draft {n} of"),
                "notes": [],
                "tags": "",
                "source_revision": p["id"],
                "translator": p["translator"],
                "reviewer": p["reviewer"],
                "brief": "",
                "state_before_spike": "",
                "correction_note": "",
                "is_correction": False,
                "edit_version": n,
                "created_at": p["created"].isoformat(),
                "updated_at": p["created"].isoformat(),
            }
        )
        return json.dumps([{"model": "translations.translation", "pk": p["id"], "fields": fields}], ensure_ascii=False)

    owners = [plan[0]] * HOT_VERSIONS + [rng.choice(plan) for _ in range(VERSIONS - HOT_VERSIONS)]
    comments = ["Submitted for review", "Saved a version", "Claimed", "Changes requested", "Approved", "Assigned"]
    copy_rows(
        Revision,
        (
            {
                "id": i,
                "date_created": now - dt.timedelta(minutes=VERSIONS - i),
                "user_id": owner["translator"] or editors[0].pk,
                "comment": rng.choice(comments),
            }
            for i, owner in enumerate(owners, start=1)
        ),
    )
    copy_rows(
        Version,
        (
            {
                "id": i,
                "object_id": str(owner["id"]),
                "content_type_id": ct.pk,
                "db": "default",
                "format": "json",
                "serialized_data": serialized(owner, i),
                "object_repr": f"Translated story {owner['id']}",
                "revision_id": i,
            }
            for i, owner in enumerate(owners, start=1)
        ),
    )
    reset_sequences(Article, SourceRevision, Translation, WorkflowEvent, Revision, Version)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"Loaded {ARTICLES:,} articles/translations and {VERSIONS:,} versions in {time.perf_counter() - started:.0f} s"
    )


# Indexes proposed to the model owners (not in the migrations yet); BENCH_PROPOSED_INDEXES=1
# creates them in the bench database only, to measure what they would bring.
PROPOSED_INDEXES = [
    "CREATE INDEX IF NOT EXISTS bench_article_title_trgm ON newsroom_article USING gin (UPPER(source_title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_translation_title_trgm ON translations_translation USING gin (UPPER(title) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_translation_board ON translations_translation (due_at, updated_at DESC, id)",
]
DROP_PROPOSED = [
    "DROP INDEX IF EXISTS bench_article_title_trgm",
    "DROP INDEX IF EXISTS bench_translation_title_trgm",
    "DROP INDEX IF EXISTS bench_translation_board",
]


def proposed_indexes(enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for sql in PROPOSED_INDEXES if enabled else DROP_PROPOSED:
            cursor.execute(sql)
        cursor.execute("ANALYZE translations_translation")
        cursor.execute("ANALYZE newsroom_article")


def measure() -> list[tuple[str, float, float, int, float]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from newsroom.models import Outlet
    from translations.models import Translation

    editor = get_user_model().objects.get(username="bench_editor0")
    client = Client()
    client.force_login(editor)
    hot = Translation.objects.get(pk=1)
    outlet = Outlet.objects.order_by("pk").first()
    targets: list[tuple[str, ...]] = [
        ("board, first page", "/desk/"),
        ("board, page 100", "/desk/?page=100"),
        (
            "board, filtered (in review, outlet, overdue)",
            f"/desk/?state=in_review&outlet={outlet.pk if outlet else ''}&overdue=on",
        ),
        ("board, search", "/desk/?q=%D0%BF%D0%B8%D0%BA%D0%B5%D1%82+%D0%9C%D0%B8%D0%BD%D1%81%D0%BA"),
        ("My work (a translator)", "/desk/mine/", "bench_translator0"),
        ("My work (a reviewer)", "/desk/mine/", "bench_reviewer0"),
        ("Open jobs (a translator)", "/desk/jobs/", "bench_translator0"),
        ("Open jobs, page 50", "/desk/jobs/?page=50", "bench_translator0"),
        (f"history ({HOT_VERSIONS} versions)", f"/desk/t/{hot.pk}/history/"),
        ("review page", f"/desk/t/{hot.pk}/review/"),
    ]
    results = []
    clients = {editor.username: client}
    for label, url, *who in targets:
        username = who[0] if who else editor.username
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        client = clients[username]
        assert client.get(url).status_code == 200, url  # warm up
        timings, cpu = [], []
        queries = 0
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as ctx:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, url
            queries = len(ctx.captured_queries)
        results.append((label, statistics.median(timings), max(timings), queries, statistics.median(cpu)))
    return results


def main() -> None:
    setup_django()
    from translations.models import Translation

    rng = random.Random(6)  # noqa: S311 - reproducible fake data
    if os.environ.get("BENCH_RELOAD") or Translation.objects.count() < ARTICLES:
        load(rng)
    from reversion.models import Version

    with_indexes = bool(os.environ.get("BENCH_PROPOSED_INDEXES"))
    proposed_indexes(with_indexes)
    print(f"Data: {Translation.objects.count():,} translations, {Version.objects.count():,} versions")
    print("With the proposed indexes" if with_indexes else "With the indexes of the migrations only")
    rows = measure()
    print(
        f"Load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (Python CPU ms: this process only, not the database's)"
    )
    print(f"{'page':<48} {'median ms':>10} {'max ms':>8} {'queries':>8} {'CPU ms':>8}")
    for label, median, worst, queries, cpu in rows:
        print(f"{label:<48} {median:>10.1f} {worst:>8.1f} {queries:>8} {cpu:>8.1f}")


if __name__ == "__main__":
    main()
