"""What a search or a listing costs does not grow with the archive: search ranks a bounded window of
the newest matches on the GIN index, counts up to a limit and estimates past it, and makes snippets
for the shown page only; listings take their counts once per listings version, never per request.

Behaviour, not timing: the queries that keep the cost bounded are asserted here, the figures are
``bench/site.py``'s.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom.core.html import HIGHLIGHT_START
from newsroom.site import search
from newsroom.site.rendering import render
from newsroom.site.selectors import live_articles
from tests.newsroom.test_site_pages import make_staff, publish_story

BODY = [{"id": "p-x", "kind": "paragraph", "text": "Окрестина", "html": "Окрестина", "attrs": {}}]


@pytest.fixture
def staff(db):
    return make_staff()


def _search(query: str) -> search.SearchResults:
    return search.articles_search(query=query, language="en", base=live_articles(lang="en"))


def _mention(staff, title: str):
    """A story that names Okrestin once, in passing, in its body."""
    return publish_story(staff, title=title, blocks=BODY, texts={"p-x": "Some were taken to Okrestin overnight."})


def test_a_title_match_outranks_newer_passing_mentions_inside_the_window(staff):
    title_hit = publish_story(staff, title="Okrestin detainees released")
    mentions = [_mention(staff, f"Night in the city {n}") for n in range(2)]
    ranked = _search("okrestin")[0:3]
    assert [a.pk for a in ranked] == [title_hit.pk, mentions[1].pk, mentions[0].pk]  # then newest first
    assert ranked[0].rank > ranked[1].rank > 0


def test_past_the_window_every_match_follows_newest_first_exactly_once(staff, monkeypatch):
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    old_title_hit = publish_story(staff, title="Okrestin detainees released")  # older than the window
    mentions = [_mention(staff, f"Night in the city {n}") for n in range(3)]
    results = _search("okrestin")
    seen = [a.pk for a in results[0:2]] + [a.pk for a in results[2:4]]
    # The two newest are ranked (equal: newest first), the rest follow newest first.
    assert seen == [mentions[2].pk, mentions[1].pk, mentions[0].pk, old_title_hit.pk]
    assert results.total() == 4 and not results.is_estimate


def test_ranking_reads_only_the_window_and_snippets_only_the_page(staff):
    for n in range(3):
        publish_story(staff, title=f"Okrestin story {n}", lead=f"Lead about Okrestin number {n}.")
    results = _search("okrestin")
    with CaptureQueriesContext(connection) as queries:
        page = results[1:2]
    assert len(page) == 1 and "Okrestin" in page[0].snippet
    ranks = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert len(ranks) == 1 and f"LIMIT {search.RANK_WINDOW}" in ranks[0]  # never every match
    headlines = [q["sql"] for q in queries.captured_queries if "ts_headline" in q["sql"]]
    assert len(headlines) == 1 and f"IN ({page[0].pk})" in headlines[0]  # one story's text, not every match's
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_a_rare_word_is_counted_by_the_ranking_itself(staff):
    publish_story(staff, title="Okrestin detainees released")
    results = _search("okrestin")
    results[0:20]
    with CaptureQueriesContext(connection) as queries:
        assert results.total() == 1 and not results.is_estimate
    assert queries.captured_queries == []  # fewer matches than the window: the window is the count


def test_past_the_exact_limit_the_total_is_an_estimate_said_as_such(client, staff, monkeypatch):
    for title in ("Okrestin one", "Okrestin two", "Okrestin three"):
        publish_story(staff, title=title)
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 2)
    results = _search("okrestin")
    assert results.total() >= 3 and results.is_estimate
    html = client.get("/search/?q=okrestin").content.decode()
    assert re.search(r"About \d+ results for “okrestin”\.", html)
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 3)
    exact = _search("okrestin")
    assert exact.total() == 3 and not exact.is_estimate
    assert "3 results for “okrestin”." in client.get("/search/?q=okrestin&x=1").content.decode()


def test_a_word_expected_in_far_more_stories_than_the_limit_is_not_counted(staff, monkeypatch):
    for n in range(3):
        publish_story(staff, title=f"Okrestin story {n}")
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    monkeypatch.setattr(search, "_planner_rows", lambda matches: 51_234)
    results = _search("okrestin")
    with CaptureQueriesContext(connection) as queries:
        assert results.total() == 51_000 and results.is_estimate
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert results.count() == search.EXACT_COUNT_LIMIT  # what pages: never past the limit


def test_estimates_are_rounded_to_two_figures():
    assert [search.estimate_rounded(n) for n in (7, 99, 1234, 1250, 987_654)] == [7, 99, 1200, 1200, 990_000]


def test_search_page_two_shows_the_next_matches(client, staff, monkeypatch):
    monkeypatch.setattr(render, "PAGE_SIZE", 2)
    monkeypatch.setattr(search, "RANK_WINDOW", 3)  # page 2 crosses the window's end
    for n in range(5):
        publish_story(staff, title=f"Okrestin report {n}")
    first = client.get("/search/?q=okrestin").content.decode()
    second = client.get("/search/?q=okrestin&page=2").content.decode()
    third = client.get("/search/?q=okrestin&page=3").content.decode()
    shown = [re.findall(r"Okrestin report (\d)", html) for html in (first, second, third)]
    assert sorted(n for page in shown for n in set(page)) == ["0", "1", "2", "3", "4"]
    assert "5 results for “okrestin”." in second and 'href="?q=okrestin&amp;page=3"' in second


def test_pages_stop_at_the_limit_even_when_more_match(client, staff, monkeypatch):
    for title in ("Okrestin one", "Okrestin two", "Okrestin three"):
        publish_story(staff, title=title)
    monkeypatch.setattr(search, "RANK_WINDOW", 1)
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 2)
    data = client.get("/api/v1/stories/?q=okrestin&page_size=1&page=2").json()
    assert data["count"] >= 3 and len(data["results"]) == 1 and data["next"] is None
    assert client.get("/api/v1/stories/?q=okrestin&page_size=1&page=3").json()["results"] == []


def test_api_search_pages_from_the_same_results(client, staff):
    for title in ("Okrestin one", "Okrestin two", "Okrestin three"):
        publish_story(staff, title=title)
    data = client.get("/api/v1/stories/?q=okrestin&page_size=2").json()
    assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]
    second = client.get(data["next"]).json()
    assert len(second["results"]) == 1
    assert len({r["id"] for r in data["results"]} | {r["id"] for r in second["results"]}) == 3


def test_a_phrase_finds_the_words_in_that_order_only(client, staff):
    publish_story(staff, title="Detained in Minsk overnight")
    publish_story(staff, title="Minsk: who was detained in the night")
    html = client.get("/search/", {"q": '"detained in minsk"'}).content.decode()
    assert "1 result for" in html and "Detained in Minsk overnight" in html
    assert "2 results for" in client.get("/search/", {"q": "detained minsk"}).content.decode()


def test_a_word_ending_in_a_star_finds_the_words_it_begins(client, staff):
    publish_story(staff, title="Demonstrators detained in Minsk")
    publish_story(staff, title="Harvest festival opens")
    html = client.get("/search/?q=demonstr*").content.decode()
    assert "1 result for “demonstr*”." in html and "Demonstrators detained in Minsk" in html
    # With other words, a phrase, and input that only looks like a prefix.
    assert "Demonstrators detained" in client.get('/search/?q="detained in minsk"+demonstr*').content.decode()
    assert "Nothing matched" in client.get("/search/?q=demonstr*+harvest").content.decode()
    for hostile in ("*", "a*", "de:*|x*", "&*", "!!*", "x:*'"):
        assert client.get("/search/", {"q": hostile}).status_code == 200
        assert client.get("/api/v1/stories/", {"q": hostile}).status_code == 200


def test_search_ignores_accents_both_ways(client, staff):
    publish_story(staff, title="Picket outside the café in Łódź", lead="Naïve hopes.")
    for query in ("cafe lodz", "café Łódź", "naive", "CAFÉ"):
        html = client.get("/search/", {"q": query}).content.decode()
        assert "Picket outside the café in Łódź" in html, query
    assert "<mark>" in client.get("/search/", {"q": "naive"}).content.decode()  # the snippet marks "Naïve"
    assert client.get("/api/v1/stories/", {"q": "cafe"}).json()["count"] == 1


LISTINGS = [
    "/",
    "/tags/{tag}/",
    "/outlets/{outlet}/",
    "/translators/{translator}/",
    "/archive/",
    "/archive/{year}/{month}/",
    "/api/v1/stories/",
    "/api/v1/tags/",
    "/api/v1/outlets/",
]


@pytest.mark.parametrize("path", LISTINGS)
def test_listing_pages_count_the_archive_once_per_listings_version(client, staff, settings, path):
    settings.SITE_CACHE_SECONDS = 0  # the views themselves, not the page cache
    contributor = staff["volunteer"].contributor
    contributor.has_public_profile, contributor.public_slug = True, "veranika"
    contributor.save()
    article = publish_story(staff, title="Okrestin detainees released", tags="Courts")
    published = article.published_at_en
    url = path.format(
        tag=article.tags.get().slug,
        outlet=article.outlet.slug,
        translator="veranika",
        year=published.year,
        month=published.month,
    )
    before = client.get(url)
    assert before.status_code == 200 and client.get(url + "?page=2").status_code == 200  # counted here
    for page in ("?page=1", "?page=2", ""):
        with CaptureQueriesContext(connection) as again:
            assert client.get(url + page).status_code == 200
        assert [q["sql"] for q in again.captured_queries if "COUNT(" in q["sql"].upper()] == [], page
    publish_story(staff, title="Second Okrestin story", tags="Courts")  # a new listings version
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.content != before.content  # the new story is counted and listed
    read = [q["sql"] for q in after.captured_queries]
    if path == "/translators/{translator}/":  # her story ids, read again (they hold the count)
        assert any("translations_credit" in sql for sql in read)
    elif path != "/":  # the home page's first page is stored at publication: nothing to count
        assert any("COUNT(" in sql.upper() for sql in read)


def test_a_long_read_is_found_by_any_word_and_its_snippet_costs_a_bounded_text(staff):
    filler = "The committee met again to discuss the budget. " * 150  # ~7,000 characters
    publish_story(staff, title="A long read", blocks=BODY, texts={"p-x": filler + "Finally, Okrestin."})
    [found] = _search("okrestin")[0:20]
    assert found.title_en == "A long read"
    assert found.snippet.startswith("Employees of the Foreign Ministry") and HIGHLIGHT_START not in found.snippet
