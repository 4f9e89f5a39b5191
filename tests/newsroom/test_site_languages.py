"""The reader site in a second publishing language (German is on in the test settings).

Stories are published through the real workflow, once in English and once in German, so the
live columns are exactly what publishing writes.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.utils import timezone

from newsroom.models import Article
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations import editing, workflow
from translations.models import Contributor, CreditMode

GERMAN_TITLE = "Mitarbeiter des Außenministeriums protestieren gegen Gewalt"


@pytest.fixture
def staff(db):
    return make_staff()


def publish_german(staff: dict, article: Article, *, translator=None, title: str = GERMAN_TITLE) -> Article:
    """The German version of ``article``, through the workflow."""
    translator = translator or staff["volunteer"]
    editor, reviewer = staff["editor"], staff["reviewer"]
    t = workflow.translation_create(article=article, by=editor, language="de")
    t = workflow.translation_assign(translation=t, by=editor, translator=translator, reviewer=reviewer)
    t = editing.translation_save(
        translation=t,
        by=translator,
        based_on=t.edit_version,
        title=title,
        lead="Die Demonstrationen dauerten den ganzen Tag.",
        blocks={b["id"]: {"text": f"Deutsch: {b['text']}"} for b in t.source_revision.blocks if b["text"]},
        notes=[],
        tags="Belarus",
        as_version=True,
    )
    t = workflow.translation_submit(translation=t, by=translator)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article.refresh_from_db()
    return article


def test_german_page_is_in_german_with_german_dates_and_credits(client, staff):
    march = timezone.make_aware(dt.datetime(2026, 3, 5, 12, 0))
    article = publish_story(staff, source_published_at=march)
    publish_german(staff, article)
    html = client.get(f"/de/articles/{article.slug_de}/").content.decode()
    assert '<html lang="de">' in html
    assert f"<h1>{GERMAN_TITLE}</h1>" in html
    assert "Übersetzt und hier veröffentlicht am" in html
    assert "5. März 2026" in html  # the source date, German format and month name
    assert "Übersetzt von Veranika Papkouskaya" in html
    assert "Geprüft von Pavel Lis" in html
    assert "Quelle:" in html and "Zum Inhalt springen" in html and "Beiträge durchsuchen" in html
    for english in ("Translated and published here", "The text was translated by", "Source:", "Search stories"):
        assert english not in html
    english = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "Translated and published here" in english and "5 March 2026" in english


def test_anonymous_credit_reads_in_the_page_language(client, staff):
    shy = staff["volunteer"]
    Contributor.objects.filter(user=shy).update(credit_mode=CreditMode.ANONYMOUS, has_public_profile=False)
    article = publish_german(staff, publish_story(staff))
    html = client.get(f"/de/articles/{article.slug_de}/").content.decode()
    assert "Übersetzt von einer ehrenamtlichen Übersetzerin oder einem ehrenamtlichen Übersetzer" in html
    assert "a volunteer translator" not in html
    assert "Papkouskaya" not in html


def test_switcher_and_hreflang_only_name_languages_the_story_exists_in(client, staff):
    both = publish_german(staff, publish_story(staff, title="Both languages"))
    english_only = publish_story(staff, title="English only story")
    html = client.get(f"/articles/{both.slug_en}/").content.decode()
    assert f'<link rel="alternate" hreflang="de" href="http://testserver/de/articles/{both.slug_de}/">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="http://testserver/articles/{both.slug_en}/">' in html
    assert re.search(r'<nav class="languages"[^>]*>.*hreflang="de" lang="de">Deutsch</a>', html, re.S)
    german = client.get(f"/de/articles/{both.slug_de}/").content.decode()
    assert re.search(r'<nav class="languages"[^>]*>.*hreflang="en" lang="en">English</a>', german, re.S)
    alone = client.get(f"/articles/{english_only.slug_en}/").content.decode()
    assert 'class="languages"' not in alone
    assert 'hreflang="de"' not in alone
    assert client.get(f"/de/articles/{english_only.slug_en}/").status_code == 404


def test_lists_and_feeds_are_per_language(client, staff):
    both = publish_german(staff, publish_story(staff, title="Both languages"))
    english_only = publish_story(staff, title="English only story")
    home = client.get("/de/").content.decode()
    assert GERMAN_TITLE in home and "English only story" not in home and "Neueste Beiträge" in home
    rss = ET.fromstring(client.get("/de/feeds/rss.xml").content)
    channel = rss.find("channel")
    assert channel.findtext("language") == "de"
    assert "ins Deutsche übersetzt" in channel.findtext("description")
    assert [i.findtext("title") for i in channel.findall("item")] == [GERMAN_TITLE]
    assert channel.find("item").findtext("link").endswith(f"/de/articles/{both.slug_de}/")
    english = ET.fromstring(client.get("/feeds/rss.xml").content).find("channel")
    assert english.findtext("language") == "en"
    assert {i.findtext("title") for i in english.findall("item")} == {"Both languages", english_only.title_en}


def test_german_search_uses_the_german_stemmer(client, staff):
    publish_german(staff, publish_story(staff))
    # "Demonstration" finds "Demonstrationen" only with German stemming ('simple' would not).
    html = client.get("/de/search/", {"q": "Demonstration"}).content.decode()
    assert "1 Treffer für „Demonstration“." in html
    assert GERMAN_TITLE in html
    assert "Nothing matched" in client.get("/search/", {"q": "Demonstration"}).content.decode()  # not in English


def test_sitemap_lists_every_language_version_with_alternates(client, staff):
    both = publish_german(staff, publish_story(staff, title="Both languages"))
    xml = client.get("/sitemap.xml").content.decode()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {u.findtext("s:loc", namespaces=ns): u for u in ET.fromstring(xml).findall("s:url", ns)}
    en_url = f"http://testserver/articles/{both.slug_en}/"
    de_url = f"http://testserver/de/articles/{both.slug_de}/"
    assert en_url in urls and de_url in urls and "http://testserver/de/" in urls
    for url in (en_url, de_url):
        alternates = {a.get("hreflang"): a.get("href") for a in urls[url].findall("x:link", ns)}
        assert alternates == {"en": en_url, "de": de_url}


def test_archive_month_heading_and_counts_in_german(client, staff):
    publish_german(staff, publish_story(staff))
    now = timezone.localtime()
    html = client.get("/de/archive/").content.decode()
    assert "(1 Beitrag)" in html and "<h1>Archiv</h1>" in html
    month = client.get(f"/de/archive/{now.year}/{now.month}/").content.decode()
    assert "Veröffentlicht im " in month


def test_the_api_answers_a_german_story_with_its_german_pages_stored_or_built_alike(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0  # the views themselves
    article = publish_german(staff, publish_story(staff, tags="Minsk"))
    for address in ("/api/v1/stories/?language=de", f"/api/v1/stories/{article.pk}/?language=de"):
        stored = client.get(address)
        with mock.patch("newsroom.site.api.page_stamp", return_value="another deployment"):
            built = client.get(address)  # from the rows, with English active in the request
        assert built.content == stored.content, address
    story = stored.json()
    assert story["url"].startswith("http://testserver/de/articles/")
    slugs = sorted(article.tags.values_list("slug", flat=True))
    assert slugs and [t["url"] for t in story["tags"]] == [f"http://testserver/de/tags/{slug}/" for slug in slugs]
    assert story["outlet"]["url"] == f"http://testserver/de/outlets/{article.outlet.slug}/"
    tags = client.get("/api/v1/tags/", {"language": "de"}).json()["results"]
    assert sorted(t["url"] for t in tags) == [f"http://testserver/de/tags/{slug}/" for slug in slugs]
