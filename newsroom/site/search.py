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
  over as little text as holds the words (:data:`HEADLINE_SQL`): the lead when the title or lead
  hold them, the lead and the body's first :data:`SNIPPET_SOURCE_CHARS` characters otherwise.

The matches are compiled from the ORM once per search; every statement after it is a fixed one
written around them, so a search costs the database's work and little of Python's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchQueryField
from django.db import connections
from django.db.models import ExpressionWrapper, F, QuerySet
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.html import HIGHLIGHT_START, HIGHLIGHT_STOP
from newsroom.models import SEARCH_CONFIGS, Article

MAX_QUERY_LENGTH = 200
# Matches counted exactly up to this many (a bounded scan); past it, PostgreSQL's estimate.
# Also the most results a search pages to.
EXACT_COUNT_LIMIT = 1000
# How many of the newest matches are ranked by relevance (ts_rank reads each one's vector).
RANK_WINDOW = 200
# A snippet is cut from the lead and the body's opening this long: ts_headline parses all it is
# given, so a long read's 60,000 characters would cost as much as dozens of stories.
SNIPPET_SOURCE_CHARS = 5000
# ts_headline's options: the highlight markers, fragments of 15 to 35 words, two at most.
HEADLINE_OPTIONS = (
    f"StartSel='{HIGHLIGHT_START}', StopSel='{HIGHLIGHT_STOP}', MaxWords=35, MinWords=15, MaxFragments=2,"
    " FragmentDelimiter=' … '"
)


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
    stories best first, each with ``rank`` (0 past the ranking window) and ``snippet``;
    :meth:`page_values` returns the stored parts a page shows, with no story row built.

    ``total()`` is exact up to :data:`EXACT_COUNT_LIMIT` and an estimate past it
    (``is_estimate``); ``count()`` (what paginates) stops at :data:`EXACT_COUNT_LIMIT`.

    The matches are compiled to SQL once per search (:meth:`_matches_sql`); the window, the count,
    the estimate and the shown page are statements written around that one compilation, so a search
    costs the database's work and little of Python's."""

    def __init__(self, *, matches: QuerySet[Article], query: SearchQuery, language: str) -> None:
        if language not in SEARCH_CONFIGS:  # it names columns in the statements below
            raise ValueError(f"No search in {language!r}.")
        self.matches, self.query, self.language = matches, query, language
        self._sql: tuple[str, list[Any]] | None = None
        self._total: int | None = None
        self._window: list[tuple[int, float]] | None = None
        self.is_estimate = False

    def _matches_sql(self) -> tuple[str, list[Any]]:
        """The matches as a derived table ``m (id, published, vector, query)``: the story, its date
        in the language, its search vector and the parsed query."""
        if self._sql is None:
            lang = self.language
            named = {
                "match_id": F("pk"),
                "match_published": F(build_localized_fieldname("published_at", lang)),
                "match_vector": F(f"search_{lang}"),
                # A combined query (words & prefix) has no type of its own for a SELECT: tsquery.
                "match_query": ExpressionWrapper(self.query, output_field=SearchQueryField()),
            }
            sql, params = self.matches.order_by().annotate(**named).values_list(*named).query.sql_with_params()
            # By the names given above: the order of a compiled SELECT's columns is Django's.
            self._sql = MATCHES_SQL.format(compiled=sql), list(params)
        return self._sql

    def _rows(
        self, statement: str, *, before: list[Any] | None = None, after: list[Any] | None = None, **names: Any
    ) -> list[Any]:
        """``statement`` run with the matches put in at ``{m}`` and ``names`` at theirs (names and
        numbers of ours, never a value from a request): ``before`` are the parameters of the
        placeholders written before the matches, ``after`` of those after."""
        matches, matches_params = self._matches_sql()
        with connections[self.matches.db].cursor() as cursor:
            cursor.execute(statement.format(m=matches, **names), [*(before or ()), *matches_params, *(after or ())])
            return cursor.fetchall()

    def _ranked_window(self) -> list[tuple[int, float]]:
        """(id, rank) of the :data:`RANK_WINDOW` newest matches, best first (then newest, then id):
        ``ts_rank`` runs over that window only, never over every match."""
        if self._window is None:
            self._window = [(pk, float(rank)) for pk, rank in self._rows(WINDOW_SQL, limit=int(RANK_WINDOW))]
        return self._window

    def state(self) -> tuple[list[tuple[int, float]], int, bool] | None:
        """What ranking and counting found (the ranked window, the total and whether it is an
        estimate), for keeping: ``None`` when nothing matched, which is never worth keeping."""
        total = self.total()
        return (self._ranked_window(), total, self.is_estimate) if total else None

    def restore(self, state: tuple[list[tuple[int, float]], int, bool] | None) -> None:
        """This search as :meth:`state` found it (kept once per listings version): its pages then
        read only their own rows. ``None`` restores nothing (the search runs as usual)."""
        if state is not None:
            window, self._total, self.is_estimate = state
            self._window = list(window)

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
            offset = max(start, RANK_WINDOW)
            older = self._rows(NEWEST_SQL, after=[offset, stop - offset])
            page += [(pk, 0.0) for (pk,) in older]
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
            estimate = _planner_rows(self)
            exact = None
            if estimate <= EXACT_COUNT_LIMIT:
                # A bounded scan: it stops at the first match past the limit.
                [(exact,)] = self._rows(BOUNDED_COUNT_SQL, after=[EXACT_COUNT_LIMIT + 1])
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
        snippets = dict(self._shown([pk for pk, _rank in page], (), snippet=True))
        found = self.matches.in_bulk(list(snippets))
        rows: list[Article] = []
        for pk, rank in page:
            row = found.get(pk)
            if row is None:  # withdrawn between the two reads
                continue
            row.rank, row.snippet = rank, snippets[pk]  # type: ignore[attr-defined]
            rows.append(row)
        return rows

    def page_values(self, items: slice, *keys: str, snippet: bool = False) -> list[tuple[Any, ...]]:
        """``(pk, *keys)`` of matches ``items`` in rank order, each key read from the story's stored
        list parts (``listed_<lang>``), with the snippet last when asked: for answers made of stored
        parts, with no story row built. A story withdrawn between the two reads is left out."""
        page = self.page_ids(items.start or 0, EXACT_COUNT_LIMIT if items.stop is None else items.stop)
        if not page:
            return []
        found = {row[0]: row for row in self._shown([pk for pk, _rank in page], keys, snippet=snippet)}
        return [found[pk] for pk, _rank in page if pk in found]

    def _shown(self, ids: list[int], keys: tuple[str, ...], *, snippet: bool) -> list[tuple[Any, ...]]:
        """``(id, *listed[keys], snippet?)`` of the matches among ``ids``: one statement, whose
        ``ts_headline`` (the costly part of a search: it parses all it is given) runs for these
        stories only, over as little text as holds the words (:data:`HEADLINE_SQL`)."""
        lang, quote = self.language, connections[self.matches.db].ops.quote_name
        listed, lead, body = (quote(build_localized_fieldname(name, lang)) for name in ("listed", "lead", "body"))
        columns = [LISTED_KEY_SQL.format(listed=listed) for _key in keys]
        params: list[Any] = list(keys)
        if snippet:
            columns.append(HEADLINE_SQL.format(lead=lead, body=body))
            params += [SEARCH_CONFIGS[lang], SNIPPET_SOURCE_CHARS, HEADLINE_OPTIONS]
        rows = self._rows(
            SHOWN_SQL,
            before=params,
            after=ids,
            columns="".join(", " + column for column in columns),
            table=quote(Article._meta.db_table),
            ids=", ".join(["%s"] * len(ids)),
        )
        stored = slice(1, 1 + len(keys))
        return [
            (row[0], *(None if v is None else json.loads(v) for v in row[stored]), *row[stored.stop :]) for row in rows
        ]


# The statements of a search, written around its matches ``{m}``: a derived table
# ``m (id, published, vector, query)``, the compiled matches by their names (``_matches_sql``).
MATCHES_SQL = """(SELECT s.match_id AS id, s.match_published AS published, s.match_vector AS vector,
  s.match_query AS query FROM ({compiled}) AS s) AS m"""
# Ranked by the words the reader asked for (``querytree``: the query without its exclusions):
# ts_rank cannot rank a NOT, and gives every story of "okrestin -tea" the same 1e-20. A query of
# exclusions only ("-tea", ``T``) has nothing to rank by: its matches stay newest first.
WINDOW_SQL = """SELECT w.id, ts_rank(w.vector, CASE WHEN querytree(w.query) = 'T' THEN w.query
  ELSE querytree(w.query)::tsquery END) AS rank
