"""Authorship becomes a record: ``Translation.authors`` replaces ``text_changed_by``.

Existing rows get their authors from what is known: every versioned change of the text (the
revision's user, part by part, from the second version on: the first holds the job as opened),
then the translator and everyone in ``text_changed_by`` for every part with text (autosaves
were not versioned, so who typed what between versions is not known: all of it is theirs).
"""

import json

from django.db import migrations, models

TEXT_FIELDS = ("title", "lead", "blocks", "notes", "tags", "byline", "byline_outlet")


def _snapshot(fields):
    return {name: fields.get(name) for name in TEXT_FIELDS}


def authors_from_history(apps, schema_editor):
    # The one rule that grows an authors map; a pure function of plain data.
    from translations.versions import authors_add

    Translation = apps.get_model("translations", "Translation")
    Version = apps.get_model("reversion", "Version")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="translations", model="translation").first()
    for t in Translation.objects.all().iterator():
        authors = {}
        previous = None
        versions = (
            Version.objects.filter(content_type=content_type, object_id=str(t.pk))
            .select_related("revision")
            .order_by("pk")
            if content_type is not None
            else []
        )
        for version in versions:
            try:
                fields = json.loads(version.serialized_data)[0]["fields"]
            except (ValueError, LookupError, TypeError):
                continue
            snap = _snapshot(fields)
            if previous is not None and snap != previous and version.revision.user_id is not None:
                authors = authors_add(
                    authors=authors, before=previous, after=snap, user_id=version.revision.user_id
                )
            previous = snap
        current = {name: getattr(t, name) for name in TEXT_FIELDS}
        for user_id in dict.fromkeys([t.translator_id, *(getattr(t, "text_changed_by", None) or [])]):
            if user_id is not None:
                authors = authors_add(authors=authors, before=None, after=current, user_id=user_id)
        if authors:
            Translation.objects.filter(pk=t.pk).update(authors=authors)


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0009_people_role_grants"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="translation",
            name="authors",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(authors_from_history, migrations.RunPython.noop),
        migrations.RemoveField(model_name="translation", name="text_changed_by"),
    ]
