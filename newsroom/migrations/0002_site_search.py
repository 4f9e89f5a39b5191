"""Site search: a stored tsvector of the live English text, kept by PostgreSQL.

``newsroom_body_text(jsonb)`` joins the ``text`` of every block of a live body. It is
IMMUTABLE (it only reads its argument), which a stored generated column requires.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import newsroom.models

BODY_TEXT_SQL = """
CREATE OR REPLACE FUNCTION newsroom_body_text(body jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(b.block ->> 'text', E'\\n\\n' ORDER BY b.ord), '')
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(body) = 'array' THEN body ELSE '[]'::jsonb END)
       WITH ORDINALITY AS b(block, ord)
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(BODY_TEXT_SQL, reverse_sql="DROP FUNCTION IF EXISTS newsroom_body_text(jsonb);"),
        migrations.AddField(
            model_name="article",
            name="search_en",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.CombinedSearchVector(
                    django.contrib.postgres.search.CombinedSearchVector(
                        django.contrib.postgres.search.SearchVector("title_en", config="english", weight="A"),
                        "||",
                        django.contrib.postgres.search.SearchVector("lead_en", config="english", weight="B"),
                        django.contrib.postgres.search.SearchConfig("english"),
                    ),
                    "||",
                    django.contrib.postgres.search.SearchVector(
                        newsroom.models.BodyText("body_en"), config="english", weight="C"
                    ),
                    django.contrib.postgres.search.SearchConfig("english"),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_en"], name="article_search_en"),
        ),
    ]
