"""Polling feeds over real HTTP: items, conditional GET, errors and backoff, auto-import."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from newsroom import tasks
from newsroom.models import Article, Feed, FeedItem, Outlet
from newsroom.sources import polling as feed_polling
from tests import fixture_server as fs


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_IMPORT_ALLOW_LOOPBACK", "1")


@pytest.fixture
def outlet(db: Any) -> Outlet:
    return Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")


def make_feed(outlet: Outlet, url: str, **kwargs: Any) -> Feed:
    return Feed.objects.create(outlet=outlet, url=url, poll_interval_minutes=30, **kwargs)


def rss(items: list[tuple[str, str]]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid></item>" for u, t in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Gen</title>{body}</channel></rss>'.encode()


def test_poll_creates_one_item_per_story(outlet: Outlet, loopback: None, fixture_server: str) -> None:
    feed = make_feed(outlet, f"{fixture_server}/sources/feeds/outlet.rss")
    before = timezone.now()

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert result.new_items == 5 and not result.error
    items = FeedItem.objects.filter(feed=feed)
    assert items.count() == 5
    assert set(items.values_list("status", flat=True)) == {FeedItem.Status.NEW}
    mfa = items.get(url=f"{fixture_server}/sources/site/mfa-picket.html")
    assert mfa.title == "Сотрудники МИД вышли на пикет против насилия силовиков"
    assert mfa.published_at == dt.datetime.fromisoformat("2020-08-17T13:47:00+03:00")
    feed.refresh_from_db()
    assert feed.last_modified  # SimpleHTTPRequestHandler's Last-Modified, kept for the next poll
    assert feed.last_polled_at >= before
    assert feed.next_poll_at == feed.last_polled_at + dt.timedelta(minutes=30)
    assert feed.consecutive_errors == 0 and feed.last_error == ""
    assert not Article.objects.exists()  # not auto-import: the items wait in the inbox


def test_second_poll_with_last_modified_gets_304_and_creates_nothing(
    outlet: Outlet, loopback: None, fixture_server: str
) -> None:
    feed = make_feed(outlet, f"{fixture_server}/sources/feeds/outlet.rss")
    feed_polling.feed_poll(feed_id=feed.pk)
    FeedItem.objects.filter(feed=feed).delete()  # would come back if the feed were read again
    feed.refresh_from_db()
    first_polled = feed.last_polled_at

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert result.not_modified
    assert not FeedItem.objects.exists()
    feed.refresh_from_db()
    assert feed.last_polled_at > first_polled


def test_poll_with_etag_gets_304(outlet: Outlet, loopback: None, fixture_server: str) -> None:
    feed = make_feed(outlet, f"{fixture_server}/_t/etag", etag='"v1"')

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert result.not_modified and result.error == ""
    feed.refresh_from_db()
    assert feed.etag == '"v1"' and feed.last_polled_at is not None


def test_repeated_poll_adds_only_new_items(outlet: Outlet, loopback: None, fixture_server: str) -> None:
    origin = fixture_server
    fs.MUTABLE_PAGES["grow"] = ("application/rss+xml", rss([(f"{origin}/a", "A"), (f"{origin}/b", "B")]))
    feed = make_feed(outlet, f"{origin}/_t/mutable?key=grow")
    feed_polling.feed_poll(feed_id=feed.pk)
    fs.MUTABLE_PAGES["grow"] = ("application/rss+xml", rss([(f"{origin}/c", "C"), (f"{origin}/a", "A")]))

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert result.new_items == 1
    assert sorted(FeedItem.objects.values_list("title", flat=True)) == ["A", "B", "C"]


@pytest.mark.parametrize("name", ["malformed.rss", "billion-laughs.rss", "quadratic-blowup.rss", "external-entity.rss"])
def test_broken_feed_records_error_and_backs_off(
    name: str, outlet: Outlet, loopback: None, fixture_server: str
) -> None:
    feed = make_feed(outlet, f"{fixture_server}/sources/feeds/{name}")

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert result.error
    assert not FeedItem.objects.exists()
    feed.refresh_from_db()
    assert feed.last_error == result.error and "\n" not in feed.last_error
    assert feed.consecutive_errors == 1
    assert feed.next_poll_at - feed.last_error_at == dt.timedelta(minutes=60)


def test_backoff_doubles_is_capped_and_success_resets(outlet: Outlet, loopback: None, fixture_server: str) -> None:
    fs.MUTABLE_PAGES["flaky"] = ("application/rss+xml", b"<rss><channel><item>")
    feed = make_feed(outlet, f"{fixture_server}/_t/mutable?key=flaky")
    feed_polling.feed_poll(feed_id=feed.pk)

    feed_polling.feed_poll(feed_id=feed.pk)

    feed.refresh_from_db()
    assert feed.consecutive_errors == 2
    assert feed.next_poll_at - feed.last_error_at == dt.timedelta(minutes=120)
    Feed.objects.filter(pk=feed.pk).update(consecutive_errors=12)
    feed_polling.feed_poll(feed_id=feed.pk)
    feed.refresh_from_db()
    assert feed.next_poll_at - feed.last_error_at == dt.timedelta(hours=24)

    fs.MUTABLE_PAGES["flaky"] = ("application/rss+xml", rss([(f"{fixture_server}/x", "X")]))
    feed_polling.feed_poll(feed_id=feed.pk)

    feed.refresh_from_db()
    assert feed.consecutive_errors == 0 and feed.last_error == ""
    assert feed.next_poll_at == feed.last_polled_at + dt.timedelta(minutes=30)


def test_hanging_feed_is_cut_off_by_the_wall_clock(
    outlet: Outlet, loopback: None, fixture_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed_polling, "FEED_FETCH_TIMEOUT", 0.5)
    feed = make_feed(outlet, f"{fixture_server}/_t/hang-feed")
    started = timezone.now()

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert timezone.now() - started < dt.timedelta(seconds=5)
    assert result.error
    feed.refresh_from_db()
    assert feed.consecutive_errors == 1 and feed.last_error


def test_auto_import_imports_items_and_records_failures(outlet: Outlet, loopback: None, fixture_server: str) -> None:
    origin = fixture_server
    fs.MUTABLE_PAGES["auto"] = (
        "application/rss+xml",
        rss([
            (f"{origin}/sources/site/mfa-picket.html", "МИД"),
            (f"{origin}/_t/status?code=404", "Gone"),
            (f"{origin}/sources/site/be-culture.html", "Сады"),
        ]),
    )  # fmt: skip
    feed = make_feed(outlet, f"{origin}/_t/mutable?key=auto", auto_import=True)

    result = feed_polling.feed_poll(feed_id=feed.pk)

    assert (result.new_items, result.imported, result.failed) == (3, 2, 1)
    imported = FeedItem.objects.filter(status=FeedItem.Status.IMPORTED)
    assert imported.count() == 2
    assert all(item.article and item.article.outlet == outlet for item in imported)
    failed = FeedItem.objects.get(status=FeedItem.Status.FAILED)
    assert "404" in failed.error
    assert Article.objects.count() == 2
    feed.refresh_from_db()
    assert (feed.progress_done, feed.progress_total) == (3, 3)


def test_feeds_poll_due_enqueues_only_due_active_feeds(outlet: Outlet, monkeypatch: pytest.MonkeyPatch) -> None:
    now = timezone.now()
    never = make_feed(outlet, "https://a.example/rss")
    due = make_feed(outlet, "https://b.example/rss", next_poll_at=now - dt.timedelta(minutes=1))
    make_feed(outlet, "https://c.example/rss", next_poll_at=now + dt.timedelta(minutes=5))
    make_feed(outlet, "https://d.example/rss", is_active=False)
    queued: list[int] = []
    monkeypatch.setattr(tasks.feed_poll, "delay", queued.append)

    ids = tasks.feeds_poll_due()

    assert sorted(queued) == sorted(ids) == sorted([never.pk, due.pk])
    # queued feeds are not queued again by the next beat
    queued.clear()
    tasks.feeds_poll_due()
    assert queued == []


def test_feed_poll_task_polls_the_feed(outlet: Outlet, loopback: None, fixture_server: str) -> None:
    feed = make_feed(outlet, f"{fixture_server}/sources/feeds/outlet.atom")

    tasks.feed_poll.delay(feed.pk)

    assert FeedItem.objects.filter(feed=feed).count() == 3
