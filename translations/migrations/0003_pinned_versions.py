"""Events pin the revision they saved and the text hash; events protect their translation."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
        ('translations', '0002_roles'),
    ]

    operations = [
        migrations.AddField(
            model_name='translation',
            name='text_changed_by',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.PositiveIntegerField(), blank=True, default=list, size=None),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='content_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='workflowevent',
            name='revision',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reversion.revision'),
        ),
        migrations.AlterField(
            model_name='workflowevent',
            name='translation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='translations.translation'),
        ),
    ]
