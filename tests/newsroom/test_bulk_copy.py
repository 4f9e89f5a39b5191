"""``newsroom.core.bulk.rows_copy`` writes what ``bulk_create`` writes (the archive import's rows)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from newsroom.core.bulk import ids_take, rows_copy
from newsroom.models import SEARCH_FIELDS, Article, SourceRevision
from tests.factories import OutletFactory

AWKWARD = 'Tab\there, a new\nline, a back\\slash, "quotes", NULL, \\N and ёлка'


def articles(outlet, *, tag: str) -> list[Article]:
    return [
        Article(
            outlet=outlet,
            source_url=f"https://copy.example.by/{tag}/{n}/",
            language="ru",
            authors=[AWKWARD, "Author"] if n else [],
            source_title=AWKWARD,
            source_published_at=None if n else dt.datetime(2020, 8, 17, 10, 47, tzinfo=dt.UTC),
            title_en=f"{AWKWARD} {n}",
            slug_en=f"{tag}-{n}",
            body_en=[{"id": "p1", "kind": "paragraph", "text": AWKWARD, "html": AWKWARD, "attrs": {"x": None}}],
            related_ids_en=[3, 1, 2] if n else [],
            page_en={"content": AWKWARD, "xkeys": ["story-1"]},
            published_at_en=dt.datetime(2021, 3, 1, 12, 0, tzinfo=dt.UTC),
        )
        for n in range(3)
    ]


def rows(prefix: str) -> list[dict]:
    values = list(
        Article.objects.filter(source_url__startswith=prefix).order_by("source_url").values()
    )  # every column, the generated search vectors included
    for row in values:
        for name in ("id", "created_at", "updated_at", "source_url", "slug", "slug_en"):  # made unique here
            row.pop(name, None)
    return values


def test_rows_copy_writes_what_bulk_create_writes(db):
    outlet = OutletFactory()
    Article.objects.bulk_create(articles(outlet, tag="insert"))
    copied = articles(outlet, tag="copy")
    for article, pk in zip(copied, ids_take(Article, len(copied)), strict=True):
        article.pk = pk
    rows_copy(copied)

    assert rows("https://copy.example.by/copy/") == rows("https://copy.example.by/insert/")
    stored = Article.objects.get(pk=copied[1].pk)
    assert stored.source_title == AWKWARD and stored.authors == [AWKWARD, "Author"]
    assert stored.body_en[0]["text"] == AWKWARD and stored.related_ids_en == [3, 1, 2]
    assert stored.created_at is not None  # auto_now_add, as bulk_create sets it
    with connection.cursor() as cursor:  # the database made the search vectors
        cursor.execute(f"SELECT {SEARCH_FIELDS[0]}::text FROM newsroom_article WHERE id = %s", [copied[1].pk])
        assert "back" in cursor.fetchone()[0]
    assert not copied[0]._state.adding  # saved objects, as bulk_create leaves them
    copied[0].save(update_fields=["source_title"])


def test_rows_copy_takes_rows_of_one_model_with_their_ids(db):
    outlet = OutletFactory()
    with pytest.raises(ValueError, match="primary key"):
        rows_copy(articles(outlet, tag="no-ids"))
    article = articles(outlet, tag="mixed")[0]
    article.pk = ids_take(Article, 1)[0]
    with pytest.raises(ValueError, match="one model"):
        rows_copy([article, SourceRevision(pk=1, article=article, number=1)])
    assert not Article.objects.filter(source_url__startswith="https://copy.example.by/").exists()
    rows_copy([])
    assert ids_take(Article, 0) == []
