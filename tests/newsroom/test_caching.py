"""The two caches on one machine (``newsroom/core/caching.py``): files culled oldest first, never a
version while anything else is left, and readers' pages kept apart from the counters and versions
the desk's rules stand on."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import caches

from newsroom.core import caching, passwords
from newsroom.core.caching import FileCache
from newsroom.site import cache as site_cache
from newsroom.site.cache import site_cache_version
from tests.newsroom.test_site_pages import make_staff, publish_story

API = "/api/v1"


def _entries(folder: Path) -> int:
    return len(list(folder.glob("*.djcache")))


def test_a_full_file_cache_culls_what_expired_then_the_oldest_written_and_keeps_the_versions(tmp_path):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 3}})
    cache.set("version", "v1", None)  # kept without a timeout, and the oldest of all
    cache.set("expired", "x", 0)
    for n in range(8):
        cache.set(f"page{n}", n, 600)
    written = time.time() - 1000
    for n, key in enumerate(["version", "expired", *(f"page{n}" for n in range(8))]):
        path = cache._key_to_file(key)
        os.utime(path, (written + n, written + n))
    assert _entries(tmp_path) == 10

    cache.set("new", "n", 600)  # the cache is full: a third (3) go, the expired one first

    assert cache.get("version") == "v1"
    assert not Path(cache._key_to_file("expired")).exists()  # (reading it would delete it too)
    assert [cache.get(f"page{n}") for n in range(8)] == [None, None, 2, 3, 4, 5, 6, 7]
    assert cache.get("new") == "n"
    assert _entries(tmp_path) == 8


def test_a_file_cache_full_of_versions_culls_the_oldest_of_them(tmp_path):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 6, "CULL_FREQUENCY": 3}})
    for n in range(6):
        cache.set(f"version{n}", n, None)
        os.utime(cache._key_to_file(f"version{n}"), (1_000_000 + n, 1_000_000 + n))
    cache.set("one-more", 1, None)
    assert [cache.get(f"version{n}") for n in range(6)] == [None, None, 2, 3, 4, 5]
    assert _entries(tmp_path) == 5


def test_a_file_cache_lists_its_folder_only_when_the_writes_could_have_filled_it(tmp_path, monkeypatch):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 32 * 50}})
    listed = mock.Mock(wraps=os.scandir)
    monkeypatch.setattr(caching.os, "scandir", listed)
    for n in range(90):
        cache.set(f"k{n}", n, 600)
    assert listed.call_count == 2  # the first write, and the 50th after it (1,600 / 32 writers)
    clock = time.monotonic() + FileCache.RELIST_SECONDS
    monkeypatch.setattr(caching.time, "monotonic", lambda: clock)
    cache.set("later", 1, 600)
    assert listed.call_count == 3  # a minute on, whatever the count


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def file_caches(settings, tmp_path):
    """The caches as ``make run`` has them (files under .data/cache), only 20 entries each."""
    options = {"MAX_ENTRIES": 20}
    settings.CACHES = {
        "default": {"BACKEND": "newsroom.core.caching.FileCache", "LOCATION": str(tmp_path / "c"), "OPTIONS": options},
        "pages": {
            "BACKEND": "newsroom.core.caching.FileCache",
            "LOCATION": str(tmp_path / "c" / "pages"),
            "OPTIONS": options,
        },
    }
    return tmp_path / "c"


@pytest.mark.usefixtures("rate_clock_held")
def test_a_flood_of_reader_pages_erases_no_rate_count_and_no_version(client, staff, settings, file_caches):
    """One client searching junk words fills the page cache many times over: the API still
    refuses its fourth request, a password reset is still refused past its limit, and the
    site's version, that every kept page hangs on, is the same."""
    settings.SITE_CACHE_SECONDS = 600
    settings.API_RATE_LIMIT, settings.API_RATE_WINDOW = 3, 60
    settings.DESK_PASSWORD_RESET_PER_HOUR = 2
    publish_story(staff, title="Flood story")
    assert [client.get(f"{API}/stories/").status_code for _ in range(3)] == [200, 200, 200]
    assert [passwords.reset_allowed(key="someone@example.org") for _ in range(2)] == [True, True]
    version = site_cache_version()

    for n in range(120):
        assert client.get(f"/search/?q=junk{n}").status_code == 200

    assert client.get(f"{API}/stories/").status_code == 429
    assert passwords.reset_allowed(key="someone@example.org") is False
    assert site_cache_version() == version
    assert 10 <= _entries(file_caches / "pages") <= 20  # the flood did fill the page cache, culled


def test_a_storys_version_is_kept_a_day_and_the_sites_for_good(client, staff, settings, file_caches):
    """A crawled archive's per-story versions leave the cache a day after they were made; the
    site's own version is never culled before them."""
    settings.SITE_CACHE_SECONDS = 600
    article = publish_story(staff, title="Kept a day")
    assert client.get(article.get_absolute_url()).status_code == 200
    default = caches["default"]

    def expiry(key: str) -> float | None:
        with open(default._key_to_file(key), "rb") as f:
            return pickle.load(f)  # noqa: S301 - the cache's own expiry header

    story_key = site_cache._scope_key(site_cache.article_scope(lang="en", slug=article.slug))
    assert expiry(site_cache.VERSION_KEY) is None
    assert expiry(story_key) == pytest.approx(time.time() + site_cache.SCOPE_VERSION_SECONDS, abs=60)  # bumped
    site_cache._versions("a scope read before anything bumped it")
    first_read = site_cache._scope_key("a scope read before anything bumped it")
    assert expiry(first_read) == pytest.approx(time.time() + site_cache.SCOPE_VERSION_SECONDS, abs=60)


def test_addresses_of_stories_nobody_published_write_nothing_to_the_default_cache(
    client, staff, settings, file_caches, django_assert_num_queries
):
    """A story's version is made when its page is kept, not when someone asks for an address: a
    reader typing story slugs cannot fill the cache that holds the rate counters."""
    settings.SITE_CACHE_SECONDS = 600
    article = publish_story(staff, title="A real story")
    assert client.get(article.get_absolute_url()).status_code == 200
    before = _entries(file_caches)
    for n in range(30):
        assert client.get(f"/articles/no-such-story-{n}/").status_code == 404
    assert _entries(file_caches) == before
    with django_assert_num_queries(0):  # the real story is still served warm
        assert client.get(article.get_absolute_url()).status_code == 200
