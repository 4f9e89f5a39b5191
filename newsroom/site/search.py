"""Site search: PostgreSQL full-text search over the live text, ranked from a RUM index, with
highlighted snippets for the shown page only.

Each publishing language has its stored ``Article.search_<code>`` column (title weight A, lead
B, body C) built with that language's PostgreSQL text-search configuration
(``newsroom.models.SEARCH_CONFIGS``: its stemmer where PostgreSQL has one, ``simple`` otherwise);
the reader's query is parsed with the same configuration.

What a search costs does not grow with the archive:

- **ranked top-N from the index:** the column has a RUM index, whose ``<=>`` ordering operator
  hands out the best matches first, so a page reads its rows (ties broken by date, newest first)
  without ranking every match;
- **a bounded count:** when PostgreSQL's estimate (EXPLAIN, from the words' statistics) is at
  most :data:`EXACT_COUNT_LIMIT`, matches are counted exactly with a scan bounded by it; past it
  the total is the estimate, rounded, and shown as "About N results";
- **snippets for the shown page only:** ``ts_headline`` runs for the page's rows, in one query.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db.models import F, FloatField, Func, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.html import HIGHLIGHT_START, HIGHLIGHT_STOP
from newsroom.models import SEARCH_CONFIGS, Article, BodyText

MAX_QUERY_LENGTH = 200
# Matches counted exactly up to this many (a bounded scan); past it, PostgreSQL's estimate.
EXACT_COUNT_LIMIT = 1000


def search_query_clean(raw: str | None) -> str:
    """What a reader typed, made safe to send: no NUL or control characters, bounded length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


class RumDistance(Func):
    """``vector <=> query``: RUM's distance (smaller is a better match), read from its index."""

    arg_joiner = " <=> "
    template = "(%(expressions)s)"
    output_field = FloatField()


def estimate_rounded(n: int) -> int:
    """``n`` to two significant figures (1,234 → 1,200): an estimate says no more than it knows."""
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return round(n / scale) * scale


