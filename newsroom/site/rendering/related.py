"""A story's related list: the newest stories live in its language sharing a tag (four).

Chosen at publication and stored (``Article.related_ids_<lang>``), so a page view looks them up
by key whatever the archive's size. A publication also offers itself to its neighbours' lists.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
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


# How many of the newest live stories :func:`_tag_pools` ranks first (their tags' pools are
# usually all full within them); tags with fewer stories there are ranked over the archive.
POOL_WINDOW = 2000


def _tag_pools(*, tags: list[int], language: str, exclude: list[int]) -> list[tuple[int, int, Any]]:
    """``(tag, story, published)`` of the newest RELATED_COUNT stories live in ``language`` per tag
    of ``tags``, ``exclude`` left out: what one window query over the archive gives, without
    reading the archive for the tags met among the newest :data:`POOL_WINDOW` stories.

    The :data:`POOL_WINDOW`-th newest story's time is read on the ``article_live_<lang>``
    index; a tag with RELATED_COUNT stories published since has its newest among them. Only the
    tags with fewer (rare ones) are ranked over the archive.
    """
    if not tags:
        return []
    published = build_localized_fieldname("published_at", language)
    slug = build_localized_fieldname("slug", language)
    table, through = Article._meta.db_table, Article.tags.through._meta.db_table
    live = f'a."{published}" IS NOT NULL AND a."{slug}" <> \'\' AND NOT (a.id = ANY(%s))'

    def ranked(tag_ids: list[int], *, since: Any = None) -> list[tuple[int, int, Any]]:
        bound = f'AND a."{published}" >= %s' if since is not None else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT tag_id, id, published FROM (
                    SELECT t.tag_id, a.id, a."{published}" AS published,
                           row_number() OVER (PARTITION BY t.tag_id ORDER BY a."{published}" DESC, a.id DESC) AS n
                    FROM "{through}" t JOIN "{table}" a ON a.id = t.article_id
                    WHERE t.tag_id = ANY(%s) AND {live} {bound}
                ) ranked WHERE n <= %s
                """,  # noqa: S608 - names from the model, values as parameters
                [tag_ids, exclude, *([since] if since is not None else []), RELATED_COUNT],
            )
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT a."{published}" FROM "{table}" a WHERE {live} ORDER BY a."{published}" DESC OFFSET %s LIMIT 1',  # noqa: S608
            [exclude, POOL_WINDOW - 1],
        )
        row = cursor.fetchone()
    if row is None:  # fewer live stories than the window: one ranking over them all
        return ranked(tags)
    window = ranked(tags, since=row[0])
    found: dict[int, int] = {}
    for tag_id, _pk, _when in window:
        found[tag_id] = found.get(tag_id, 0) + 1
    short = [tag for tag in tags if found.get(tag, 0) < RELATED_COUNT]
    if not short:
        return window
    return [kept for kept in window if kept[0] not in short] + ranked(short)


def related_publish_many(
    *, articles: list[Article], language: str, batch: batching.Batch
) -> tuple[dict[int, list[int]], list[int]]:
    """Many first publications in ``language`` (``articles``, in publication order, live already
    and tagged): each one's related list and its offers to its neighbours, with exactly the
    outcome of publishing them one by one (:func:`related_ids` then :func:`related_offer` each),
    computed in memory from a few queries instead of several per story.

    Returns each story's own list and the other stories whose list changed; the changed lists
    of stories outside ``articles`` are kept in ``batch`` (written when it ends).
    """
    published = build_localized_fieldname("published_at", language)
    field = build_localized_fieldname("related_ids", language)
    mine = {a.pk for a in articles}
    pending = batch.lists.setdefault(language, {})
    times: dict[int, Any] = batch.times.setdefault(language, {})
    through = Article.tags.through
    tags_of: dict[int, set[int]] = {a.pk: set() for a in articles}
    for article_id, tag_id in through.objects.filter(article_id__in=mine).values_list("article_id", "tag_id"):
        tags_of[article_id].add(tag_id)
    all_tags = sorted(set().union(*tags_of.values()))
    # The newest RELATED_COUNT stories live before these, per tag: the union of a story's tags'
    # pools holds its newest RELATED_COUNT neighbours (as related_ids's one query finds them).
    pools: dict[int, list[tuple[Any, int]]] = {tag: [] for tag in all_tags}
    for tag_id, pk, when in _tag_pools(tags=all_tags, language=language, exclude=sorted(mine)):
        pools[tag_id].append((when, pk))
        times.setdefault(pk, when)
    # The stored lists of every story that may be offered one, and the times of what they list.
    outside = {pk for pool in pools.values() for _when, pk in pool}
    lists: dict[int, list[int]] = {pk: pending[pk] for pk in outside if pk in pending}
    missing = outside - lists.keys()
    if missing:
        lists.update((pk, ids or []) for pk, ids in Article.objects.filter(pk__in=missing).values_list("pk", field))
    listed = {i for ids in lists.values() for i in ids} - times.keys() - mine
    if listed:
        times.update(
            Article.objects.filter(pk__in=listed, **{f"{published}__isnull": False}).values_list("pk", published)
        )
    own: dict[int, list[int]] = {}
    changed: list[int] = []
    for article in articles:
        when = getattr(article, published)
        candidates = {pk: t for tag in tags_of[article.pk] for t, pk in pools[tag] if pk != article.pk}
        ranked = sorted(candidates, key=lambda pk: (candidates[pk], pk), reverse=True)[:RELATED_COUNT]
        own[article.pk] = lists[article.pk] = ranked
        times[article.pk] = when
        pending.pop(article.pk, None)
        for pk in ranked:  # related_offer: the story joins its neighbours' lists (newest four kept)
            ids = {*lists[pk], article.pk}
            offered = sorted((i for i in ids if i in times and i != pk), key=lambda i: (times[i], i), reverse=True)
            if offered[:RELATED_COUNT] != lists[pk]:
                lists[pk] = offered[:RELATED_COUNT]
                if pk in mine:
                    own[pk] = lists[pk]
                else:
                    pending[pk] = lists[pk]
                changed.append(pk)
        for tag in tags_of[article.pk]:
            pools[tag] = sorted([*pools[tag], (when, article.pk)], reverse=True)[:RELATED_COUNT]
    return own, list(dict.fromkeys(changed))
