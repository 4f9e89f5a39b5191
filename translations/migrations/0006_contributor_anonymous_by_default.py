"""Profiles default to anonymous credit, like invitations: nobody is named until they choose."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('translations', '0005_machine_drafts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contributor',
            name='credit_mode',
            field=models.CharField(choices=[('real_name', 'My real name'), ('pseudonym', 'A pseudonym'), ('anonymous', '"A volunteer translator" (no name)')], default='anonymous', max_length=12, verbose_name='credit me as'),
        ),
    ]
