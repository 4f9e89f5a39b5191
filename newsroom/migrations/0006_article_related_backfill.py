"""Stories published before 0005 get their related stories once (new publications keep them up to date).

The body HTML needs no backfill: the page renders the blocks itself while ``body_html`` is empty.
"""

from django.conf import settings
from django.db import migrations

RELATED_COUNT = 4


def backfill(apps, schema_editor):
    Article = apps.get_model("newsroom", "Article")
    names = {f.name for f in Article._meta.get_fields()}
    for code in settings.PUBLISHING_LANGUAGES:
        published, slug, field = f"published_at_{code}", f"slug_{code}", f"related_ids_{code}"
        if not {published, slug, field} <= names:
            continue
        live = Article.objects.filter(**{f"{published}__isnull": False}).exclude(**{slug: ""})
        for article in live.only("pk").iterator():
            tag_ids = list(article.tags.values_list("pk", flat=True))
            if not tag_ids:
                continue
            related = list(
                live.filter(tags__in=tag_ids)
                .exclude(pk=article.pk)
                .order_by(f"-{published}", "-pk")
                .values_list("pk", flat=True)
                .distinct()[:RELATED_COUNT]
            )
            Article.objects.filter(pk=article.pk).update(**{field: related})


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0005_article_rendered_body_related")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
