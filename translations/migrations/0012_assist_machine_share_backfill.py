"""The machine share of stories published before it was stored (newsroom 0019).

Every live language version gets 0, then those whose translation carries machine-draft marks
get the share of their live words that came from a draft unchanged (``newsroom.machine_assist``,
the rule publication applies), read from the live body as published. After deploying, run
``manage.py site_pages_render`` so stored pages show the credit the rule gives.
"""

from django.conf import settings
from django.db import migrations


def backfill(apps, schema_editor):
    from newsroom.machine_assist import live_texts, machine_share

    Article = apps.get_model("newsroom", "Article")
    Translation = apps.get_model("translations", "Translation")
    for lang in settings.MODELTRANSLATION_LANGUAGES:
        Article.objects.filter(**{f"published_at_{lang}__isnull": False}).update(**{f"machine_share_{lang}": 0.0})
    drafted = Translation.objects.exclude(machine_drafts={}).select_related("article")
    for t in drafted.iterator(chunk_size=200):
        lang = t.language
        if lang not in settings.MODELTRANSLATION_LANGUAGES or getattr(t.article, f"published_at_{lang}") is None:
            continue
        share = machine_share(
            texts=live_texts(
                title=getattr(t.article, f"title_{lang}") or "",
                lead=getattr(t.article, f"lead_{lang}") or "",
                body=getattr(t.article, f"body_{lang}") or [],
            ),
            drafts=t.machine_drafts or {},
        )
        Article.objects.filter(pk=t.article_id).update(**{f"machine_share_{lang}": share})


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0011_day_mention_notifications"),
        ("newsroom", "0019_assist_machine_share"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