class SearchResults:
    """The matches of one search, for a Paginator or the API: sliced, it returns the slice's
    stories best first, each with ``snippet``; ``count()`` is exact up to
    :data:`EXACT_COUNT_LIMIT` and an estimate past it (``is_estimate``)."""

    def __init__(self, *, matches: QuerySet[Article], query: SearchQuery, language: str) -> None:
        self.matches, self.query, self.language = matches, query, language
        self._count: int | None = None
        self.is_estimate = False

    def map(self, change: Callable[[QuerySet[Article]], QuerySet[Article]]) -> SearchResults:
        """The same search over ``change(matches)`` (annotations, prefetches: never a new filter
        the count should see after it was taken)."""
        return SearchResults(matches=change(self.matches), query=self.query, language=self.language)

    @property
    def ranked(self) -> QuerySet[Any]:
        """(id, distance, published) of the matches, best first, read in order from the RUM index.

        Only the distance orders it: PostgreSQL uses an index's ordering operator only when it is
        the whole ORDER BY, so ties are broken in Python (:meth:`_page_ids`)."""
        column = f"search_{self.language}"
        published = build_localized_fieldname("published_at", self.language)
        return (
            self.matches.annotate(distance=RumDistance(F(column), self.query))
            .order_by("distance")
            .values_list("pk", "distance", published)
        )

    def _page_ids(self, start: int, stop: int | None) -> list[tuple[int, float]]:
        """The ids (and distances) of matches ``start:stop`` ordered by distance, then newest
        first, then id: read from the index up to the end of the last tie they reach."""
        if stop is not None and stop <= start:
            return []
        if stop is None:
            rows = list(self.ranked)
        else:
            wanted = stop + 1
            while True:
                rows = list(self.ranked[:wanted])
                if len(rows) < wanted or rows[-1][1] > rows[stop - 1][1]:
                    break  # the whole archive, or past the last tie of the page's last story
                wanted *= 2
        rows.sort(key=lambda row: (row[1], -row[2].timestamp(), -row[0]))
        return [(pk, distance) for pk, distance, _published in rows[start:stop]]

    def count(self) -> int:
        if self._count is None:
            # The planner's estimate first (one EXPLAIN, from the words' statistics): a word it
            # expects in more stories than the limit is not counted at all ("about" says so).
            estimate = _planner_rows(self.matches)
            exact = None
            if estimate <= EXACT_COUNT_LIMIT:
                # A sliced count is a bounded scan: SELECT COUNT(*) FROM (… LIMIT n+1).
                exact = self.matches.order_by().values("pk")[: EXACT_COUNT_LIMIT + 1].count()
            if exact is not None and exact <= EXACT_COUNT_LIMIT:
                self._count = exact
            else:
                self._count = max(EXACT_COUNT_LIMIT + 1, estimate_rounded(estimate))
                self.is_estimate = True
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Article]:
        return iter(self[:])

    def __getitem__(self, items: slice) -> list[Article]:
        page = self._page_ids(items.start or 0, items.stop)
        if not page:
            return []
        found = {
            row.pk: row
            for row in self.matches.filter(pk__in=[pk for pk, _d in page]).annotate(snippet=self._headline())
        }
        rows: list[Article] = []
        for pk, distance in page:
            row = found.get(pk)
            if row is None:  # withdrawn between the two reads
                continue
            # RUM's distance is the inverse of its rank: larger ``rank`` is the better match.
            row.rank = 1 / distance if distance else math.inf  # type: ignore[attr-defined]
            rows.append(row)
        return rows

    def _headline(self) -> SearchHeadline:
        """The snippet: only ever annotated on the shown page's rows."""
        lang = self.language
        document = Concat(
            Coalesce(F(build_localized_fieldname("lead", lang)), Value(""), output_field=TextField()),
            Value(" "),
            BodyText(build_localized_fieldname("body", lang)),
            output_field=TextField(),
        )
        return SearchHeadline(
            document,
            self.query,
            config=SEARCH_CONFIGS[lang],
            start_sel=HIGHLIGHT_START,
            stop_sel=HIGHLIGHT_STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        )


def _planner_rows(matches: QuerySet[Article]) -> int:
    """PostgreSQL's estimate of how many rows ``matches`` has (its statistics of the words)."""
    plan = json.loads(matches.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


# A word ending in "*" (Okrest*) asks for every word it begins: letters and digits only, so
# what goes into the raw tsquery can hold no operator.
PREFIX = re.compile(r"^(\w{2,})\*$")


def search_query_build(*, query: str, language: str) -> SearchQuery:
    """The reader's words as PostgreSQL's web-search syntax ("quoted phrases", -exclusions, or),
    and each ``word*`` as a prefix (stemmed like the column: ``demonstrat*`` finds "demonstrators")."""
    config = SEARCH_CONFIGS[language]
    words, prefixes = [], []
    for word in query.split():
        found = PREFIX.match(word) if word.count('"') == 0 else None
        if found:
            prefixes.append(SearchQuery(f"{found.group(1)}:*", config=config, search_type="raw"))
        else:
            words.append(word)
    combined = SearchQuery(" ".join(words), config=config, search_type="websearch") if words else None
    for prefix in prefixes:
        combined = prefix if combined is None else combined & prefix
    assert combined is not None  # noqa: S101 - a cleaned query is never empty here
    return combined


def articles_search(*, query: str, language: str, base: QuerySet[Article]) -> SearchResults:
    """Live articles of ``base`` matching ``query``, best first, each with ``snippet``.

    ``query`` is web-search syntax ("quoted phrases", -exclusions, or); ``base`` must already
    be limited to what is live in ``language``. Read-only; any reader may call it.
    """
    search_query = search_query_build(query=query, language=language)
    matches = base.filter(**{f"search_{language}": search_query})
    return SearchResults(matches=matches, query=search_query, language=language)
