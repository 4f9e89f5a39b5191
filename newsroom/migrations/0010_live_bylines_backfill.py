"""Stories published before bylines were translated get the standard byline once.

For every language a story is live in, the live byline becomes the default a new translation
starts from (newsroom/bylines.py): the source authors transliterated and the outlet's
name (no outlet has an English name yet, so its credit name transliterated). Later
publications copy the approved byline of the translation instead.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations
from django.db.models import Q

from newsroom import bylines


def backfill(apps, schema_editor):
    Article = apps.get_model("newsroom", "Article")
    for code in settings.SUPPORTED_PUBLISHING_LANGUAGES:
        published, slug = f"published_at_{code}", f"slug_{code}"
        byline, outlet_field = f"byline_{code}", f"byline_outlet_{code}"
        live = (
            Article.objects.filter(**{f"{published}__isnull": False})
            .exclude(**{slug: ""})
            .filter(Q(**{f"{outlet_field}__isnull": True}) | Q(**{outlet_field: ""}))
            .select_related("outlet")
        )
        for article in live.iterator():
            authors = bylines.byline_default(
                authors=article.authors, source_language=article.language, target_language=code
            )
            if article.outlet is not None:
                outlet = bylines.outlet_name_default(
                    name_en=article.outlet.name_en,
                    credit_name=article.outlet.credit_name,
                    source_language=article.outlet.language,
                    target_language=code,
                )
            else:
                outlet = urlsplit(article.source_url).hostname or article.source_url
            Article.objects.filter(pk=article.pk).update(**{byline: authors, outlet_field: outlet})


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0009_bylines")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