FROM (SELECT * FROM {m} ORDER BY m.published DESC, m.id DESC LIMIT {limit}) AS w
ORDER BY rank DESC, w.published DESC, w.id DESC"""
NEWEST_SQL = "SELECT m.id FROM {m} ORDER BY m.published DESC, m.id DESC OFFSET %s LIMIT %s"
BOUNDED_COUNT_SQL = "SELECT COUNT(*) FROM (SELECT 1 FROM {m} LIMIT %s) AS bounded"
ESTIMATE_SQL = "EXPLAIN (FORMAT JSON) SELECT m.id FROM {m}"
SHOWN_SQL = "SELECT m.id{columns} FROM {m} JOIN {table} AS a ON a.id = m.id WHERE m.id IN ({ids})"
LISTED_KEY_SQL = "(a.{listed} -> %s)::text"  # JSON text, read by json.loads
# The snippet, cut from where the words are (``ts_filter`` keeps the vector's words of one part:
# A the title, B the lead). None when the title holds them and the lead does not, but there is a
# lead: the teaser shows it as published. Else ``ts_headline`` over the lead when title and lead
# hold them (marked where the lead has them), or over the lead and the body's opening (a match in
# the body, or a story without a lead). Only that last parses more than a lead.
HEADLINE_SQL = """CASE
  WHEN a.{lead} > '' AND ts_filter(m.vector, '{{a}}') @@ m.query AND NOT ts_filter(m.vector, '{{b}}') @@ m.query
  THEN NULL
  ELSE ts_headline(%s::regconfig,
    CASE WHEN a.{lead} > '' AND ts_filter(m.vector, '{{a,b}}') @@ m.query THEN a.{lead}
    ELSE left(concat_ws(' ', nullif(a.{lead}, ''), newsroom_body_text(a.{body})), %s) END,
    m.query, %s)
END"""


def _planner_rows(results: SearchResults) -> int:
    """PostgreSQL's estimate of how many stories match (its statistics of the words)."""
    [(plan,)] = results._rows(ESTIMATE_SQL)
    plan = json.loads(plan) if isinstance(plan, str) else plan
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
