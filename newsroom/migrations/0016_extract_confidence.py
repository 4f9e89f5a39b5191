from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0015_stored_listing")]

    operations = [
        migrations.AddField(
            model_name="sourcerevision",
            name="extraction_confidence",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
