"""Accent-insensitive site search: "cafe" finds "café", "Lodz" finds "Łódź".

Each language's search configuration becomes ``newsroom_<config>``: a copy of PostgreSQL's own
with ``unaccent`` (contrib) before its stemmer for words with letters outside ASCII. The
stored ``search_<code>`` columns are generated with it (PostgreSQL cannot alter a generated
column's expression: each is dropped and added again, with its GIN index). Plain GIN, never
RUM: RUM's generic WAL records make a streaming replica fail replay (docs/DESIGN.md, pitfalls).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.operations
import django.contrib.postgres.search
from django.db import migrations, models

import newsroom.models

# code → (PostgreSQL's configuration, its dictionary for words)
CONFIGS = {
    "en": ("english", "english_stem"),
    "de": ("german", "german_stem"),
    "pl": ("simple", "simple"),
    "uk": ("simple", "simple"),
    "fr": ("french", "french_stem"),
    "lt": ("lithuanian", "lithuanian_stem"),
}


def _configs_sql() -> str:
    statements = []
    for base, dictionary in sorted(set(CONFIGS.values())):
        name = f"newsroom_{base}"
        statements.append(
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name};"
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base});"
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word"
            f" WITH unaccent, {dictionary};"
        )
    return "\n".join(statements)


def _document(code: str) -> models.Expression:
    config = f"newsroom_{CONFIGS[code][0]}"
    search = django.contrib.postgres.search
    return (
        search.SearchVector(f"title_{code}", weight="A", config=config)
        + search.SearchVector(f"lead_{code}", weight="B", config=config)
        + search.SearchVector(newsroom.models.BodyText(f"body_{code}"), weight="C", config=config)
    )


def _column(code: str) -> list[migrations.operations.base.Operation]:
    index = f"article_search_{code}"
    return [
        migrations.RemoveIndex(model_name="article", name=index),
        migrations.RemoveField(model_name="article", name=f"search_{code}"),
        migrations.AddField(
            model_name="article",
            name=f"search_{code}",
            field=models.GeneratedField(
                db_persist=True,
                editable=False,
                expression=_document(code),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(fields=[f"search_{code}"], name=index),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0019_assist_machine_share"),
    ]

    operations = [
        django.contrib.postgres.operations.UnaccentExtension(),
        migrations.RunSQL(_configs_sql(), reverse_sql=migrations.RunSQL.noop),
        *(operation for code in CONFIGS for operation in _column(code)),
    ]
