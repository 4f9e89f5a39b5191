"""Benchmarks only: make the archive ``argv[1]`` published stories by copying published ones in SQL.

The documented faster path of ``bench/site.py`` for large sizes (importing 50,000 stories one
by one through ``import_archive`` takes hours on a loaded 2-core machine). Each copy is what
publishing would have written for the story: the article row with its live fields, rendered
body and related ids, its tags, its published translation and its credits; it gets its own
source URL and slug and a publication time before every original (so the newest stories, the
ones the listings show first and the benchmark opens, are imported ones). A copy has no stored
page (it would show the original's title): it is rendered per request. Prints one line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site_settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from newsroom.models import Article  # noqa: E402
from translations.models import Credit, Translation  # noqa: E402

OVERRIDES = {
    "source_url": "a.source_url || 'copy-' || m.copy_no || '/'",
    "slug_en": "a.slug_en || '-c' || m.copy_no",
    # Older than every imported story (five minutes apart), so the newest stories, the ones the
    # listings show first and the benchmark opens, are imported ones with their stored pages.
    "published_at_en": "(SELECT min(published_at_en) FROM newsroom_article) "
    "- (m.new_id - (SELECT min(new_id) FROM pad_map) + 1) * interval '5 minutes'",
    "is_featured": "false",
    # A copy's stored page would show the original's title and address: none is stored, so a
    # copy is rendered per request (the pages the benchmark opens are imported ones).
    **{f"page{suffix}": "'{}'::jsonb" for suffix in ("", "_en", "_de", "_pl", "_uk", "_fr", "_lt")},
}


def columns(model: type, skip: set[str]) -> list[str]:
    return [
        f.column
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False) and f.column not in skip
    ]


@transaction.atomic
def pad(size: int) -> str:
    live = Article.objects.filter(published_at_en__isnull=False)
    have = live.count()
    missing = size - have
    if missing <= 0:
        return f"{have} stories already published, nothing copied"
    article_cols = columns(Article, set())
    translation_cols = columns(Translation, {"article_id"})
    credit_cols = columns(Credit, {"translation_id"})
    with connection.cursor() as cur:
        cur.execute(
            """CREATE TEMP TABLE pad_map ON COMMIT DROP AS
               SELECT a.id AS old_id, g AS copy_no, nextval(pg_get_serial_sequence('newsroom_article', 'id')) AS new_id
               FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM newsroom_article
                     WHERE published_at_en IS NOT NULL AND slug_en <> '') a
               CROSS JOIN generate_series(1, %s) g
               ORDER BY g, a.n LIMIT %s""",
            [missing // max(have, 1) + 1, missing],
        )
        select = ", ".join(OVERRIDES.get(c, f"a.{c}") for c in article_cols)
        cur.execute(
            f"INSERT INTO newsroom_article (id, {', '.join(article_cols)}) "  # noqa: S608 - our own column names
            f"SELECT m.new_id, {select} FROM pad_map m JOIN newsroom_article a ON a.id = m.old_id"
        )
        cur.execute(
            "INSERT INTO newsroom_article_tags (article_id, tag_id) "
            "SELECT m.new_id, t.tag_id FROM pad_map m JOIN newsroom_article_tags t ON t.article_id = m.old_id"
        )
        cur.execute(
            """CREATE TEMP TABLE pad_tmap ON COMMIT DROP AS
               SELECT t.id AS old_id, m.new_id AS article_id,
                      nextval(pg_get_serial_sequence('translations_translation', 'id')) AS new_id
               FROM pad_map m JOIN translations_translation t ON t.article_id = m.old_id"""
        )
        cur.execute(
            f"INSERT INTO translations_translation (id, article_id, {', '.join(translation_cols)}) "  # noqa: S608
            f"SELECT tm.new_id, tm.article_id, {', '.join('t.' + c for c in translation_cols)} "
            "FROM pad_tmap tm JOIN translations_translation t ON t.id = tm.old_id"
        )
        cur.execute(
            f"INSERT INTO translations_credit (translation_id, {', '.join(credit_cols)}) "  # noqa: S608
            f"SELECT tm.new_id, {', '.join('c.' + col for col in credit_cols)} "
            "FROM pad_tmap tm JOIN translations_credit c ON c.translation_id = tm.old_id"
        )
        cur.execute("ANALYZE")
    return f"{missing} copies made in SQL ({have} imported stories)"


if __name__ == "__main__":
    print(pad(int(sys.argv[1])))
