"""What the reader site may read of the desk: published credits and public profiles.

The reader site (``newsroom.site``) never imports the desk's working copies (``translations.
models``, the workflow, the editor); an import-linter contract says so. It reads through these
selectors only: the credit names snapshotted at publication, the public pages people opted in
to, and the source revision a live translation follows. Each returns rows or plain values,
never a working copy's text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation

from translations.models import ANONYMOUS_CREDIT, Contributor, Credit, CreditMode, Role, State, Translation

__all__ = [
    "Role",
    "article_credits",
    "articles_credits",
    "credited_article_ids",
    "credits_prefetch",
    "live_source_revision_ids",
    "live_source_revisions",
    "public_contributor",
    "public_contributors",
    "public_credits",
    "translator_credited_article_ids",
]


def credits_prefetch(*, lang: str) -> Prefetch:
    """The public credits of each article's ``lang`` translation, with profiles for links."""
    credits = Credit.objects.filter(is_credited=True).select_related("user__contributor")
    return Prefetch(
        "translations",
        queryset=Translation.objects.filter(language=lang)
        .exclude(state=State.SPIKED)
        .only("pk", "article_id", "language", "state")
        .prefetch_related(Prefetch("credits", queryset=credits)),
        to_attr="live_translations",
    )


def public_credits(article: Any, credits: list[Credit] | None = None) -> dict[str, list[dict[str, str]]]:
    """``{"translator": [{"name", "url"}], "reviewer": …, "editor": …}`` for ``article``.

    ``credits`` are the article's credited rows (see :func:`article_credits`); without them the
    ones prefetched by :func:`credits_prefetch` are used. The name is the snapshot taken at
    publication (never recomputed from the account, so a pseudonymous or anonymous volunteer
    stays so); a profile link is given only when the person opted in and the profile shows
    the very same name.
    """
    if credits is None:
        credits = [c for t in getattr(article, "live_translations", [])[:1] for c in t.credits.all()]
    out: dict[str, list[dict[str, str]]] = {Role.TRANSLATOR: [], Role.REVIEWER: [], Role.EDITOR: []}
    for credit in credits:
        name = credit.credit_name
        if not name or name in _anonymous_credit_snapshots():
            # Snapshotted in English on the desk: readers see it in the page's language.
            name = str(ANONYMOUS_CREDIT.get(credit.role, ANONYMOUS_CREDIT[Role.TRANSLATOR]))
        url = ""
        contributor = getattr(credit.user, "contributor", None) if credit.user_id else None
        if (
            contributor is not None
            and contributor.has_public_profile
            and contributor.public_slug
            and contributor.credit_mode != CreditMode.ANONYMOUS
            and contributor.credit_name(credit.role) == name
        ):
            url = reverse("site:translator", kwargs={"slug": contributor.public_slug})
        out.setdefault(credit.role, []).append({"name": name, "url": url})
    return out


def _anonymous_credit_snapshots() -> set[str]:
    """The anonymous credit names as the desk snapshots them at publication (in English)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {str(label) for label in ANONYMOUS_CREDIT.values()}


def article_credits(*, article: Any, lang: str) -> list[Credit]:
    """The public credits of ``article``'s ``lang`` translation, in order, with profiles: one query."""
    return list(
        Credit.objects.filter(translation__article=article, translation__language=lang, is_credited=True)
        .exclude(translation__state=State.SPIKED)
        .select_related("user__contributor")
        .order_by("role", "position", "pk")
    )


def articles_credits(*, article_ids: Any, lang: str) -> dict[int, list[Credit]]:
    """:func:`article_credits` of many articles in one query: ``{article id: its credits}``."""
    found: dict[int, list[Credit]] = {pk: [] for pk in article_ids}
    rows = (
        Credit.objects.filter(translation__article_id__in=found, translation__language=lang, is_credited=True)
        .exclude(translation__state=State.SPIKED)
        .select_related("user__contributor")
        .annotate(article_pk=F("translation__article_id"))
        .order_by("role", "position", "pk")
    )
    for credit in rows:
        found[credit.article_pk].append(credit)  # type: ignore[attr-defined]
    return found


# What a public page shows of a translator: its name (``Contributor.credit_name``) and bio.
PUBLIC_FIELDS = (
    "user_id",
    "public_slug",
    "bio",
    "credit_mode",
    "pseudonym",
    "user__first_name",
    "user__last_name",
    "user__username",
)


def public_contributors() -> QuerySet[Contributor]:
    """Translators who opted in to a public page (and are not credited anonymously): what
    their pages show of them."""
    return (
        Contributor.objects.select_related("user")
        .only(*PUBLIC_FIELDS)
        .filter(has_public_profile=True)
        .exclude(public_slug="")
        .exclude(credit_mode=CreditMode.ANONYMOUS)
    )


def public_contributor(*, slug: str) -> Contributor | None:
    """The translator with the public page ``slug``, if they opted in to one (slugs are unique)."""
    return next(iter(public_contributors().filter(public_slug=slug)), None)


def translator_credited_article_ids(*, user_id: int, name: str, lang: str) -> QuerySet[Any]:
    """The stories credited to the account ``user_id`` under ``name``, the name their public page
    shows (a values queryset): a page under a pseudonym must not list work credited to the real
    name."""
    return Credit.objects.filter(
        user_id=user_id,
        is_credited=True,
        credit_name=name,
        role__in=[Role.TRANSLATOR, Role.REVIEWER],
        translation__language=lang,
    ).values("translation__article_id")


def credited_article_ids(*, user_id: int) -> QuerySet[Any]:
    """The stories crediting the account ``user_id`` in any role (a values queryset)."""
    return Credit.objects.filter(user_id=user_id).values("translation__article_id")


def translation_article_ids(*, translation_id: int) -> QuerySet[Any]:
    """The story of the translation ``translation_id`` (a values queryset)."""
    return Translation.objects.filter(pk=translation_id).values("article_id")


def live_source_revisions(*, article_ids: Iterable[int], lang: str) -> dict[int, Any]:
    """The source revision (number, time fetched) each story's ``lang`` translation follows, by
    story: one query whatever their number."""
    rows = (
        Translation.objects.filter(article_id__in=list(article_ids), language=lang)
        .exclude(state=State.SPIKED)
        .select_related("source_revision")
        .only("article_id", "source_revision__number", "source_revision__fetched_at")
        .order_by("pk")
    )
    return {t.article_id: t.source_revision for t in rows}


def live_source_revision_ids(*, article: Any, lang: str) -> QuerySet[Any]:
    """The source revision the ``lang`` translation of ``article`` follows (a values queryset)."""
    return (
        Translation.objects.filter(article=article, language=lang)
        .exclude(state=State.SPIKED)
        .values("source_revision_id")
    )
