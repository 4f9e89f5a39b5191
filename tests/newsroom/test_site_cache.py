"""The page cache: served from cache, forgotten on publish, unpublish and correction."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom.site import cache as site_cache
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import editing, workflow


@pytest.fixture
def staff(db):
    return make_staff()


def test_second_request_is_served_from_cache_without_queries(client, staff):
    article = publish_story(staff)
    url = f"/articles/{article.slug_en}/"
    first = client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(url)
    assert len(ctx.captured_queries) == 0
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_junk_query_parameters_share_one_cache_entry(client, staff):
    publish_story(staff)
    first = client.get("/?utm_source=a")
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/?utm_source=b&x=1")
    assert len(ctx.captured_queries) == 0
    assert second.content == first.content
    with CaptureQueriesContext(connection) as ctx:
        client.get("/?page=2")
    assert len(ctx.captured_queries) > 0  # a parameter the page reads is its own entry


def test_publishing_invalidates_the_home_page(client, staff):
    publish_story(staff, title="First story")
    assert "First story" in client.get("/").content.decode()
    publish_story(staff, title="Second story")
    assert "Second story" in client.get("/").content.decode()


def test_unpublishing_invalidates_cached_pages(client, staff):
    article = publish_story(staff, title="Soon withdrawn")
    url = f"/articles/{article.slug_en}/"
    assert client.get(url).status_code == 200
    assert "Soon withdrawn" in client.get("/").content.decode()
    workflow.translation_unpublish(translation=article.translations.get(), by=staff["editor"], reason="Legal")
    assert client.get(url).status_code == 404
    assert "Soon withdrawn" not in client.get("/").content.decode()


def test_correction_invalidates_the_article_page(client, staff):
    article = publish_story(staff, title="Misspelt title")
    url = f"/articles/{article.slug_en}/"
    old_etag = client.get(url)["ETag"]
    t = workflow.translation_correct(translation=article.translations.get(), by=staff["editor"], note="Fixed a name.")
    # The correction in progress does not change the live page (still cached, same text).
    assert client.get(url)["ETag"] == old_etag
    t = editing.translation_save(translation=t, by=staff["editor"], based_on=t.edit_version, title="Right title")
    t = workflow.translation_submit(translation=t, by=staff["editor"])
    t = workflow.translation_approve(translation=t, by=staff["reviewer"])
    response = client.get(url)
    assert "<h1>Right title</h1>" in response.content.decode()
    assert "Fixed a name." in response.content.decode()
    assert response["ETag"] != old_etag
    assert client.get(url, HTTP_IF_NONE_MATCH=old_etag).status_code == 200


def test_invalidate_bumps_the_version_again_on_commit(db, django_capture_on_commit_callbacks):
    before = site_cache.site_cache_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        site_cache.site_cache_invalidate()
        during = site_cache.site_cache_version()
    assert during != before
    assert len(callbacks) == 1
    assert site_cache.site_cache_version() not in (before, during)


def test_not_found_pages_are_not_cached(client, staff):
    from newsroom.models import Article

    article = publish_story(staff, title="First title")
    assert client.get("/articles/later-story/").status_code == 404
    # A queryset update does not invalidate: only an uncached 404 lets the new slug show.
    Article.objects.filter(pk=article.pk).update(slug_en="later-story")
    assert client.get("/articles/later-story/").status_code == 200


def test_publishing_story_a_keeps_story_b_cached_and_refreshes_a_and_the_listings(client, staff):
    story_b = publish_story(staff, title="Story B stays")
    b_url = f"/articles/{story_b.slug_en}/"
    first_b = client.get(b_url)
    client.get("/")
    client.get("/feeds/rss.xml")
    story_a = publish_story(staff, title="Story A arrives")
    with CaptureQueriesContext(connection) as ctx:
        again_b = client.get(b_url)
    assert len(ctx.captured_queries) == 0  # B's page is still the cached one
    assert again_b.content == first_b.content
    assert "Story A arrives" in client.get("/").content.decode()
    assert "Story A arrives" in client.get("/feeds/rss.xml").content.decode()
    assert "<h1>Story A arrives</h1>" in client.get(f"/articles/{story_a.slug_en}/").content.decode()


def test_a_correction_to_story_a_refreshes_a_but_not_b(client, staff):
    story_a = publish_story(staff, title="Misspeled")
    story_b = publish_story(staff, title="Other story")
    a_url, b_url = f"/articles/{story_a.slug_en}/", f"/articles/{story_b.slug_en}/"
    client.get(a_url)
    client.get(b_url)
    t = workflow.translation_correct(translation=story_a.translations.get(), by=staff["editor"], note="Spelling.")
    t = editing.translation_save(translation=t, by=staff["editor"], based_on=t.edit_version, title="Misspelled")
    t = workflow.translation_submit(translation=t, by=staff["editor"])
    t = workflow.translation_approve(translation=t, by=staff["reviewer"])
    assert "<h1>Misspelled</h1>" in client.get(a_url).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        client.get(b_url)
    assert len(ctx.captured_queries) == 0


WARM_PATHS = ["/articles/{slug}/", "/", "/tags/minsk/", "/search/?q=warm", "/archive/"]


@pytest.mark.parametrize("path", WARM_PATHS)
def test_a_hit_answers_the_miss_bytes_and_headers_before_any_other_middleware(client, staff, settings, path):
    from csp.middleware import CSPMiddleware
    from django.middleware.security import SecurityMiddleware

    settings.SITE_CACHE_SECONDS = 600
    story = publish_story(staff, title="Warm story", tags="Minsk")
    url = path.format(slug=story.slug_en)
    miss = client.get(url)
    assert miss.status_code == 200 and "Content-Security-Policy" in miss.headers

    def never(*args, **kwargs):
        raise AssertionError("a warm page ran another middleware")

    with (
        mock.patch.object(CSPMiddleware, "process_response", never),
        mock.patch.object(SecurityMiddleware, "process_request", never),
        CaptureQueriesContext(connection) as ctx,
    ):
        hit = client.get(url)
    assert ctx.captured_queries == []
    assert hit.content == miss.content and not hit.cookies
    assert dict(hit.headers) == dict(miss.headers)  # CSP, security headers, ETag, Vary: all as the miss
    assert client.get(url, HTTP_IF_NONE_MATCH=hit.headers["ETag"]).status_code == 304


def test_a_hit_reads_the_page_from_this_process_memory_and_a_publication_still_reaches_it(client, staff, settings):
    from django.core.cache import caches

    settings.SITE_CACHE_SECONDS = 600
    publish_story(staff, title="First story")
    first = client.get("/")
    backend = caches["pages"]  # where pages are kept (the versions are in the default cache)
    with mock.patch.object(backend, "get", side_effect=AssertionError("the page was read from the shared cache")):
        assert client.get("/").content == first.content  # only the versions were read (get_many)
    publish_story(staff, title="A story published just now")  # moves the listings' version
    assert "A story published just now" in client.get("/").content.decode()


def test_pages_kept_in_memory_stay_under_their_byte_limit(settings):
    settings.SITE_HOT_BYTES = 1000
    hot = site_cache.HotPages()
    for n in range(10):
        hot.put(f"k{n}", site_cache.CachedResponse(b"x" * 100, {}))
    hot.put("huge", site_cache.CachedResponse(b"x" * 900, {}))  # more than an eighth: never kept
    assert hot.get("huge") is None and hot.get("k0") is not None
    hot.put("k10", site_cache.CachedResponse(b"x" * 100, {}))
    assert hot.get("k1") is None and hot.get("k0") is not None  # the least recently used went first
