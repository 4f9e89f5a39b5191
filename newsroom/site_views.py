"""The public site: readers only ever see what was published (the live fields)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article, SlugRedirect
from translations.models import Credit, Translation


def published_articles():  # type: ignore[no-untyped-def]
    lang = get_language() or "en"
    field = build_localized_fieldname("published_at", lang)
    return Article.objects.filter(**{f"{field}__isnull": False}).select_related("outlet").order_by(f"-{field}")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html", {"articles": published_articles()[:20]})


def article(request: HttpRequest, slug: str) -> HttpResponse:
    lang = get_language() or "en"
    credits = Prefetch(
        "translations",
        queryset=Translation.objects.filter(language=lang).prefetch_related(
            Prefetch("credits", queryset=Credit.objects.filter(is_credited=True))
        ),
        to_attr="live_translations",
    )
    obj = (
        published_articles()
        .filter(**{build_localized_fieldname("slug", lang): slug})
        .prefetch_related(credits, "corrections", "tags")
        .first()
    )
    if obj is None:
        old = SlugRedirect.objects.filter(language=lang, slug=slug).select_related("article").first()
        if old is not None:
            return redirect(old.article, permanent=True)
        raise Http404("No such article")
    translation = obj.live_translations[0] if obj.live_translations else None
    credits_by_role: dict[str, list[Credit]] = {}
    for credit in translation.credits.all() if translation else []:
        credits_by_role.setdefault(credit.role, []).append(credit)
    return render(
        request,
        "site/article.html",
        {
            "article": obj,
            "translators": credits_by_role.get("translator", []),
            "reviewers": credits_by_role.get("reviewer", []),
            "corrections": [c for c in obj.corrections.all() if c.language == lang],
        },
    )
