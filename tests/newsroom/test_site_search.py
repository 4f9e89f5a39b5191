"""Site search: ranking, highlighted snippets, only live text, hostile input."""

from __future__ import annotations

import re
from contextlib import nullcontext
from unittest import mock

import pytest

from newsroom.models import Article
from newsroom.site import search
from newsroom.site.rendering import stored as pages
from newsroom.site.selectors import live_articles
from tests.newsroom.test_site_pages import make_staff, publish_story


@pytest.fixture
def staff(db):
    return make_staff()


def test_title_match_ranks_above_body_match(client, staff):
    publish_story(
        staff, title="Factory workers strike", lead="A lead.", texts={}, blocks=None, tags="Labour"
    )  # body has no "okrestin"
    body_hit = publish_story(
        staff,
        title="Night in the city",
        lead="Another lead.",
        blocks=[{"id": "p-x", "kind": "paragraph", "text": "Окрестина", "html": "Окрестина", "attrs": {}}],
        texts={"p-x": "Detainees were taken to Okrestin overnight."},
    )
    title_hit = publish_story(staff, title="Okrestin detainees released", lead="Lead.")
    results = list(search.articles_search(query="okrestin", language="en", base=live_articles(lang="en")))
    assert [a.pk for a in results] == [title_hit.pk, body_hit.pk]
    assert results[0].rank > results[1].rank


@pytest.mark.parametrize("query", ["okrestin", "okrestin -tea", "okrestin or unaskedword", "okrest*"])
def test_an_exclusion_or_a_prefix_keeps_the_ranking(client, staff, query):
    """A title match ranks first whatever else the reader typed: PostgreSQL's ts_rank gives every
    story 1e-20 for a query with an exclusion, so it ranks by the words asked for."""
    body_hit = publish_story(
        staff,
        title="Night in the city",
        blocks=[{"id": "p-x", "kind": "paragraph", "text": "Окрестина", "html": "Окрестина", "attrs": {}}],
        texts={"p-x": "Detainees were taken to Okrestin overnight."},
    )
    title_hit = publish_story(staff, title="Okrestin detainees released", lead="Lead.")
    newest = publish_story(  # the newest: ranked last on merit, first if the ranking were lost
        staff,
        title="Morning at the gates",
        blocks=[{"id": "p-y", "kind": "paragraph", "text": "Окрестина", "html": "Окрестина", "attrs": {}}],
        texts={"p-y": "A long day. " * 30 + "Okrestin again."},
    )
    results = list(search.articles_search(query=query, language="en", base=live_articles(lang="en")))
    assert [a.pk for a in results][0] == title_hit.pk
    assert {a.pk for a in results} == {title_hit.pk, body_hit.pk, newest.pk}
    assert results[0].rank > results[-1].rank


def test_a_search_of_exclusions_only_lists_the_rest_newest_first(client, staff):
    older = publish_story(staff, title="Okrestin detainees released")
    newer = publish_story(staff, title="Night in the city")
    tea = publish_story(staff, title="Volunteers brought tea")
    results = list(search.articles_search(query="-tea", language="en", base=live_articles(lang="en")))
    assert [a.pk for a in results] == [newer.pk, older.pk]
    assert tea.pk not in [a.pk for a in results]


def test_search_page_highlights_matches_escaped(client, staff):
    publish_story(
        staff,
        title="Night in the city",
        blocks=[{"id": "p-x", "kind": "paragraph", "text": "Окрестина", "html": "Окрестина", "attrs": {}}],
        texts={"p-x": "Detainees <b>were</b> taken to Okrestin overnight."},
    )
    html = client.get("/search/?q=Okrestin").content.decode()
    assert "1 result for “Okrestin”." in html
    snippet = html.split('class="snippet">')[1].split("</p>")[0]
    assert "<mark>Okrestin</mark>" in snippet
    assert "<b>" not in snippet
    assert "Night in the city" in html


def test_search_stems_english_words(client, staff):
    publish_story(staff, title="Diplomats resigned in protest")
    html = client.get("/search/?q=resigning+diplomat").content.decode()
    assert "Diplomats resigned in protest" in html


