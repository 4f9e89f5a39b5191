"""Site search: PostgreSQL full-text search over the live text, ranked, with highlighted snippets
for the shown page only.

Each publishing language has its stored ``Article.search_<code>`` column (title weight A, lead
B, body C, GIN index) built with that language's text-search configuration
(``newsroom.models.SEARCH_CONFIGS``: PostgreSQL's stemmer where it has one, ``simple`` otherwise,
with ``unaccent`` before it); the reader's query is parsed with the same configuration.

What a search costs does not grow with the archive (plain GIN: RUM's ordering index cannot be
used, its WAL records break a streaming replica):

- **a bounded ranking window:** the :data:`RANK_WINDOW` newest matches (the GIN bitmap, or the
  live-date btree walked newest first and filtered, whichever the planner finds cheaper) are
  ranked with ``ts_rank`` (title before lead before body) in one query; the matches after them
  follow newest first. A rare word's matches are all in the window, so they are all ranked; a
  common word's best matches among its newest are. Every match appears exactly once;
- **a bounded count:** a window that is not full is the exact count; otherwise, when
  PostgreSQL's estimate (EXPLAIN, from the words' statistics) is at most
  :data:`EXACT_COUNT_LIMIT`, matches are counted exactly with a scan bounded by it; past it the
  total is the estimate, rounded, and shown as "About N results". Pages reach
  :data:`EXACT_COUNT_LIMIT` results at most (a reader refines the words past that);
- **snippets for the shown page only:** ``ts_headline`` runs for the page's rows, in one query,
  over the lead and the body's first :data:`SNIPPET_SOURCE_CHARS` characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat, Left
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.html import HIGHLIGHT_START, HIGHLIGHT_STOP
from newsroom.models import SEARCH_CONFIGS, Article, BodyText

MAX_QUERY_LENGTH = 200
# Matches counted exactly up to this many (a bounded scan); past it, PostgreSQL's estimate.
# Also the most results a search pages to.
EXACT_COUNT_LIMIT = 1000
# How many of the newest matches are ranked by relevance (ts_rank reads each one's vector).
RANK_WINDOW = 200
# A snippet is cut from the lead and the body's opening this long: ts_headline parses all it is
# given, so a long read's 60,000 characters would cost as much as dozens of stories.
SNIPPET_SOURCE_CHARS = 5000


def search_query_clean(raw: str | None) -> str:
    """What a reader typed, made safe to send: no NUL or control characters, bounded length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def estimate_rounded(n: int) -> int:
    """``n`` to two significant figures (1,234 → 1,200): an estimate says no more than it knows."""
    if n < 100:
        return n
    scale = 10 ** (len(str(n)) - 2)
    return round(n / scale) * scale


