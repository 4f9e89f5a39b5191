"""The desk's roles are groups. Editors also get the admin permissions they need."""

from django.db import migrations

EDITOR_MODELS = {
    "newsroom": ["outlet", "feed", "feeditem", "tag", "article", "sourcerevision", "correction", "slugredirect", "auditentry"],
    "translations": ["translation", "credit", "comment", "contributor", "glossaryterm", "memoryentry", "invitation",
                     "workflowevent", "notification"],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name="editor")
    Group.objects.get_or_create(name="reviewer")
    Group.objects.get_or_create(name="translator")
    perms = Permission.objects.filter(
        content_type__app_label__in=list(EDITOR_MODELS),
        content_type__model__in=[m for models in EDITOR_MODELS.values() for m in models],
    )
    editor.permissions.add(*perms)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["editor", "reviewer", "translator"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0001_initial"),
        ("newsroom", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
