"""An outlet's public name per language: the one way the reader site (pages, lists, search, feeds,
JSON-LD, the API, newsletters, through ``newsroom.site.selectors``) and the templates
(``{% load public_names %}``) name an outlet or a story's source.

Below the site (the template filters use it, and the site imports the template helpers).
"""

from __future__ import annotations

from newsroom import bylines
from newsroom.models import Article, Outlet


def outlet_name(*, outlet: Outlet, lang: str) -> str:
    """An outlet's public name in ``lang``: the only way the site (pages, lists, search, feeds,
    JSON-LD, the API, newsletters) names an outlet. Its English (Latin) name set on the outlet,
    else its credit name transliterated; a Cyrillic-script language keeps the credit name
    (``Outlet.byline_name``, the rule the bylines' default follows too)."""
    return outlet.byline_name(lang)


def source_name(*, article: Article, lang: str) -> str:
    """A story's source as readers of ``lang`` see it named: its outlet (:func:`outlet_name`),
    else the source site's host name."""
    if article.outlet is not None:
        return outlet_name(outlet=article.outlet, lang=lang)
    return article.source_name


def source_name_lang(*, article: Article, lang: str) -> str:
    """The ``lang`` to mark :func:`source_name` with: the outlet's language when the name is
    still in its script on a page in another language ("" when it reads in ``lang``)."""
    outlet = article.outlet
    if outlet is None or outlet.language == lang:
        return ""
    return outlet.language if bylines.is_cyrillic(source_name(article=article, lang=lang)) else ""
