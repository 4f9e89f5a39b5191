"""The page cache: served from cache, forgotten on publish, unpublish and correction."""

from __future__ import annotations

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
    t = editing.translation_save(translation=t, by=staff["volunteer"], based_on=t.edit_version, title="Right title")
    t = workflow.translation_submit(translation=t, by=staff["volunteer"])
    t = workflow.translation_approve(translation=t, by=staff["reviewer"])
    workflow.translation_publish(translation=t, by=staff["editor"])
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
