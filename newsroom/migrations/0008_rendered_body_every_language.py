"""The rendered body and related stories for every supported publishing language."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('newsroom', '0007_publishing_languages'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='body_html_de',
            field=models.TextField(blank=True, editable=False, null=True, verbose_name='body (rendered)'),
        ),
        migrations.AddField(
            model_name='article',
            name='body_html_fr',
            field=models.TextField(blank=True, editable=False, null=True, verbose_name='body (rendered)'),
        ),
        migrations.AddField(
            model_name='article',
            name='body_html_lt',
            field=models.TextField(blank=True, editable=False, null=True, verbose_name='body (rendered)'),
        ),
        migrations.AddField(
            model_name='article',
            name='body_html_pl',
            field=models.TextField(blank=True, editable=False, null=True, verbose_name='body (rendered)'),
        ),
        migrations.AddField(
            model_name='article',
            name='body_html_uk',
            field=models.TextField(blank=True, editable=False, null=True, verbose_name='body (rendered)'),
        ),
        migrations.AddField(
            model_name='article',
            name='related_ids_de',
            field=models.JSONField(blank=True, default=list, editable=False, null=True, verbose_name='related stories'),
        ),
        migrations.AddField(
            model_name='article',
            name='related_ids_fr',
            field=models.JSONField(blank=True, default=list, editable=False, null=True, verbose_name='related stories'),
        ),
        migrations.AddField(
            model_name='article',
            name='related_ids_lt',
            field=models.JSONField(blank=True, default=list, editable=False, null=True, verbose_name='related stories'),
        ),
        migrations.AddField(
            model_name='article',
            name='related_ids_pl',
            field=models.JSONField(blank=True, default=list, editable=False, null=True, verbose_name='related stories'),
        ),
        migrations.AddField(
            model_name='article',
            name='related_ids_uk',
            field=models.JSONField(blank=True, default=list, editable=False, null=True, verbose_name='related stories'),
        ),
    ]
