"""What a reader page costs does not grow with the archive: search ranked from its RUM index,
with a bounded count and snippets for the shown page only; listings without a COUNT(*) per request.

Behaviour, not timing: the plans and queries that make the cost bounded are asserted here, the
figures are ``bench/site.py``'s.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom.site import search
from newsroom.site.selectors import live_articles
from tests.newsroom.test_site_pages import make_staff, publish_story


@pytest.fixture
def staff(db):
    return make_staff()


def test_search_results_are_read_in_order_from_the_rum_index(staff):
    publish_story(staff, title="Okrestin detainees released")
    results = search.articles_search(query="okrestin", language="en", base=live_articles(lang="en"))
    with connection.cursor() as cursor:
        # A tiny table is cheaper to scan: forbid that, and the index must still serve the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = results.ranked[:10].explain()
        print(plan)
        print(results.ranked[:10].query)
    assert "article_search_en_rum" in plan
    assert "Order By" in plan  # the index hands out rows by distance: nothing ranks every match


def test_past_the_exact_limit_the_total_is_an_estimate_said_as_such(client, staff, monkeypatch):
    for title in ("Okrestin one", "Okrestin two", "Okrestin three"):
        publish_story(staff, title=title)
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 2)
    results = search.articles_search(query="okrestin", language="en", base=live_articles(lang="en"))
    assert results.count() >= 3 and results.is_estimate
    html = client.get("/search/?q=okrestin").content.decode()
    assert "About " in html and " results for “okrestin”." in html
    monkeypatch.setattr(search, "EXACT_COUNT_LIMIT", 3)
    exact = search.articles_search(query="okrestin", language="en", base=live_articles(lang="en"))
    assert exact.count() == 3 and not exact.is_estimate
    assert "3 results for “okrestin”." in client.get("/search/?q=okrestin").content.decode()


def test_estimates_are_rounded_to_two_figures():
    assert [search.estimate_rounded(n) for n in (7, 99, 1234, 1250, 987_654)] == [7, 99, 1200, 1200, 990_000]


def test_snippets_are_made_for_the_shown_page_only(staff, settings):
    for n in range(3):
        publish_story(staff, title=f"Okrestin story {n}", lead=f"Lead about Okrestin number {n}.")
    results = search.articles_search(query="okrestin", language="en", base=live_articles(lang="en"))
    with CaptureQueriesContext(connection) as queries:
        page = results[1:2]
    assert len(page) == 1 and "Okrestin" in page[0].snippet
    headlines = [q["sql"] for q in queries.captured_queries if "ts_headline" in q["sql"]]
    assert len(headlines) == 1
    assert f"IN ({page[0].pk})" in headlines[0]  # one story's text, not every match's


def test_api_search_pages_from_the_same_results(client, staff):
    for title in ("Okrestin one", "Okrestin two", "Okrestin three"):
        publish_story(staff, title=title)
    data = client.get("/api/v1/stories/?q=okrestin&page_size=2").json()
    assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]
    second = client.get(data["next"]).json()
    assert len(second["results"]) == 1
    seen = {r["id"] for r in data["results"]} | {r["id"] for r in second["results"]}
    assert len(seen) == 3


@pytest.mark.parametrize(
    "path", ["/api/v1/stories/", "/api/v1/tags/", "/api/v1/outlets/", "/outlets/{outlet}/", "/archive/"]
)
def test_listings_count_the_archive_once_per_listings_version(client, staff, settings, path):
    settings.SITE_CACHE_SECONDS = 0  # the views themselves, not the page cache
    article = publish_story(staff, title="Okrestin detainees released", tags="Courts")
    url = path.format(tag=article.tags.get().slug, outlet=article.outlet.slug)
    before = client.get(url)
    assert before.status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(url + "?page=1").status_code == 200
    aggregates = [q["sql"] for q in again.captured_queries if "COUNT(" in q["sql"].upper()]
    assert aggregates == []
    publish_story(staff, title="Second Okrestin story", tags="Courts")  # a new listings version
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert any("COUNT(" in q["sql"].upper() for q in after.captured_queries)
    assert response.content != before.content  # the new story is counted


def test_a_word_ending_in_a_star_finds_the_words_it_begins(client, staff):
    publish_story(staff, title="Demonstrators detained in Minsk")
    publish_story(staff, title="Harvest festival opens")
    html = client.get("/search/?q=demonstr*").content.decode()
    assert "1 result for “demonstr*”." in html and "Demonstrators detained in Minsk" in html
    # With other words, a phrase, and input that only looks like a prefix.
    assert "Demonstrators detained" in client.get('/search/?q="detained in minsk"+demonstr*').content.decode()
    assert "Nothing matched" in client.get("/search/?q=demonstr*+harvest").content.decode()
    for hostile in ("*", "a*", "de:*|x*", "&*", "!!*"):
        assert client.get("/search/", {"q": hostile}).status_code == 200


def test_search_ignores_accents_both_ways(client, staff):
    publish_story(staff, title="Picket outside the café in Łódź", lead="Naïve hopes.")
    for query in ("cafe lodz", "café Łódź", "naive", "CAFÉ"):
        html = client.get("/search/", {"q": query}).content.decode()
        assert "Picket outside the café in Łódź" in html, query
    assert "<mark>" in client.get("/search/", {"q": "naive"}).content.decode()  # the snippet marks "Naïve"


def test_a_word_expected_in_far_more_stories_than_the_limit_is_not_counted(staff, monkeypatch):
    publish_story(staff, title="Okrestin detainees released")
    monkeypatch.setattr(search, "_planner_rows", lambda matches: 5000)
    results = search.articles_search(query="okrestin", language="en", base=live_articles(lang="en"))
    with CaptureQueriesContext(connection) as queries:
        assert results.count() == 5000 and results.is_estimate
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
