"""Stored bodies rendered before pictures were stored pointed readers at the outlets' servers.

The rendered body (``body_html_<lang>``) of every story with an image block is emptied: the
page then renders the body from its blocks, where an image block without a stored picture
(``attrs["image"]``) shows nothing, so no reader loads a picture from an outlet. The next
publication renders and stores the body again; ``manage.py fetch_source_pictures`` stores
the pictures and renders those bodies again with them (docs/DEPLOYMENT.md).
"""

from django.db import migrations


def forget_hotlinked_bodies(apps, schema_editor):
    Article = apps.get_model("newsroom", "Article")
    names = {f.name for f in Article._meta.get_fields()}
    for field in sorted(names):
        if not field.startswith("body_html_"):
            continue
        body = "body_" + field.removeprefix("body_html_")
        if body not in names:
            continue
        (
            Article.objects.filter(**{f"{body}__contains": [{"kind": "image"}]})
            .exclude(**{f"{field}__isnull": True})
            .exclude(**{field: ""})
            .update(**{field: ""})
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0011_source_images"),
    ]

    operations = [migrations.RunPython(forget_hotlinked_bodies, migrations.RunPython.noop)]
