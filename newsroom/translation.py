"""django-modeltranslation registration (the module name is modeltranslation's convention).

Not to be confused with the ``translations`` app: this registers the Article's *live*
fields, one column per publishing language (``title_en``, …).
"""

from modeltranslation.translator import TranslationOptions, register

from newsroom.models import Article


@register(Article)
class ArticleLiveOptions(TranslationOptions):
    fields = (
        "title",
        "lead",
        "body",
        "slug",
        "published_at",
        "seo_description",
        "body_html",
        "related_ids",
        "byline",
        "byline_outlet",
        "page",
        "listed",
        "machine_share",
    )
    required_languages = ()
