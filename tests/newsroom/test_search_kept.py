"""A search, or a page of the read API's story list, asked again is read from what was kept for it
once per listings version, and is never older than a listing: whatever publishes, corrects or
withdraws a story, or changes how a person is named, starts a new version.

The page cache is off in these tests (``SITE_CACHE_SECONDS = 0``): what is under test is what the
search keeps of its own (``render.search_page``, ``stored.search_kept``), not the page cache.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom.models import Tag
from tests.factories import OutletFactory
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import workflow


@pytest.fixture
def staff(db, settings):
    settings.SITE_CACHE_SECONDS = 0
    return make_staff()


def _site_titles(client, query: str, **params: str) -> list[str]:
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", response.content.decode())


def _api(client, query: str) -> dict:
    response = client.get("/api/v1/stories/", {"q": query})
    assert response.status_code == 200
    return response.json()


def _kept_entries() -> int:
    return len(caches["pages"]._cache)  # type: ignore[attr-defined] - LocMemCache, as in tests


def test_a_search_asked_again_reads_nothing_until_a_story_is_published_or_withdrawn(client, staff):
    first = publish_story(staff, title="Okrestin detainees released")
    publish_story(staff, title="Night at Okrestin")
    assert sorted(_site_titles(client, "okrestin")) == ["Night at Okrestin", "Okrestin detainees released"]
    assert _api(client, "okrestin")["count"] == 2

    with CaptureQueriesContext(connection) as site_again:
        again = client.get("/search/", {"q": "okrestin"}).content.decode()
    assert len(site_again) == 0, [q["sql"][:80] for q in site_again]
    assert "2 results for “okrestin”." in again
    with CaptureQueriesContext(connection) as api_again:
        assert _api(client, "okrestin")["count"] == 2
    assert len(api_again) == 0, [q["sql"][:80] for q in api_again]

    publish_story(staff, title="Okrestin gates shut")
    assert "Okrestin gates shut" in _site_titles(client, "okrestin")
    assert _api(client, "okrestin")["count"] == 3

    workflow.translation_unpublish(translation=first.translations.get(), by=staff["editor"], reason="Legal")
    assert "Okrestin detainees released" not in _site_titles(client, "okrestin")
    assert len(_site_titles(client, "okrestin")) == 2
    answer = _api(client, "okrestin")
    assert answer["count"] == 2
    assert first.pk not in [item["id"] for item in answer["results"]]


def test_the_apis_kept_search_is_kept_per_filter(client, staff):
    """A search of one outlet's stories is not the answer kept for the whole archive's."""
    publish_story(staff, title="Okrestin detainees released")
    other = publish_story(staff, title="Night at Okrestin", outlet=OutletFactory(slug="nasha-niva", name="Nasha Niva"))
    assert _api(client, "okrestin")["count"] == 2
    answer = client.get("/api/v1/stories/", {"q": "okrestin", "outlet": "nasha-niva"}).json()
    assert [item["id"] for item in answer["results"]] == [other.pk]


def test_searches_that_find_nothing_and_pages_out_of_range_keep_nothing_new(client, staff):
    publish_story(staff, title="Okrestin detainees released")
    _site_titles(client, "okrestin")
    before = _kept_entries()
    for n in range(30):
        assert _site_titles(client, f"nothingmatches{n}") == []
        assert _api(client, f"nothingmatches{n}")["count"] == 0
    for page in ("2", "999", "abc", "-1"):  # every one is the only page there is
        assert _site_titles(client, "okrestin", page=page) == ["Okrestin detainees released"]
    assert _kept_entries() == before


def test_an_api_list_page_asked_again_reads_nothing_until_what_it_shows_changes(client, staff):
    first = publish_story(staff, title="Okrestin detainees released", tags="Protests")
    addresses = ("/api/v1/stories/", "/api/v1/stories/?q=okrestin", "/api/v1/stories/?page_size=1&page=1")
    for address in addresses:
        assert '"Protests"' in client.get(address).content.decode(), address
        with CaptureQueriesContext(connection) as again:
            assert '"Protests"' in client.get(address).content.decode(), address
        assert len(again) == 0, (address, [q["sql"][:80] for q in again])
    tag = Tag.objects.get(slug="protests")  # renamed in the admin: its post_save
    tag.name = "Street protests"
    tag.save()
    for address in addresses:
        assert '"Street protests"' in client.get(address).content.decode(), address
    workflow.translation_unpublish(translation=first.translations.get(), by=staff["editor"], reason="Legal")
    for address in addresses:
        assert client.get(address).json()["results"] == [], address


def test_an_empty_api_page_is_never_kept(client, staff):
    publish_story(staff, title="Okrestin detainees released")
    client.get("/api/v1/stories/")
    before = _kept_entries()
    for params in ({"page": "7"}, {"tag": "no-such-tag"}, {"outlet": "nobody"}, {"since": "2999-01-01T00:00:00Z"}):
        answer = client.get("/api/v1/stories/", params)
        assert answer.status_code == 200 and answer.json()["results"] == [], params
    assert _kept_entries() == before + 3  # the three filtered lists' counts (0), kept as any count is
