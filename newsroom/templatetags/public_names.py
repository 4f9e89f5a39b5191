"""``{{ article|source_name }}``, ``{{ article|source_name_lang }}``, ``{{ outlet|outlet_name }}``:
a story's source and an outlet named in the page's language, through the site's one selector
(``newsroom.outlet_names``). The page's language is the active one (the rendering
at publication activates each language in turn)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import get_language

from newsroom import outlet_names
from newsroom.models import Article, Outlet

register = template.Library()


def _lang() -> str:
    """The page's language (as ``site.selectors.site_language``: the active one if it publishes)."""
    lang = get_language() or settings.LANGUAGE_CODE
    return lang if lang in settings.PUBLISHING_LANGUAGES else settings.LANGUAGE_CODE


@register.filter
def source_name(article: Article) -> str:
    return outlet_names.source_name(article=article, lang=_lang())


@register.filter
def source_name_lang(article: Article) -> str:
    return outlet_names.source_name_lang(article=article, lang=_lang())


@register.filter
def outlet_name(outlet: Outlet) -> str:
    return outlet_names.outlet_name(outlet=outlet, lang=_lang())
