"""A story's related list: the newest stories live in its language sharing a tag (four).

Chosen at publication and stored (``Article.related_ids_<lang>``), so a page view looks them up
by key whatever the archive's size. A publication also offers itself to its neighbours' lists.
"""

from __future__ import annotations

from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article
from newsroom.site.rendering import batch as batching

RELATED_COUNT = 4


def related_ids(*, article: Article, language: str) -> list[int]:
    """The newest stories live in ``language`` sharing a tag with ``article`` (at most four)."""
    tag_ids = list(article.tags.values_list("pk", flat=True))
    if not tag_ids:
        return []
    published = build_localized_fieldname("published_at", language)
    return list(
        Article.objects.filter(**{f"{published}__isnull": False}, tags__in=tag_ids)
        .exclude(**{build_localized_fieldname("slug", language): ""})
        .exclude(pk=article.pk)
        .order_by(f"-{published}", "-pk")
        .values_list("pk", flat=True)
        .distinct()[:RELATED_COUNT]
    )


def listing_ids(*, article: Article, language: str) -> list[int]:
    """The stories whose related list names ``article`` in ``language``."""
    field = build_localized_fieldname("related_ids", language)
    return list(Article.objects.filter(**{f"{field}__contains": [article.pk]}).values_list("pk", flat=True))


def related_offer(*, article: Article, language: str, neighbours: list[int]) -> list[int]:
    """Offer ``article`` to the related lists of its own related stories (newest four kept).

    Their cached pages are not forgotten for it: they show the new neighbour when they expire.
    Inside a batch the new lists are kept in memory and written when it ends. Returns the
    stories whose list changed.
    """
    if not neighbours:
        return []
    field = build_localized_fieldname("related_ids", language)
    published = build_localized_fieldname("published_at", language)
    batch = batching.current.get()
    pending = batch.lists.setdefault(language, {}) if batch is not None else {}
    known_times = batch.times.setdefault(language, {}) if batch is not None else {}
    before = {pk: pending[pk] for pk in neighbours if pk in pending}
    missing = [pk for pk in neighbours if pk not in before]
    if missing:
        before.update(Article.objects.filter(pk__in=missing).values_list("pk", field))
    lists = {pk: {*(ids or []), article.pk} for pk, ids in before.items()}
    candidates = set().union(*lists.values())
    times = {pk: known_times[pk] for pk in candidates if pk in known_times}
    if len(times) < len(candidates):
        times.update(
            Article.objects.filter(pk__in=candidates - times.keys(), **{f"{published}__isnull": False}).values_list(
                "pk", published
            )
        )
        if batch is not None:
            known_times.update(times)
    changed = []
    for pk, ids in lists.items():
        ranked = sorted((i for i in ids if i in times and i != pk), key=lambda i: (times[i], i), reverse=True)
        if ranked[:RELATED_COUNT] != (before.get(pk) or []):
            if batch is not None:
                pending[pk] = ranked[:RELATED_COUNT]  # written once, when the batch ends
            else:
                Article.objects.filter(pk=pk).update(**{field: ranked[:RELATED_COUNT]})
            changed.append(pk)
    return changed


def related_lists_write(batch: batching.Batch) -> None:
    """Write the related lists ``batch`` kept (one statement per language)."""
    for language, lists in batch.lists.items():
        field = build_localized_fieldname("related_ids", language)
        if lists:
            Article.objects.bulk_update(
                [Article(pk=pk, **{field: ids}) for pk, ids in lists.items()], [field], batch_size=500
            )
    batch.lists = {}
