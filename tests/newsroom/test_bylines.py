"""Bylines in the reader's language: the standard transliteration, the outlet's English name,
the backfill of stories published before bylines, and what the site, feeds and API show."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from django.apps import apps
from django.utils import timezone

from newsroom.bylines import byline_default, outlet_name_default
from tests.factories import ArticleFactory, OutletFactory


def test_russian_authors_default_to_the_librarys_latin_spelling():
    assert byline_default(authors=["Ольга Ставицкая"], source_language="ru", target_language="en") == (
        "Olga Stavitskaya"
    )


def test_belarusian_authors_use_the_belarusian_standard_not_the_russian_one():
    be = byline_default(authors=["Алеся Шумейко"], source_language="be", target_language="en")
    ru = byline_default(authors=["Алеся Шумейко"], source_language="ru", target_language="en")
    assert be == "Alesja Šumejko"
    assert ru == "Alesya Shumeyko"


def test_a_capital_that_becomes_several_letters_keeps_the_names_case():
    assert byline_default(authors=["Юрий Щербаков"], source_language="ru", target_language="en") == ("Yury Shcherbakov")


def test_latin_names_are_left_alone_and_several_authors_are_joined():
    byline = byline_default(authors=["John Smith", " Ольга Ставицкая "], source_language="ru", target_language="de")
    assert byline == "John Smith, Olga Stavitskaya"


def test_no_authors_give_an_empty_byline():
    assert byline_default(authors=[], source_language="ru", target_language="en") == ""
    assert byline_default(authors=["", "  "], source_language="be", target_language="en") == ""


def test_a_cyrillic_target_keeps_the_original_names():
    assert byline_default(authors=["Алеся Шумейко"], source_language="be", target_language="uk") == "Алеся Шумейко"


def test_outlet_english_name_wins_else_the_credit_name_is_transliterated(db):
    outlet = OutletFactory(name="Наша Ніва", slug="nn", credit_name="Наша Ніва", language="be")
    assert outlet.byline_name("en") == "Naša Niva"
    outlet.name_en = "Nasha Niva"
    assert outlet.byline_name("en") == "Nasha Niva"
    assert outlet.byline_name("uk") == "Наша Ніва"
    assert outlet_name_default(name_en="", credit_name="TUT.BY", source_language="ru", target_language="en") == (
        "TUT.BY"
    )


def _live_without_byline(**kwargs):
    """A story published before bylines existed: live in English, no byline columns written."""
    article = ArticleFactory(**kwargs)
    type(article).objects.filter(pk=article.pk).update(
        title_en="Old story", lead_en="", slug_en=f"old-story-{article.pk}", published_at_en=timezone.now()
    )
    article.refresh_from_db()
    return article


def test_backfill_gives_stories_published_before_bylines_the_standard_byline(db):
    okno = OutletFactory(name="Окно", slug="okno", credit_name="Окно", name_en="Window Media")
    article = _live_without_byline(outlet=okno, authors=["Ольга Ставицкая"])
    draft = ArticleFactory(outlet=okno)  # not live anywhere: left alone
    migration = importlib.import_module("newsroom.migrations.0010_live_bylines_backfill")
    migration.backfill(apps, None)
    article.refresh_from_db()
    draft.refresh_from_db()
    assert (article.byline_en, article.byline_outlet_en) == ("Olga Stavitskaya", "Window Media")
    assert not draft.byline_outlet_en and not article.byline_outlet_de


def test_a_row_without_a_byline_renders_the_standard_one(client, db):
    article = _live_without_byline(authors=["Ольга Ставицкая"])
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert re.search(r'<p class="byline">\s*By Olga Stavitskaya, TUT\.BY\.', html)


def test_feed_and_api_name_the_author_as_the_english_byline(client, db):
    article = _live_without_byline(authors=["Ольга Ставицкая"])
    type(article).objects.filter(pk=article.pk).update(byline_en="Olga Stavitskaya", byline_outlet_en="Okno")
    feed = client.get("/feeds/rss.xml").content.decode()
    assert "Olga Stavitskaya (Okno)" in feed and "Ставицкая" not in feed
    story = client.get(f"/api/v1/stories/{article.pk}/").json()
    assert (story["byline"], story["byline_outlet"]) == ("Olga Stavitskaya", "Okno")
    assert story["attribution"]["original_authors"] == ["Ольга Ставицкая"]
    listing = client.get("/api/v1/stories/").json()
    assert listing["results"][0]["byline"] == "Olga Stavitskaya"
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["author"] == [{"@type": "Person", "name": "Olga Stavitskaya"}]


@pytest.mark.parametrize("authors", [[]])
def test_a_story_without_authors_credits_the_outlet_in_json_ld(client, db, authors):
    article = _live_without_byline(authors=authors)
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["author"] == [{"@type": "Organization", "name": "TUT.BY"}]
    assert '<p class="byline">\n      TUT.BY.' in html