def test_search_finds_only_live_text(client, staff):
    article = publish_story(staff, title="Withdrawn picket story")
    from translations import workflow

    workflow.translation_unpublish(translation=article.translations.get(), by=staff["editor"], reason="Legal")
    html = client.get("/search/?q=picket").content.decode()
    assert "Nothing matched" in html, html[html.find("<main") :]
    assert Article.objects.filter(source_title__icontains="пикет").exists()


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        "a" * 5000,
        "picket\x00drop",
        "\x00",
        "&|!():*'\"",
        "-",
        "OR OR OR",
        "the",
        "%00%ff",
    ],
)
def test_hostile_search_input_never_errors(client, staff, query):
    publish_story(staff)
    response = client.get("/search/", {"q": query, "page": "abc"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_query_clean_bounds_and_strips():
    assert search.search_query_clean("a\x00b\tc") == "a b c"
    assert len(search.search_query_clean("x" * 10_000)) == search.MAX_QUERY_LENGTH
    assert search.search_query_clean(None) == ""


def test_empty_search_shows_the_form_only(client, db):
    html = client.get("/search/").content.decode()
    assert '<label for="search-q">' in html
    assert "result" not in html


def test_a_word_pasted_with_a_soft_hyphen_is_found_once_published(client, staff):
    publish_story(staff, title="Para\u00adsites in the\u00a0river", lead="Lead\u200b text.")
    html = client.get("/search/?q=parasites").content.decode()
    assert "river" in html and "\u00ad" not in html


def test_a_snippet_is_cut_from_where_the_words_are(client, staff, settings):
    """The lead when it holds the words, the lead as published when only the title does, the lead
    when title and lead hold them between them, else the body's passage: stored teasers and teasers
    built from the rows alike."""
    settings.SITE_CACHE_SECONDS = 0
    body = [{"id": "p-x", "kind": "paragraph", "text": "Окрестина", "html": "Окрестина", "attrs": {}}]
    long_lead = "Families waited outside the gates all night " + "and into the morning " * 8 + "for news."

    def story(title, lead, text):
        return publish_story(staff, title=title, lead=lead, blocks=body, texts={"p-x": text})

    story("Night in the city", "Relatives gathered at Okrestin.", "Okrestin is a detention centre.")
    story("Okrestin detainees released", long_lead, "Okrestin was crowded again.")
    story("Okrestin after midnight", "Volunteers brought hot tea.", "Nothing else happened.")
    story("A quiet street", "Nothing to see here.", "Later the van drove to Okrestin overnight.")
    story("Okrestin without a lead", "", "The gates stayed shut until dawn.")

    def teasers(query):
        html = client.get("/search/", {"q": query}).content.decode()
        items = re.findall(r"<h[23][^>]*>.*?<a[^>]*>(.*?)</a>.*?</h[23]>\s*(<p[^>]*>.*?</p>)", html, re.S)
        return {title: teaser for title, teaser in items}

    for built in (False, True):  # stored teasers, then every teaser built from the story rows
        with mock.patch.object(pages, "page_stamp", return_value="another deployment") if built else nullcontext():
            shown = teasers("okrestin")
            lead_hit = shown["Night in the city"]
            assert lead_hit.startswith('<p class="snippet">Relatives gathered at <mark>Okrestin</mark>')
            assert "detention" not in lead_hit  # from the lead, which holds the word, not the body
            assert shown["Okrestin detainees released"] == f"<p>{long_lead}</p>"  # whole, as published
            assert "<mark>" not in shown["Okrestin after midnight"]
            assert shown["A quiet street"].startswith('<p class="snippet">')
            assert "<mark>Okrestin</mark> overnight" in shown["A quiet street"]
            # No lead to show: the body's opening, as for any match outside title and lead.
            assert shown["Okrestin without a lead"] == '<p class="snippet">The gates stayed shut until dawn.</p>'
            split = teasers("okrestin tea")  # the title holds one word, the lead the other
            assert split["Okrestin after midnight"].startswith(
                '<p class="snippet">Volunteers brought hot <mark>tea</mark>'
            )
