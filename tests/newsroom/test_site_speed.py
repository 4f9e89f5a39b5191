"""An uncached article page costs the same whatever the archive's size: work moved to publication."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom import publishing
from newsroom.models import Article
from tests.newsroom.test_site_pages import make_staff, publish_story


@pytest.fixture
def staff(db):
    return make_staff()


def test_uncached_article_page_runs_a_fixed_set_of_queries_without_searching_the_archive(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    first = publish_story(staff, title="First story", tags="Minsk, Protests")
    for n in range(3):
        publish_story(staff, title=f"Other story {n}", tags="Minsk")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(f"/articles/{first.slug_en}/").content.decode()
    assert len(ctx.captured_queries) == 5
    assert not any("DISTINCT" in q["sql"] for q in ctx.captured_queries)  # no related-stories search
    assert "Other story 2" in html


def test_publication_stores_the_sanitised_rendered_body(staff):
    article = publish_story(staff, texts={}, title="Rendered once", tags="Minsk", notes=[], blocks=None, lead="Lead.")
    article.refresh_from_db()
    assert article.body_html_en == publishing.body_render(body=article.body_en)
    assert "<p>English for" in article.body_html_en


def test_stored_body_html_keeps_no_script(staff):
    article = publish_story(staff, title="Hostile text")
    t = article.translations.get()
    block_id = next(iter(t.blocks))
    t.blocks[block_id]["text"] = 'Hi <script>alert(1)</script><a href="javascript:x()">x</a>'
    body = publishing.live_body(translation=t)
    html = publishing.body_render(body=body)
    assert "<script" not in html and "javascript:" not in html


def test_an_older_story_gains_a_newer_related_story(client, staff):
    older = publish_story(staff, title="Older story", tags="Grodno")
    newer = publish_story(staff, title="Newer story", tags="Grodno")
    assert Article.objects.get(pk=older.pk).related_ids_en == [newer.pk]
    assert Article.objects.get(pk=newer.pk).related_ids_en == [older.pk]
