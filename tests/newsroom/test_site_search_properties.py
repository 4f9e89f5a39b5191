"""Search's contract as invariants over random archives (Hypothesis): whatever the stories, their
dates (ties included), the words asked for, the ranking window and the page size,

- **every match exactly once**: the pages, read one after another, hold each live story that has
  the words exactly once, and nothing else; the total is their number;
- **the order**: the window is the newest matches, ranked best first (ties newest first, then by
  id); every match after it follows newest first;
- **one story, one answer**: the stored parts a page reads are those of the same stories in the
  same order;
- **the snippet comes from where the word is**: the lead, marked, when the lead has it; none (the
  lead as published) when only the title has it and there is a lead; else the body's passage.

The stories are written as rows (title, lead, body, live date and slug), not published through the
desk: what is under test is the search over whatever is live.
"""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsroom.core.html import HIGHLIGHT_START, HIGHLIGHT_STOP
from newsroom.models import Article
from newsroom.site import search
from newsroom.site.selectors import live_articles

# Words the English stemmer leaves as they are, so which stories hold one is plain to see.
WORDS = ("alpha", "bravo", "delta")
FILLER = ("the", "city", "night", "report")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

text = st.lists(st.sampled_from(WORDS + FILLER), min_size=0, max_size=6).map(" ".join)
story = st.fixed_dictionaries(
    {
        "title": st.lists(st.sampled_from(WORDS + FILLER), min_size=1, max_size=5).map(" ".join),
        "lead": text,
        "body": text,
        "day": st.integers(0, 2),  # few days: equal dates are common
        "live": st.sampled_from([True, True, True, False]),
    }
)


def _has(story: dict, word: str, *parts: str) -> bool:
    return any(word in story[part].split() for part in parts)


def _create(stories: list[dict]) -> list[Article]:
    rows = [
        Article(
            source_url=f"https://example.org/{n}",
            language="ru",
            source_title=f"Source {n}",
            title_en=s["title"],
            lead_en=s["lead"],
            body_en=[{"id": "p-1", "kind": "paragraph", "text": s["body"], "html": s["body"], "attrs": {}}],
            published_at_en=START + dt.timedelta(days=s["day"]) if s["live"] else None,
            slug_en=f"story-{n}",
        )
        for n, s in enumerate(stories)
    ]
    return Article.objects.bulk_create(rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stories=st.lists(story, min_size=1, max_size=12),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True),
    window=st.integers(1, 5),
    page_size=st.integers(1, 4),
)
def test_search_pages_every_match_once_in_the_window_s_order_then_newest(db, stories, words, window, page_size):
    with transaction.atomic(), mock.patch.object(search, "RANK_WINDOW", window):
        created = _create(stories)
        live = [(a, s) for a, s in zip(created, stories, strict=True) if s["live"]]
        expected = [a for a, s in live if all(_has(s, w, "title", "lead", "body") for w in words)]
        newest = sorted(expected, key=lambda a: (a.published_at_en, a.pk), reverse=True)

        results = search.articles_search(query=" ".join(words), language="en", base=live_articles(lang="en"))
        assert results.total() == len(expected) and not results.is_estimate
        pages = [results.page_ids(start, start + page_size) for start in range(0, len(expected) + 1, page_size)]
        seen = [pk for page in pages for pk, _rank in page]
        assert sorted(seen) == sorted(a.pk for a in expected)  # every match, exactly once
        assert len(seen) == len(set(seen))

        # The window: the newest matches, best first, ties newest first then by id.
        ranked = [(pk, rank) for page in pages for pk, rank in page][:window]
        assert {pk for pk, _r in ranked} == {a.pk for a in newest[:window]}
        order = {a.pk: n for n, a in enumerate(newest)}  # newest first
        assert ranked == sorted(ranked, key=lambda item: (-item[1], order[item[0]]))
        # After it, newest first.
        assert seen[window:] == [a.pk for a in newest[window:]]

        # A page's stored parts are read for the same stories in the same order.
        for start in range(0, len(expected), page_size):
            page = [pk for pk, _r in results.page_ids(start, start + page_size)]
            assert [row[0] for row in results.page_values(slice(start, start + page_size), "stamp")] == page
        transaction.set_rollback(True)


def _plain(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_STOP, "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stories=st.lists(story.map(lambda s: {**s, "live": True}), min_size=1, max_size=6), word=st.sampled_from(WORDS))
def test_a_snippet_comes_from_where_the_word_is(db, stories, word):
    with transaction.atomic():
        created = _create(stories)
        results = search.articles_search(query=word, language="en", base=live_articles(lang="en"))
        shown = dict(results.page_values(slice(0, len(created)), snippet=True))
        marked = f"{HIGHLIGHT_START}{word}{HIGHLIGHT_STOP}"
        for article, s in zip(created, stories, strict=True):
            if not _has(s, word, "title", "lead", "body"):
                assert article.pk not in shown
                continue
            snippet = shown[article.pk]
            if _has(s, word, "lead"):
                assert marked in snippet and _plain(snippet) in s["lead"]  # the lead, marked
            elif _has(s, word, "title") and s["lead"]:
                assert snippet is None  # the teaser shows the lead as published
            else:
                # The lead (without the word) and the body, the word marked where the body has it.
                source = " ".join(part for part in (s["lead"], s["body"]) if part)
                assert re.sub(r"\s+", " ", _plain(snippet)).strip() in source
                assert (marked in snippet) == _has(s, word, "body")
        transaction.set_rollback(True)
