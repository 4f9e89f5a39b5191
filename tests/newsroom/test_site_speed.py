"""An uncached article page costs the same whatever the archive's size: work moved to publication."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsroom import publishing
from newsroom.models import Article, Outlet, Tag
from newsroom.site import edge
from newsroom.site.rendering import owner, render
from newsroom.site.rendering import stored as pages
from tests.admin_forms import admin_form_data
from tests.newsroom.test_site_pages import correction_publish, make_staff, publish_pictured_story, publish_story


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
    assert len(ctx.captured_queries) == 1  # the page stored at publication: one column of one row
    assert not any("DISTINCT" in q["sql"] for q in ctx.captured_queries)  # no related-stories search
    assert "Other story 2" in html


def test_the_stored_page_is_byte_for_byte_the_page_rendered_per_request(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    story = publish_story(staff, title="Stored story", tags="Minsk")
    publish_story(staff, title="Its neighbour", tags="Minsk")
    stored = client.get(f"/articles/{story.slug_en}/")
    with mock.patch.object(pages, "page_stamp", return_value="another deployment"):
        with CaptureQueriesContext(connection) as ctx:
            rendered = client.get(f"/articles/{story.slug_en}/")
    assert len(ctx.captured_queries) > 1  # the stale stored page was not used
    assert stored.content == rendered.content
    assert stored.headers["Last-Modified"] == rendered.headers["Last-Modified"]
    html = stored.content.decode()
    assert "Its neighbour" in html and "Veranika Papkouskaya" in html and 'rel="tag"' in html
    assert "site-origin.invalid" not in html and f'href="http://testserver/articles/{story.slug_en}/"' in html


def test_a_changed_profile_or_tag_is_shown_at_once(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    story = publish_story(staff, title="Profiled story", tags="Minsk")
    assert "More translations by" in client.get(f"/articles/{story.slug_en}/").content.decode()
    contributor = staff["volunteer"].contributor
    contributor.has_public_profile = False  # the volunteer withdraws their public page
    contributor.save()
    assert "More translations by" not in client.get(f"/articles/{story.slug_en}/").content.decode()
    tag = Tag.objects.get(name="Minsk")
    tag.name = "Minsk region"
    tag.save()
    assert ">Minsk region</a>" in client.get(f"/articles/{story.slug_en}/").content.decode()
    call_command("site_pages_render", stdout=io.StringIO())
    with CaptureQueriesContext(connection) as ctx:
        assert ">Minsk region</a>" in client.get(f"/articles/{story.slug_en}/").content.decode()
    assert len(ctx.captured_queries) == 1


def test_a_republished_title_shows_in_the_related_lists_naming_it(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    older = publish_story(staff, title="Older story", tags="Grodno")
    newer = publish_story(staff, title="Newer story", tags="Grodno")
    Article.objects.filter(pk=newer.pk).update(title_en="Newer story, corrected")  # as a republication writes it
    owner.article_live_render(article=Article.objects.get(pk=newer.pk), language="en", republished=True)
    assert "Newer story, corrected" in client.get(f"/articles/{older.slug_en}/").content.decode()


def test_home_is_served_from_the_listing_stored_at_publication(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    for n in range(3):
        publish_story(staff, title=f"Listed story {n}", tags="Minsk")
    with CaptureQueriesContext(connection) as ctx:
        stored = client.get("/").content.decode()
    assert "Listed story 2" in stored
    assert len(ctx.captured_queries) == 1  # the stored first page, nothing counted or listed
    with mock.patch.object(pages, "page_stamp", return_value="another deployment"):
        with CaptureQueriesContext(connection) as ctx:
            rendered = client.get("/").content.decode()  # not current: built from the stories
        assert rendered == stored  # the same bytes
        assert len(ctx.captured_queries) >= 2
        with CaptureQueriesContext(connection) as ctx:
            client.get("/")
        assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)  # counted once per listings version
    publish_story(staff, title="A story published just now")
    assert "A story published just now" in client.get("/").content.decode()


def test_featuring_a_story_in_the_admin_shows_on_the_home_page(client, staff, settings, rf):
    from django.contrib import admin

    from newsroom.admin import ArticleAdmin

    settings.SITE_CACHE_SECONDS = 600
    older = publish_story(staff, title="Older story")
    publish_story(staff, title="Newer story")
    assert 'id="featured-h"' not in client.get("/").content.decode()
    article = Article.objects.get(pk=older.pk)
    article.is_featured = True
    request = rf.post("/admin/")
    request.user = staff
    ArticleAdmin(Article, admin.site).save_model(request, article, form=None, change=True)
    html = client.get("/").content.decode()
    assert "Older story" in html.split('id="featured-h"')[1].split("</section>")[0]


def test_a_warm_page_is_served_without_a_query_or_a_cookie_and_with_the_same_headers(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 600
    story = publish_story(staff, title="Warm story", tags="Minsk")
    for path in (f"/articles/{story.slug_en}/", "/"):
        miss = client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            hit = client.get(path)
        assert len(ctx.captured_queries) == 0, path
        assert hit.content == miss.content and not hit.cookies
        for name in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Cache-Control", "Content-Language", "Vary"):
            assert hit.headers.get(name) == miss.headers.get(name), name
        assert client.get(path, HTTP_IF_NONE_MATCH=hit.headers["ETag"]).status_code == 304


def test_publication_stores_the_sanitised_rendered_body(staff):
    article = publish_story(staff, texts={}, title="Rendered once", tags="Minsk", notes=[], blocks=None, lead="Lead.")
    article.refresh_from_db()
    assert article.body_html_en == render.body_render(body=article.body_en)
    assert "<p>English for" in article.body_html_en


def test_stored_body_html_keeps_no_script(staff):
    article = publish_story(staff, title="Hostile text")
    t = article.translations.get()
    block_id = next(iter(t.blocks))
    t.blocks[block_id]["text"] = 'Hi <script>alert(1)</script><a href="javascript:x()">x</a>'
    body = publishing.live_body(translation=t)
    html = render.body_render(body=body)
    assert "<script" not in html and "javascript:" not in html


def test_an_older_story_gains_a_newer_related_story(client, staff):
    older = publish_story(staff, title="Older story", tags="Grodno")
    newer = publish_story(staff, title="Newer story", tags="Grodno")
    assert Article.objects.get(pk=older.pk).related_ids_en == [newer.pk]
    assert Article.objects.get(pk=newer.pk).related_ids_en == [older.pk]


def test_site_pages_render_renders_an_out_of_date_body_and_page_again(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0
    story = publish_story(staff, title="Deployed story", tags="Minsk")
    expected = client.get(f"/articles/{story.slug_en}/").content
    # As after a deployment that changed the templates: the stored body and page are out of date.
    Article.objects.filter(pk=story.pk).update(body_html_en="<p>old body</p>", page_en={"stamp": "old"})
    out = io.StringIO()
    call_command("site_pages_render", stdout=out)
    assert "Rendered 1 pages." in out.getvalue()
    fresh = Article.objects.get(pk=story.pk)
    assert fresh.body_html_en == render.body_render(body=fresh.body_en)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/articles/{story.slug_en}/").content == expected
    assert len(ctx.captured_queries) == 1


def test_a_translator_page_reads_its_page_by_id_and_drops_a_withdrawn_credit_at_once(client, staff, settings):
    from translations.models import Credit

    settings.SITE_CACHE_SECONDS = 0
    stories = [publish_story(staff, title=f"Her story {n}") for n in range(3)]
    client.get("/translators/veranika/")  # the listing's ids, read once per listings version
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/translators/veranika/").content.decode()
    assert "Her story 2" in html and "Her story 0" in html
    # No read of the credits across the archive per request: the page's rows by primary key.
    assert not any("translations_credit" in q["sql"] for q in ctx.captured_queries)
    few = len(ctx.captured_queries)
    for n in range(3, 12):
        publish_story(staff, title=f"Her story {n}")
    client.get("/translators/veranika/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/translators/veranika/")
    assert len(ctx.captured_queries) == few  # the same for 3 stories and 12

    # An editor withdraws her credit from one story (any route saves the Credit row): the next
    # request no longer lists it, though the ids were cached.
    credit = Credit.objects.get(translation__article=stories[1], user=staff["volunteer"], role="translator")
    credit.is_credited = False
    credit.save()
    html = client.get("/translators/veranika/").content.decode()
    assert "Her story 1<" not in html and "Her story 2" in html


def test_listing_pages_are_rendered_once_per_listings_version_and_junk_pages_keep_nothing(client, staff, settings):
    from django.core.cache import cache

    settings.SITE_CACHE_SECONDS = 0  # the views themselves, not the page cache
    for n in range(23):  # two pages of 20
        publish_story(staff, title=f"Grodno story {n}", tags="Grodno")
    tag = Tag.objects.get(name="Grodno")
    url = f"/tags/{tag.slug}/"
    first = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url).content.decode()
    assert again == first and "Grodno story 22" in again and "Grodno story 2<" not in again
    # Nothing read: the tag and the page are both kept for the listings version.
    assert ctx.captured_queries == []
    assert "Grodno story 0<" in client.get(url + "?page=2").content.decode()

    stamp = pages.page_stamp("en")
    for junk in ("99999", "0", "abc", "-1", "1" * 30):
        response = client.get(url, {"page": junk})
        assert response.status_code == 200
        shown = "1" if junk == "abc" else "2"  # not a number: the first page; past either end: the last
        assert (f"Page {shown} of 2") in response.content.decode(), junk
        assert cache.get(pages.listing_key(name=f"page:tag:{tag.pk}:{junk}:{stamp}", lang="en")) is None, junk

    publish_story(staff, title="Grodno story published now", tags="Grodno")  # a new listings version
    assert "Grodno story published now" in client.get(url).content.decode()
    assert "Grodno story 1<" in client.get(url + "?page=2").content.decode()  # every page moved on


def _admin_change(client, model: str, obj, **changes) -> None:
    """``obj`` changed through its admin change form, as an editor would: the form as shown, with
    ``changes``."""
    url = f"/admin/newsroom/{model}/{obj.pk}/change/"
    response = client.post(url, {**admin_form_data(client.get(url)), **changes})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_tag_or_outlet_page_asked_again_reads_nothing_and_an_admin_edit_shows_at_once(
    client, admin_client, staff, settings
):
    settings.SITE_CACHE_SECONDS = 0  # the views themselves, not the page cache
    story = publish_story(staff, title="Grodno story", tags="Grodno")
    tag, outlet = Tag.objects.get(name="Grodno"), Outlet.objects.get(pk=story.outlet_id)
    for url in (f"/tags/{tag.slug}/", f"/outlets/{outlet.slug}/"):
        assert "Grodno story" in client.get(url).content.decode()
        with CaptureQueriesContext(connection) as ctx:
            assert "Grodno story" in client.get(url).content.decode()
        assert ctx.captured_queries == [], url  # the row and the page, both kept

    _admin_change(admin_client, "tag", tag, name="Hrodna", slug="hrodna")
    assert client.get("/tags/grodno/").status_code == 404  # the old address at once
    assert "Stories tagged “Hrodna”" in client.get("/tags/hrodna/").content.decode()

    _admin_change(admin_client, "outlet", outlet, description="An independent newsroom in exile.")
    assert "An independent newsroom in exile." in client.get(f"/outlets/{outlet.slug}/").content.decode()
    outlet.refresh_from_db()
    outlet.site_url = "https://moved.example.org/"
    outlet.save(update_fields=["site_url"])  # a service saving only what it changed
    assert "https://moved.example.org/" in client.get(f"/outlets/{outlet.slug}/").content.decode()

    # An outlet with no story yet, kept, then deleted: its page is gone at once.
    empty = Outlet.objects.create(name="Empty outlet", slug="empty-outlet", credit_name="Empty outlet")
    assert client.get("/outlets/empty-outlet/").status_code == 200
    assert admin_client.post(f"/admin/newsroom/outlet/{empty.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.get("/outlets/empty-outlet/").status_code == 404


def test_addresses_of_tags_and_outlets_nobody_has_keep_nothing(client, staff, settings):
    from django.core.cache import caches

    settings.SITE_CACHE_SECONDS = 0
    publish_story(staff, title="A real story", tags="Grodno")
    kept = caches["pages"]._cache  # the tests' memory cache: every entry of both aliases
    assert client.get("/tags/no-such-tag/").status_code == 404  # (the listings version is made once)
    before = len(kept)
    for n in range(20):
        assert client.get(f"/tags/no-such-tag-{n}/").status_code == 404
        assert client.get(f"/outlets/no-such-outlet-{n}/").status_code == 404
    assert len(kept) == before


def test_a_credit_withdrawn_in_the_admin_is_gone_from_the_cached_pages_at_once(client, staff, settings):
    from translations.models import Credit

    settings.SITE_CACHE_SECONDS = 600  # the page cache on: what readers get
    stories = [publish_story(staff, title=f"Her story {n}") for n in range(2)]
    name = staff["volunteer"].contributor.credit_name("translator")
    story_url = f"/articles/{stories[1].slug_en}/"
    api_url = f"/api/v1/stories/{stories[1].pk}/"
    for url in ("/translators/veranika/", story_url, api_url):
        assert client.get(url).status_code == 200  # cached now
    assert "Her story 1<" in client.get("/translators/veranika/").content.decode()
    assert name in client.get(story_url).content.decode()
    assert [p["name"] for p in client.get(api_url).json()["attribution"]["translators"]] == [name]

    credit = Credit.objects.get(translation__article=stories[1], user=staff["volunteer"], role="translator")
    credit.is_credited = False
    credit.save()  # as the admin's credit inline does

    listed = client.get("/translators/veranika/").content.decode()
    assert "Her story 1<" not in listed and "Her story 0<" in listed
    assert name not in client.get(story_url).content.decode()
    # The API's answer, stored with the page and kept by the API's cache, forgets it too.
    assert name not in client.get(api_url).content.decode()


def test_the_api_list_reads_the_items_stored_at_publication_and_a_renamed_tag_shows_at_once(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0  # the view itself, not the page cache
    # A title that quotes the placeholder origin as an address would begin keeps it as written.
    quoting = f'Listed story 2 \\ ": "{pages.ORIGIN}/x'
    for title in ("Listed story 0", "Listed story 1", quoting):
        publish_story(staff, title=title, tags="Minsk")
    client.get("/api/v1/stories/")  # counted once per listings version
    with CaptureQueriesContext(connection) as ctx:  # a page size not asked yet: its rows are read
        answer = client.get("/api/v1/stories/", {"page_size": 10})
    stored = answer.json()
    assert [item["title"] for item in stored["results"]] == [quoting, "Listed story 1", "Listed story 0"]
    assert all(item["url"].startswith("http://testserver/articles/") for item in stored["results"])
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    # The page's rows with their stored items: no tag, outlet, credit or correction read per story.
    read = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "newsroom_tag" not in read and "newsroom_correction" not in read and "newsroom_outlet" not in read
    assert len(ctx.captured_queries) == 1
    # From the small ``listed`` column: a key of the stored page would decompress the whole page.
    assert '"listed_en"' in read and '"page_en"' not in read

    with mock.patch("newsroom.site.api.page_stamp", return_value="another deployment"):
        with CaptureQueriesContext(connection) as ctx:
            built = client.get("/api/v1/stories/", {"page_size": 10})  # out of date: built from the stories
    assert "newsroom_tag" in " ".join(q["sql"] for q in ctx.captured_queries)
    assert built.content == answer.content  # the same bytes

    # A search too: its ranked ids, then their stored items (no snippet, no story row built).
    with CaptureQueriesContext(connection) as ctx:
        found = client.get("/api/v1/stories/", {"q": "listed story"}).json()
    assert found["count"] == 3 and {i["id"] for i in found["results"]} == {i["id"] for i in stored["results"]}
    assert "newsroom_tag" not in " ".join(q["sql"] for q in ctx.captured_queries)
    with mock.patch("newsroom.site.api.page_stamp", return_value="another deployment"):
        assert client.get("/api/v1/stories/", {"q": "listed story"}).json() == found

    tag = Tag.objects.get(name="Minsk")
    tag.name = "Miensk"
    tag.save()  # the stories' stored pages (and items) are forgotten with their cached answers
    renamed = client.get("/api/v1/stories/").json()
    assert {t["name"] for item in renamed["results"] for t in item["tags"]} == {"Miensk"}


def test_a_search_page_puts_its_snippets_into_the_teasers_stored_at_publication(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0  # the view itself, not the page cache
    publish_story(staff, title="Okrestin <detainees> & families", blocks=[], texts={})
    publish_story(staff, title="Courts of Minsk", lead="Okrestin again: the families wait.")
    with CaptureQueriesContext(connection) as ctx:
        stored = client.get("/search/", {"q": "okrestin"}).content.decode()
    assert "Okrestin &lt;detainees&gt; &amp; families" in stored and "<mark>Okrestin</mark>" in stored
    # The ranked ids, then the page's stored teasers with their snippets: no story row is built.
    assert not any('"newsroom_article"."title_en"' in q["sql"] for q in ctx.captured_queries)
    with mock.patch.object(pages, "page_stamp", return_value="another deployment"):
        assert client.get("/search/", {"q": "okrestin"}).content.decode() == stored  # built from the rows


def test_an_api_story_is_the_answer_stored_at_publication_and_a_correction_shows_at_once(client, staff, settings):
    settings.SITE_CACHE_SECONDS = 0  # the view itself, not the page cache
    article, _picture = publish_pictured_story(staff)
    address = f"/api/v1/stories/{article.pk}/"
    with CaptureQueriesContext(connection) as ctx:
        stored = client.get(address)
    # One column of one row: no tag, credit, correction or source revision read.
    assert len(ctx.captured_queries) == 1
    read = ctx.captured_queries[0]["sql"]
    assert "newsroom_tag" not in read and "translations_credit" not in read and "newsroom_correction" not in read
    data = stored.json()
    assert [b["type"] for b in data["body"]][:3] == ["heading", "paragraph", "note"]
    assert data["url"].startswith("http://testserver/articles/")  # the request's origin put in
    assert [p["url"] for p in data["attribution"]["translators"]] == ["http://testserver/translators/veranika/"]
    assert any(b["type"] == "image" and b["src"].startswith("http://testserver/media/") for b in data["body"])

    with mock.patch("newsroom.site.api.page_stamp", return_value="another deployment"):
        with CaptureQueriesContext(connection) as ctx:
            built = client.get(address)  # out of date: built from the story's rows
    assert len(ctx.captured_queries) > 1
    assert built.content == stored.content  # the same bytes
    assert built["Last-Modified"] == stored["Last-Modified"] and built["Content-Type"] == stored["Content-Type"]
    assert built[edge.HEADER] == stored[edge.HEADER]
    credited = {edge.person(staff["reviewer"].pk), edge.person(staff["volunteer"].pk)}
    assert set(stored[edge.HEADER].split()) == {edge.story(article.pk), *credited}

    # A correction published: the stored answer is the new one at once.
    correction_publish(staff, article, note="An earlier version misspelt a name.", title="Corrected title")
    with CaptureQueriesContext(connection) as ctx:
        corrected = client.get(address).json()
    assert len(ctx.captured_queries) == 1  # stored again at the correction's publication
    assert corrected["title"] == "Corrected title"
    assert [c["note"] for c in corrected["corrections"]] == ["An earlier version misspelt a name."]
    assert corrected["modified_at"] == corrected["corrections"][0]["published_at"]