class SearchResults:
    """The matches of one search, for a Paginator or the API: sliced, it returns the slice's
    stories best first, each with ``rank`` (0 past the ranking window) and ``snippet``.

    ``total()`` is exact up to :data:`EXACT_COUNT_LIMIT` and an estimate past it
    (``is_estimate``); ``count()`` (what paginates) stops at :data:`EXACT_COUNT_LIMIT`."""

    def __init__(self, *, matches: QuerySet[Article], query: SearchQuery, language: str) -> None:
        self.matches, self.query, self.language = matches, query, language
        self._total: int | None = None
        self._window: list[tuple[int, float]] | None = None
        self.is_estimate = False

    @property
    def newest(self) -> QuerySet[Article]:
        """The matches newest first (ties by id): the order past the ranking window."""
        published = build_localized_fieldname("published_at", self.language)
        return self.matches.order_by(f"-{published}", "-pk")

    @property
    def ranked(self) -> QuerySet[Any]:
        """(id, rank) of the :data:`RANK_WINDOW` newest matches, best first (then newest, then id):
        ``ts_rank`` runs over that window only, never over every match."""
        published = build_localized_fieldname("published_at", self.language)
        window = self.newest.values("pk")[:RANK_WINDOW]
        return (
            Article.objects.filter(pk__in=window)
            .annotate(rank=SearchRank(F(f"search_{self.language}"), self.query))
            .order_by("-rank", f"-{published}", "-pk")
            .values_list("pk", "rank")
        )

    def _ranked_window(self) -> list[tuple[int, float]]:
        if self._window is None:
            self._window = list(self.ranked)
        return self._window

    def page_ids(self, start: int, stop: int) -> list[tuple[int, float]]:
        """The ids (and ranks) of matches ``start:stop``: from the ranked window, then newest first."""
        stop = min(stop, EXACT_COUNT_LIMIT)
        if stop <= start:
            return []
        window = self._ranked_window()
        page = window[start:stop]
        if stop > RANK_WINDOW and len(window) == RANK_WINDOW:
            # Past the window the matches follow in its own order (newest first): the window is
            # exactly the newest RANK_WINDOW, so the n-th match overall is the n-th newest.
            older = self.newest.values_list("pk", flat=True)[max(start, RANK_WINDOW) : stop]
            page += [(pk, 0.0) for pk in older]
        return page

    def total(self) -> int:
        """How many stories match: exact up to :data:`EXACT_COUNT_LIMIT`, estimated past it."""
        if self._total is None:
            window = self._ranked_window()
            if len(window) < RANK_WINDOW:
                self._total = len(window)  # every match is in the window: counted already
                return self._total
            # The planner's estimate first (one EXPLAIN, from the words' statistics): a word it
            # expects in more stories than the limit is not counted at all ("about" says so).
            estimate = _planner_rows(self.matches)
            exact = None
            if estimate <= EXACT_COUNT_LIMIT:
                # A sliced count is a bounded scan: SELECT COUNT(*) FROM (… LIMIT n+1).
                exact = self.matches.order_by().values("pk")[: EXACT_COUNT_LIMIT + 1].count()
            if exact is not None and exact <= EXACT_COUNT_LIMIT:
                self._total = exact
            else:
                self._total = max(EXACT_COUNT_LIMIT + 1, estimate_rounded(estimate))
                self.is_estimate = True
        return self._total

    def count(self) -> int:
        """What a Paginator pages over: the total, at most :data:`EXACT_COUNT_LIMIT`."""
        return min(self.total(), EXACT_COUNT_LIMIT)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Article]:
        return iter(self[: self.count()])

    def __getitem__(self, items: slice) -> list[Article]:
        page = self.page_ids(items.start or 0, EXACT_COUNT_LIMIT if items.stop is None else items.stop)
        if not page:
            return []
        found = {
            row.pk: row for row in self.matches.filter(pk__in=[pk for pk, _r in page]).annotate(snippet=self.headline())
        }
        rows: list[Article] = []
        for pk, rank in page:
            row = found.get(pk)
            if row is None:  # withdrawn between the two reads
                continue
            row.rank = rank  # type: ignore[attr-defined]
            rows.append(row)
        return rows

    def page_values(self, items: slice, *fields: str, snippet: bool = False) -> list[tuple[Any, ...]]:
        """``("pk", *fields)`` of matches ``items`` in rank order, with the snippet last when
        asked: for answers made of stored parts, with no story row built. A story withdrawn
        between the two reads is left out."""
        page = self.page_ids(items.start or 0, EXACT_COUNT_LIMIT if items.stop is None else items.stop)
        if not page:
            return []
        rows = self.matches.filter(pk__in=[pk for pk, _rank in page])
        if snippet:
            rows, fields = rows.annotate(snippet=self.headline()), (*fields, "snippet")
        found = {row[0]: row for row in rows.values_list("pk", *fields)}
        return [found[pk] for pk, _rank in page if pk in found]

    def headline(self) -> SearchHeadline:
        """The snippet: only ever annotated on the shown page's rows."""
        lang = self.language
        document = Concat(
            Coalesce(F(build_localized_fieldname("lead", lang)), Value(""), output_field=TextField()),
            Value(" "),
            BodyText(build_localized_fieldname("body", lang)),
            output_field=TextField(),
        )
        return SearchHeadline(
            Left(document, SNIPPET_SOURCE_CHARS),
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
