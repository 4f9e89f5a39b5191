"""Site search: PostgreSQL full-text search over the live text, ranked, with highlighted snippets.

Each publishing language has its stored ``Article.search_<code>`` column (title weight A, lead
B, body C, GIN index) built with that language's PostgreSQL text-search configuration
(``newsroom.models.SEARCH_CONFIGS``: its stemmer where PostgreSQL has one, ``simple`` otherwise);
the reader's query is parsed with the same configuration.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat
from modeltranslation.utils import build_localized_fieldname

from newsroom.core.html import HIGHLIGHT_START, HIGHLIGHT_STOP
from newsroom.models import SEARCH_CONFIGS, Article, BodyText

MAX_QUERY_LENGTH = 200
# Private-use characters: they cannot come from a reader's query, and they survive escaping.


def search_query_clean(raw: str | None) -> str:
    """What a reader typed, made safe to send: no NUL or control characters, bounded length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def articles_search(*, query: str, language: str, base: QuerySet[Article]) -> QuerySet[Article]:
    """Live articles of ``base`` matching ``query``, best first, each with ``rank`` and ``snippet``.

    ``query`` is web-search syntax ("quoted phrases", -exclusions, or); ``base`` must already
    be limited to what is live in ``language``. Read-only; any reader may call it.
    """
    config = SEARCH_CONFIGS[language]
    search_query = SearchQuery(query, config=config, search_type="websearch")
    column = f"search_{language}"
    matches = base.filter(**{column: search_query})
    vector = F(column)
    document = Concat(
        Coalesce(F(build_localized_fieldname("lead", language)), Value(""), output_field=TextField()),
        Value(" "),
        BodyText(build_localized_fieldname("body", language)),
        output_field=TextField(),
    )
    return (
        matches.annotate(rank=SearchRank(vector, search_query))
        .annotate(
            snippet=SearchHeadline(
                document,
                search_query,
                config=config,
                start_sel=HIGHLIGHT_START,
                stop_sel=HIGHLIGHT_STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .order_by("-rank", f"-{build_localized_fieldname('published_at', language)}", "-pk")
    )
