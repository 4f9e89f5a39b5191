"""RSS/Atom feeds, sitemaps: valid XML, only live stories, credited names only."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.utils import timezone

from newsroom.models import Article
from tests.newsroom.test_site_pages import make_staff, person, publish_story

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture
def staff(db):
    return make_staff()


def _feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    ET.fromstring(response.content)  # well-formed XML
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def test_site_rss_and_atom_list_live_stories_with_credited_authors(client, staff):
    publish_story(staff, title="Feed story")
    for url in ["/feeds/rss.xml", "/feeds/atom.xml"]:
        _response, parsed = _feed(client, url)
        assert [e.title for e in parsed.entries] == ["Feed story"]
        entry = parsed.entries[0]
        assert entry.author == "Alesya Shumeyko (TUT.BY); translated by Veranika Papkouskaya"
        assert entry.link.startswith("http://testserver/articles/")
        assert {t.term for t in entry.tags} == {"Belarus", "Protests"}


def test_feeds_never_name_a_pseudonymous_or_anonymous_translator(client, staff):
    pseudo = person("ps", "Andrei", "Kavalenka", ["translator"], credit_mode="pseudonym", pseudonym="A. Minsker")
    anon = person("an", "Maryia", "Hrynevich", ["translator"], credit_mode="anonymous")
    publish_story(staff, translator=pseudo, title="Pseudonymous story")
    publish_story(staff, translator=anon, title="Anonymous story")
    for url in ["/feeds/rss.xml", "/feeds/atom.xml", "/outlets/tut-by/rss.xml", "/tags/belarus/atom.xml"]:
        response, parsed = _feed(client, url)
        body = response.content.decode()
        assert "Kavalenka" not in body and "Hrynevich" not in body, url
        authors = {e.title: e.author for e in parsed.entries}
        assert authors["Pseudonymous story"].endswith("translated by A. Minsker")
        assert authors["Anonymous story"].endswith("translated by a volunteer translator")


def test_tag_and_outlet_feeds_filter_and_404(client, staff):
    publish_story(staff, title="Minsk story", tags="Minsk")
    publish_story(staff, title="Economy story", tags="Economy")
    _r, parsed = _feed(client, "/tags/minsk/rss.xml")
    assert [e.title for e in parsed.entries] == ["Minsk story"]
    _r, parsed = _feed(client, "/outlets/tut-by/atom.xml")
    assert {e.title for e in parsed.entries} == {"Minsk story", "Economy story"}
    assert client.get("/tags/nope/rss.xml").status_code == 404
    assert client.get("/outlets/nope/atom.xml").status_code == 404


def test_sitemap_lists_live_articles_and_pages(client, staff):
    article = publish_story(staff, title="Mapped story", tags="Minsk")
    unpublished = publish_story(staff, title="Withdrawn story")
    from translations import workflow

    workflow.translation_unpublish(translation=unpublished.translations.get(), by=staff["editor"], reason="Legal")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locs = [e.text for e in root.findall("s:url/s:loc", SITEMAP_NS)]
    assert f"http://testserver/articles/{article.slug_en}/" in locs
    assert f"http://testserver/articles/{unpublished.slug_en}/" not in locs
    assert "http://testserver/tags/minsk/" in locs
    assert "http://testserver/" in locs
    assert all(e.text for e in root.findall("s:url/s:lastmod", SITEMAP_NS))


def test_news_sitemap_has_only_the_last_two_days(client, staff):
    fresh = publish_story(staff, title="Fresh story")
    old = publish_story(staff, title="Old story")
    Article.objects.filter(pk=old.pk).update(published_at_en=timezone.now() - dt.timedelta(days=3))
    response = client.get("/news-sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    titles = [e.text for e in root.findall("s:url/n:news/n:title", SITEMAP_NS)]
    assert titles == ["Fresh story"]
    assert root.find("s:url/s:loc", SITEMAP_NS).text == f"http://testserver/articles/{fresh.slug_en}/"
    assert root.find("s:url/n:news/n:publication/n:language", SITEMAP_NS).text == "en"
