"""``import_archive``'s bulk path gives exactly the rows one-by-one publishing gives.

The same small archive is imported twice from the same starting point (stories already live,
sharing tags with it): once by the command's bulk path, once story by story through
``ArchiveImporter.story_import`` with no batch open (each publication rendered at once, as
at the desk). Everything readers and the desk's history get is compared; ids and times of
writing differ by nature and are left out (the related lists are compared by source URL).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import reversion.models
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from newsroom.models import SEARCH_FIELDS, Article, AuditEntry, StoredListing, Tag
from newsroom.site.rendering import related
from tests.factories import ArticleFactory
from translations import versions
from translations.archive import ArchiveImporter, archive_record_parse
from translations.models import Credit, Translation, WorkflowEvent

SKIPPED = {"id", "created_at", "updated_at", "current_revision", "last_activity_at"}


def record(n: int, *, tags: list[str], day: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source_url": f"https://bulk.example.by/{n}/",
        "source_title": f"Исходный заголовок {n}",
        "source_language": "ru" if n % 3 else "be",
        "outlet": {"name": f"Outlet {n % 2}", "site_url": f"https://outlet{n % 2}.example.by/"},
        "authors": [f"Author {n % 4}"],
        "source_published": f"2019-03-{day:02d}T08:00:00+03:00",
        "title": f"Story number {n}",
        "lead": f"The lead of story {n}." if n % 4 else "",
        "paragraphs": [f"First <b>paragraph</b> of {n}.<script>x()</script>", f"Second paragraph of {n}, 5 km away."],
        "tags": tags,
        "published": f"2019-03-{day:02d}T12:{n % 60:02d}:00+03:00",
        "translator": [
            {"name": "Anna Kavalenka", "credit": "pseudonym", "pseudonym": "Minsk Reader"},
            {"name": "Ihar Bely", "credit": "real"},
            {"name": "Hidden Person", "credit": "anonymous"},
        ][n % 3],
    }
    if n % 2:
        data["reviewer"] = {"name": f"Reviewer {n % 3}"}
    data.update(overrides)
    return data


ALREADY_LIVE = [record(100 + n, tags=["Protests", f"Old {n % 2}"], day=1 + n) for n in range(5)]
ARCHIVE = [
    record(n, tags=sorted({"Protests" if n % 2 else "Courts", f"Group {n % 3}", "Новы тэг"}), day=(n * 7) % 27 + 1)
    for n in range(1, 14)
] + [
    # Two stories with one title (their slugs must not clash), one with a title no slug can be made of.
    record(20, tags=["Courts"], day=5, title="Story number 1"),
    record(21, tags=[], day=6, title="Навіны"),
]


def user_name(pk: Any) -> Any:
    return get_user_model().objects.filter(pk=pk).values_list("username", flat=True).first() if pk else None


def named(value: Any) -> Any:
    """``value`` with every ``{"user": id}`` (authorship) replaced by the username."""
    if isinstance(value, dict):
        return {k: (user_name(v) if k == "user" else named(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [named(v) for v in value]
    return value


def snapshot() -> dict[str, Any]:
    """Everything the import wrote, keyed by source URL and username."""
    url_of = dict(Article.objects.values_list("pk", "source_url"))
    user_of = dict(get_user_model().objects.values_list("pk", "username"))

    def key_named(key: str) -> str:
        kind, _dash, number = key.partition("-")
        return {"story": url_of, "person": user_of}[kind][int(number)] if kind in ("story", "person") else key

    fields = [f for f in Article._meta.concrete_fields if f.name not in SKIPPED]
    articles = {}
    for row in Article.objects.values(*[f.attname for f in fields]):
        row = dict(row)
        for name in list(row):
            if name.startswith("related_ids"):
                row[name] = [url_of[pk] for pk in row[name]]
            if not (name.startswith(("page", "listed")) and isinstance(row[name], dict)):
                continue
            page = row[name] = dict(row[name])
            # The edge keys name stories and people by id: compared by the story or person they name.
            for part in ("xkeys", "api_keys"):
                if part in page:
                    page[part] = sorted(key_named(k) for k in page[part])
            for part in ("api", "api_story"):
                if part in page:  # the read API's stored item and answer name their story by id too
                    item = json.loads(page[part])
                    api_url = item["api_url"].replace(f"/{item['id']}/", "/ID/")
                    page[part] = {**item, "id": url_of[item["id"]], "api_url": api_url}
        row["outlet_id"] = Article.objects.get(source_url=row["source_url"]).outlet.name if row["outlet_id"] else None
        row["tags"] = sorted(Article.objects.get(source_url=row["source_url"]).tags.values_list("name", "slug"))
        articles[row["source_url"]] = row
    with connection.cursor() as cursor:  # the search vectors as PostgreSQL stored them
        cursor.execute(
            "SELECT source_url, " + ", ".join(f"{f}::text" for f in SEARCH_FIELDS) + " FROM newsroom_article"
        )
        for url, *vectors in cursor.fetchall():
            articles[url]["search"] = vectors
    jobs: dict[str, Any] = {}
    for t in Translation.objects.select_related("article", "source_revision"):
        url = t.article.source_url
        data = {f.attname: getattr(t, f.attname) for f in Translation._meta.concrete_fields if f.name not in SKIPPED}
        for key in ("article_id", "source_revision_id"):
            data.pop(key)
        data["translator_id"], data["reviewer_id"] = user_name(t.translator_id), user_name(t.reviewer_id)
        data["authors"] = named(data["authors"])
        revision = t.source_revision
        data["source"] = (revision.number, revision.blocks, revision.raw, revision.is_manual, revision.title)
        data["credits"] = sorted(
            (c.role, user_name(c.user_id), c.credit_name, c.is_credited, c.position)
            for c in Credit.objects.filter(translation=t)
        )
        events = []
        for event in WorkflowEvent.objects.filter(translation=t).order_by("pk"):
            stored = reversion.models.Version.objects.filter(revision_id=event.revision_id)
            version = stored.get(content_type__model="translation")
            volatile = SKIPPED | {"article_id", "source_revision_id"}
            field_dict = named({k: v for k, v in version.field_dict.items() if k not in volatile})
            for key in ("translator_id", "reviewer_id"):
                field_dict[key] = user_name(field_dict[key])
            events.append(
                {
                    "event": (event.action, event.from_state, event.to_state, event.comment, user_name(event.actor_id)),
                    "pin_is_the_version": event.content_hash == versions.version_hash(version)
                    and event.content_hash == versions.working_copy_hash(t),
                    "revision": (event.revision.comment, user_name(event.revision.user_id), version.object_repr),
                    "version": field_dict,
                    "followed": sorted((v.content_type.model, v.object_repr) for v in stored),
                }
            )
        data["events"] = events
        data["audit"] = list(
            AuditEntry.objects.filter(target_type="translations.translation", target_id=str(t.pk)).values_list(
                "action", "target_repr", "detail", "actor_id"
            )
        )
        jobs[url] = data
    people = {
        u.username: (
            u.first_name,
            u.last_name,
            u.is_active,
            u.has_usable_password(),
            u.contributor.credit_mode,
            u.contributor.pseudonym,
            u.contributor.is_volunteer,
        )  # fmt: skip
        for u in get_user_model().objects.filter(username__startswith="archive-").select_related("contributor")
    }
    listings = sorted(StoredListing.objects.values_list("name", "language", "html", "stamp"))
    found = {"articles": articles, "jobs": jobs, "people": people, "listings": listings,
             "tags": sorted(Tag.objects.values_list("name", "slug"))}  # fmt: skip
    # A title no slug can be made of gives "article-<id>": the one place an id shows.
    text = json.dumps(found, default=str, sort_keys=True)
    for pk in Article.objects.filter(slug_en__startswith="article-").values_list("pk", flat=True):
        text = re.sub(rf"article-{pk}\b", "article-ID", text)
    return json.loads(text)


def import_bulk(tmp_path: Any) -> dict[str, Any]:
    path = tmp_path / "archive.json"
    path.write_text(json.dumps(ARCHIVE))
    out = io.StringIO()
    with CaptureQueriesContext(connection) as ctx:
        call_command("import_archive", str(path), "--json", "--batch-size", "9", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue()) == {"imported": len(ARCHIVE), "skipped": 0, "failed": []}
    # The bulk path took them (one by one would take dozens of queries per story).
    assert len(ctx.captured_queries) < 8 * len(ARCHIVE), len(ctx.captured_queries)
    return snapshot()


def import_one_by_one() -> dict[str, Any]:
    importer = ArchiveImporter()
    for data in ARCHIVE:
        with transaction.atomic():
            assert importer.story_import(archive_record_parse(data))
    return snapshot()


def from_the_same_start(run: Any) -> dict[str, Any]:
    """``run()``'s snapshot, then the database as it was before it."""
    sid = transaction.savepoint()
    try:
        return run()
    finally:
        transaction.savepoint_rollback(sid)


