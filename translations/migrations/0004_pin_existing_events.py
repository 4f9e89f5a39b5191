"""Pin the latest submission and approval of jobs under way when pinning was introduced.

Before this, events did not record the revision they saved. For each translation in review,
approved, scheduled or published, the latest ``submit`` and ``approve`` events get the revision
of the newest version saved at or before them, and that version's text hash, so that the
approval check and publishing find what was reviewed.
"""

import json

from django.db import migrations

PINNED_STATES = ("in_review", "approved", "scheduled", "published")


def pin_existing(apps, schema_editor):
    from translations.versions import text_hash

    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    Translation = apps.get_model("translations", "Translation")
    WorkflowEvent = apps.get_model("translations", "WorkflowEvent")
    content_type = ContentType.objects.filter(app_label="translations", model="translation").first()
    if content_type is None:
        return
    for t in Translation.objects.filter(state__in=PINNED_STATES).only("pk"):
        for action in ("submit", "approve"):
            event = (
                WorkflowEvent.objects.filter(translation_id=t.pk, action=action, revision__isnull=True)
                .order_by("-created_at", "-pk")
                .first()
            )
            if event is None:
                continue
            version = (
                Version.objects.filter(
                    content_type=content_type,
                    object_id=str(t.pk),
                    revision__date_created__lte=event.created_at,
                )
                .select_related("revision")
                .order_by("-revision__date_created", "-pk")
                .first()
            )
            if version is None:
                continue
            fields = json.loads(version.serialized_data)[0]["fields"]
            snapshot = {
                "title": fields.get("title") or "",
                "lead": fields.get("lead") or "",
                "blocks": fields.get("blocks") if isinstance(fields.get("blocks"), dict) else {},
                "notes": fields.get("notes") if isinstance(fields.get("notes"), list) else [],
                "tags": fields.get("tags") or "",
            }
            event.revision_id = version.revision_id
            event.content_hash = text_hash(snapshot, source_revision_id=fields.get("source_revision"))
            event.save(update_fields=["revision", "content_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0003_pinned_versions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(pin_existing, migrations.RunPython.noop)]
