"""``{{ article|source_name }}``, ``{{ article|source_name_lang }}``, ``{{ outlet|outlet_name }}``:
a story's source and an outlet named in the page's language, through the site's one selector
(``newsroom.site.selectors.outlet_name``). The page's language is the active one (the rendering
at publication activates each language in turn)."""

from __future__ import annotations

from django import template

from newsroom.models import Article, Outlet
from newsroom.site import selectors

register = template.Library()


@register.filter
def source_name(article: Article) -> str:
    return selectors.source_name(article=article, lang=selectors.site_language())


@register.filter
def source_name_lang(article: Article) -> str:
    return selectors.source_name_lang(article=article, lang=selectors.site_language())


@register.filter
def outlet_name(outlet: Outlet) -> str:
    return selectors.outlet_name(outlet=outlet, lang=selectors.site_language())
