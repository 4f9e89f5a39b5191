"""Site search: PostgreSQL full-text search over the live text, ranked, with highlighted snippets.

English uses the stored ``Article.search_en`` column (title weight A, lead B, body C, GIN
index). Another publishing language is searched with a vector built on the fly (``simple``
configuration): slower, but those sites are small.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article, BodyText

MAX_QUERY_LENGTH = 200
# Private-use characters: they cannot come from a reader's query, and they survive escaping.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_STOP = "\ue001"


def search_query_clean(raw: str | None) -> str:
    """What a reader typed, made safe to send: no NUL or control characters, bounded length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def articles_search(*, query: str, language: str, base: QuerySet[Article]) -> QuerySet[Article]:
    """Live articles of ``base`` matching ``query``, best first, each with ``rank`` and ``snippet``.

    ``query`` is web-search syntax ("quoted phrases", -exclusions, or); ``base`` must already
    be limited to what is live in ``language``. Read-only; any reader may call it.
    """
    config = "english" if language == "en" else "simple"
    search_query = SearchQuery(query, config=config, search_type="websearch")
    if language == "en":
        matches = base.filter(search_en=search_query)
        vector: SearchVector | F = F("search_en")
    else:
        matches = base.annotate(
            search_vector=SearchVector(build_localized_fieldname("title", language), weight="A", config=config)
            + SearchVector(build_localized_fieldname("lead", language), weight="B", config=config)
            + SearchVector(BodyText(build_localized_fieldname("body", language)), weight="C", config=config)
        ).filter(search_vector=search_query)
        vector = F("search_vector")
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
