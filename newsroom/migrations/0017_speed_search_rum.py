"""Site search ranked from the index: RUM indexes replace the GIN ones on ``search_<code>``.

The ``rum`` extension is required (Debian's ``postgresql-15-rum``, installed by ``make install``;
``docs/DEPLOYMENT.md``): ``ORDER BY search_<code> <=> query LIMIT n`` then reads the best
matches from the index instead of ranking every match.
"""

import django.contrib.postgres.operations
from django.db import migrations

import newsroom.models

CODES = ("en", "de", "pl", "uk", "fr", "lt")


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0016_extract_confidence"),
    ]

    operations = [
        django.contrib.postgres.operations.CreateExtension("rum"),
        *(migrations.RemoveIndex(model_name="article", name=f"article_search_{code}") for code in CODES),
        *(
            migrations.AddIndex(
                model_name="article",
                index=newsroom.models.RumIndex(
                    fields=[f"search_{code}"], opclasses=["rum_tsvector_ops"], name=f"article_search_{code}_rum"
                ),
            )
            for code in CODES
        ),
    ]