def test_the_bulk_path_writes_what_one_by_one_publishing_writes(db, tmp_path):
    bulk_and_one_by_one_compared(tmp_path)


def test_ranking_related_stories_among_the_newest_only_changes_nothing(db, tmp_path, monkeypatch):
    # A window smaller than the archive: the second batch's tags are ranked among the newest
    # stories first, the tags short there over the archive (related._tag_pools).
    monkeypatch.setattr(related, "POOL_WINDOW", 3)
    bulk_and_one_by_one_compared(tmp_path)


def test_related_pools_read_the_newest_stories_only_when_they_fill_them(db, monkeypatch):
    """``_tag_pools`` gives what one ranking over the archive gives, whatever the window (ties at
    its edge included), and reads no more than the window when its tags are all full there."""
    common, rare = Tag.objects.create(name="Common", slug="common"), Tag.objects.create(name="Rare", slug="rare")
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    stories = []
    for n in range(12):
        article = ArticleFactory(
            title_en=f"Story {n}", slug_en=f"story-{n}", published_at_en=start + dt.timedelta(days=n // 2)
        )  # two stories a day: ties at every edge
        article.tags.set([common, rare] if n in (0, 1, 4) else [common])
        stories.append(article)
    ArticleFactory(title_en="Not live", slug_en="", published_at_en=start + dt.timedelta(days=30)).tags.set([common])
    tags, exclude = sorted([common.pk, rare.pk]), [stories[-1].pk]
    everything = sorted(related._tag_pools(tags=tags, language="en", exclude=exclude))
    assert sorted(pk for tag, pk, _when in everything if tag == rare.pk) == [stories[n].pk for n in (0, 1, 4)]
    assert sorted(pk for tag, pk, _when in everything if tag == common.pk) == [s.pk for s in stories[7:11]]
    for window in (1, 2, 3, 4, 5, 8, 11, 12, 50):
        monkeypatch.setattr(related, "POOL_WINDOW", window)
        with CaptureQueriesContext(connection) as both:
            assert sorted(related._tag_pools(tags=tags, language="en", exclude=exclude)) == everything, window
        with CaptureQueriesContext(connection) as common_only:
            pools = related._tag_pools(tags=[common.pk], language="en", exclude=exclude)
        assert sorted(pools) == [row for row in everything if row[0] == common.pk], window
        # The window's edge, the ranking within it, and the tags short there over the archive
        # (the rare one always is); fewer live stories than the window: one ranking of them all.
        assert len(both.captured_queries) == (3 if window <= 11 else 2), window
        # The common tag has four stories among the newest four or more: the archive is not ranked.
        assert len(common_only.captured_queries) == (2 if window >= 4 else 3), window


def bulk_and_one_by_one_compared(tmp_path: Any) -> None:
    importer = ArchiveImporter()
    for data in ALREADY_LIVE:  # live before the archive arrives: it joins their related lists
        with transaction.atomic():
            importer.story_import(archive_record_parse(data))
    before = Article.objects.get(source_url=ALREADY_LIVE[-1]["source_url"]).related_ids_en
    one_by_one = from_the_same_start(import_one_by_one)
    bulk = from_the_same_start(lambda: import_bulk(tmp_path))
    assert set(bulk["articles"]) == set(one_by_one["articles"])
    for url, row in one_by_one["articles"].items():
        assert bulk["articles"][url] == row, url
    for url, job in one_by_one["jobs"].items():
        assert bulk["jobs"][url] == job, url
    assert bulk == one_by_one
    # What the comparison covers is really there.
    live = one_by_one["articles"][ALREADY_LIVE[-1]["source_url"]]
    assert live["related_ids_en"] != [o for o in before]  # the archive joined an older story's list
    assert {row["slug_en"] for row in bulk["articles"].values()} >= {"story-number-1", "story-number-1-2"}
    first = bulk["articles"]["https://bulk.example.by/1/"]
    assert first["page_en"]["stamp"] and "Story number" in first["page_en"]["content"] and first["body_html_en"]
    assert "<script" not in first["body_html_en"] and first["search"][0]
    job = bulk["jobs"]["https://bulk.example.by/1/"]
    assert job["events"][0]["pin_is_the_version"] and job["events"][0]["event"][0] == "archive_import"
    assert (
        job["audit"]
        and job["credits"]
        and job["events"][0]["followed"]
        == sorted(
            [["translation", "Исходный заголовок 1 → en"], *(["credit", f"{c[0]}: {c[2]}"] for c in job["credits"])]
        )
    )
    assert {row[0] for row in bulk["listings"]} == {"home"}


def test_the_bulk_path_writes_a_few_statements_per_table_whatever_the_batch_size(db, tmp_path):
    def queries(n: int) -> int:
        path = tmp_path / f"archive-{n}.json"
        path.write_text(json.dumps([record(1000 * n + i, tags=["Protests"], day=1 + i % 27) for i in range(n)]))
        with CaptureQueriesContext(connection) as ctx:
            call_command(
                "import_archive", str(path), "--json", "--batch-size", "500", stdout=io.StringIO(), stderr=io.StringIO()
            )
        assert Article.objects.filter(source_url__startswith=f"https://bulk.example.by/{1000 * n}").exists()
        return len(ctx.captured_queries)

    small, large = queries(3), queries(30)
    # One by one costs dozens of queries per story; the bulk path a handful per batch (the bulk
    # updates split every hundred rows).
    assert large <= small + 3, (small, large)
