"""Feeds fetched over real HTTP from the fixture server, against expected.json."""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsroom.sources import fetching
from newsroom.sources.feeds import FeedRejected, ParsedFeed, parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEEDS = sorted(f"sources/feeds/{p.name}" for p in (FIXTURES / "sources/feeds").iterdir())


def _fetch_bytes(base: str, feed: str) -> tuple[bytes, str]:
    result = fetching.fetch(f"{base}/{feed}", accept="feed", allow_loopback=True)
    return result.content, result.final_url


def _parse(base: str, feed: str) -> ParsedFeed:
    content, url = _fetch_bytes(base, feed)
    return parse_feed(content=content, url=url)


def _accepted(expected: dict[str, Any]) -> list[str]:
    return [k for k, v in expected["feeds"].items() if not v["reject"]]


ACCEPTED = ["sources/feeds/outlet.atom", "sources/feeds/outlet.rss"]
REJECTED = [f for f in FEEDS if f not in ACCEPTED]


def test_every_feed_has_an_expectation(fixture_expected: dict[str, Any]) -> None:
    assert set(FEEDS) == set(fixture_expected["feeds"])
    assert sorted(_accepted(fixture_expected)) == ACCEPTED


@pytest.mark.parametrize("feed", ACCEPTED)
def test_feed_yields_expected_unique_urls(fixture_server: str, fixture_expected: dict[str, Any], feed: str) -> None:
    exp = fixture_expected["feeds"][feed]
    parsed = _parse(fixture_server, feed)
    assert {item.url for item in parsed.items} == set(exp["urls"])
    assert len(parsed.items) == len(exp["urls"])
    assert parsed.raw_item_count == exp["raw_item_count"]
    assert exp["format"].replace(".", "").startswith(parsed.version)
    assert parsed.format == ("rss" if feed.endswith(".rss") else "atom")


@pytest.mark.parametrize("feed", ACCEPTED)
def test_feed_items_have_titles_and_publication_instants(
    fixture_server: str, fixture_expected: dict[str, Any], feed: str
) -> None:
    exp = fixture_expected["feeds"][feed]
    items = {item.url: item for item in _parse(fixture_server, feed).items}
    for want in exp["items"]:
        item = items[want["url"]]
        titles = want.get("titles_any_of") or [want["title"]]
        published = want.get("published_any_of") or [want["published"]]
        assert item.title in titles
        assert item.published is not None and item.published.utcoffset() is not None
        assert item.published in [datetime.fromisoformat(p) for p in published]


def test_rss_duplicate_story_is_kept_once(fixture_server: str, fixture_expected: dict[str, Any]) -> None:
    exp = fixture_expected["feeds"]["sources/feeds/outlet.rss"]
    parsed = _parse(fixture_server, "sources/feeds/outlet.rss")
    for duplicate in exp["duplicates"]:
        assert [item.url for item in parsed.items].count(duplicate["url"]) == 1
        assert sorted(parsed.duplicates[duplicate["url"]]) == sorted(duplicate["guids"])


def test_rss_relative_and_padded_links_are_resolved(fixture_server: str, fixture_expected: dict[str, Any]) -> None:
    exp = fixture_expected["feeds"]["sources/feeds/outlet.rss"]
    urls = [item.url for item in _parse(fixture_server, "sources/feeds/outlet.rss").items]
    for relative in exp["relative_links"]:
        assert relative["resolved"] in urls
    assert f"{fixture_server}/sources/site/long-read.html" in urls
    assert all(url == url.strip() for url in urls)


def test_atom_picks_the_alternate_link(fixture_server: str) -> None:
    items = _parse(fixture_server, "sources/feeds/outlet.atom").items
    assert items[0].url.endswith("/sources/site/long-read.html")
    assert items[1].url.endswith("/sources/site/be-culture.html")
    assert items[2].url.endswith("/sources/site/xss-hostile.html")


@pytest.mark.parametrize("feed", REJECTED)
def test_hostile_or_broken_feed_is_refused_with_its_kind(
    fixture_server: str, fixture_expected: dict[str, Any], feed: str
) -> None:
    exp = fixture_expected["feeds"][feed]
    content, url = _fetch_bytes(fixture_server, feed)
    with pytest.raises(FeedRejected) as caught:
        parse_feed(content=content, url=url)
    assert caught.value.kind == exp["kind"]
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def test_not_a_feed_reports_the_feeds_it_advertises(fixture_server: str, fixture_expected: dict[str, Any]) -> None:
    exp = fixture_expected["feeds"]["sources/feeds/not-a-feed.rss"]
    content, url = _fetch_bytes(fixture_server, "sources/feeds/not-a-feed.rss")
    with pytest.raises(FeedRejected) as caught:
        parse_feed(content=content, url=url)
    assert caught.value.advertised_feeds == exp["advertised_feeds"]
    assert "not an RSS or Atom feed" in caught.value.message


@pytest.mark.parametrize(
    "feed",
    ["sources/feeds/billion-laughs.rss", "sources/feeds/quadratic-blowup.rss", "sources/feeds/external-entity.rss"],
)
def test_entity_attacks_are_refused_without_network_or_files(
    fixture_server: str, monkeypatch: pytest.MonkeyPatch, feed: str
) -> None:
    content, url = _fetch_bytes(fixture_server, feed)

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"parse_feed tried to reach out: {args}")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr("builtins.open", forbidden)
    with pytest.raises(FeedRejected) as caught:
        parse_feed(content=content, url=url)
    assert "passwd" not in caught.value.message
    assert "lol" not in caught.value.message


def test_malformed_feed_imports_nothing(fixture_server: str) -> None:
    content, url = _fetch_bytes(fixture_server, "sources/feeds/malformed.rss")
    with pytest.raises(FeedRejected) as caught:
        parse_feed(content=content, url=url)
    assert caught.value.kind == "malformed"


def test_small_entity_declaration_is_still_refused() -> None:
    content = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss version="2.0"><channel><title>&x;</title></channel></rss>'
    with pytest.raises(FeedRejected) as caught:
        parse_feed(content=content, url="https://a.example/feed")
    assert caught.value.kind == "entity_declaration"


def test_xml_that_is_not_a_feed_is_refused() -> None:
    with pytest.raises(FeedRejected) as caught:
        parse_feed(content=b'<?xml version="1.0"?><catalog><book>x</book></catalog>', url="https://a.example/x.xml")
    assert caught.value.kind == "not_a_feed"


def test_item_with_an_invalid_link_is_skipped_not_fatal() -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://a.example/</link>'
        b"<description>d</description>"
        b"<item><title>Bad port</title><link>https://a.example:99999/x</link></item>"
        b"<item><title>Bad host</title><link>https://[::1/y</link></item>"
        b"<item><title>Good</title><link>https://a.example/good</link></item>"
        b"</channel></rss>"
    )

    parsed = parse_feed(content=rss, url="https://a.example/feed.xml")

    assert [item.url for item in parsed.items] == ["https://a.example/good"]
