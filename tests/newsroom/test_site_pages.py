"""The public site's pages: content, credits, metadata, query counts, errors and headers.

Published articles are made through the real workflow (create → assign → save → submit →
approve → publish), so the live fields are exactly what publishing writes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsroom.models import Article, SlugRedirect, Tag
from newsroom.site.rendering import stored as pages
from tests.factories import ArticleFactory, UserFactory
from translations import editing, workflow
from translations.models import Contributor, Credit, CreditMode, Role

SOURCE_HTML_BLOCKS = [
    {"id": "h-1", "kind": "heading", "text": "Подзаголовок", "html": "Подзаголовок", "attrs": {"level": 2}},
    {"id": "p-1", "kind": "paragraph", "text": "Первый абзац.", "html": "Первый абзац.", "attrs": {}},
    {"id": "li-1", "kind": "list_item", "text": "Один", "html": "Один", "attrs": {"ordered": False}},
    {"id": "li-2", "kind": "list_item", "text": "Два", "html": "Два", "attrs": {"ordered": False}},
    {"id": "q-1", "kind": "quote", "text": "Цитата", "html": "Цитата", "attrs": {"cite": "Вячеслав"}},
    {
        "id": "img-1",
        "kind": "image",
        "text": "Пикет",
        "html": "",
        "attrs": {"src": "https://img.example/picket.jpg", "alt": "Пикет", "caption": "Пикет"},
    },
    {
        "id": "em-1",
        "kind": "embed",
        "text": "",
        "html": "",
        "attrs": {
            "provider": "youtube",
            "video_id": "dQw4w9WgXcQ",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
    },
    {
        "id": "em-2",
        "kind": "embed",
        "text": "",
        "html": "",
        "attrs": {
            "provider": "telegram",
            "post": "tutby/1",
            "url": "https://t.me/tutby/1",
            "src": "https://t.me/tutby/1",
        },
    },
]


def person(username: str, first: str, last: str, roles: list[str], **contributor: object):
    return UserFactory(
        username=username,
        first_name=first,
        last_name=last,
        roles=roles,
        **{f"contributor__{k}": v for k, v in contributor.items()},
    )


def make_staff() -> dict:
    # Transactional (browser) tests flush the roles the data migration made: make sure they exist.
    for name in ("editor", "reviewer", "translator"):
        Group.objects.get_or_create(name=name)
    return {
        "editor": person("ed", "Hanna", "Marchuk", ["editor"], is_volunteer=False),
        "reviewer": person("rev", "Pavel", "Lis", ["reviewer"], is_volunteer=False),
        "volunteer": person(
            "vol", "Veranika", "Papkouskaya", ["translator"], has_public_profile=True, public_slug="veranika"
        ),
    }


@pytest.fixture
def staff(db):
    return make_staff()


def publish_story(
    staff: dict,
    *,
    translator=None,
    title: str = "MFA employees picket against violence",
    lead: str = "Employees of the Foreign Ministry came out to a picket.",
    blocks: list[dict] | None = None,
    texts: dict[str, str] | None = None,
    tags: str = "Belarus, Protests",
    notes: list[dict] | None = None,
    extra_credits: int = 0,
    **article_kwargs: object,
) -> Article:
    """A story published through the workflow; returns the refreshed Article."""
    translator = translator or staff["volunteer"]
    article = ArticleFactory(**article_kwargs)
    if blocks is not None:
        revision = article.current_revision
        revision.blocks = blocks
        revision.save()
    editor, reviewer = staff["editor"], staff["reviewer"]
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=translator, reviewer=reviewer)
    source = t.source_revision.blocks
    texts = texts or {}
    t = editing.translation_save(
        translation=t,
        by=translator,
        based_on=t.edit_version,
        title=title,
        lead=lead,
        blocks={b["id"]: {"text": texts.get(b["id"], f"English for {b['text']}")} for b in source if b["text"]},
        notes=notes or [],
        tags=tags,
        as_version=True,
    )
    t = workflow.translation_submit(translation=t, by=translator)
    t = workflow.translation_approve(translation=t, by=reviewer)
    if extra_credits:
        # Real accounts with public profiles (no password hashing: fast), credited as reviewers.
        User = get_user_model()
        stamp = t.pk
        users = User.objects.bulk_create(
            [User(username=f"helper{stamp}-{n}", first_name="Helper", last_name=str(n)) for n in range(extra_credits)]
        )
        Contributor.objects.bulk_create(
            [
                Contributor(
                    user=u,
                    credit_mode=CreditMode.REAL_NAME,
                    has_public_profile=True,
                    public_slug=f"helper{stamp}-{n}",
                )
                for n, u in enumerate(users)
            ]
        )
        Credit.objects.bulk_create([Credit(translation=t, user=u, role=Role.REVIEWER) for u in users])
    workflow.translation_publish(translation=t, by=editor)
    article.refresh_from_db()
    return article


class _Outline(HTMLParser):
    """Collects headings, landmarks, ids and lang attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.imgs_without_alt = 0
        self.langs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "img" and "alt" not in a:
            self.imgs_without_alt += 1
        if a.get("lang"):
            self.langs.append(str(a["lang"]))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Balance(HTMLParser):
    """Every element we open is closed, in order (our templates never rely on implied end tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
        else:
            self.stack.pop()


def assert_valid_page(html: str) -> None:
    balance = _Balance()
    balance.feed(html)
    assert balance.doctype, "no <!DOCTYPE html>"
    assert not balance.errors, balance.errors[:5]
    assert not balance.stack, balance.stack
    page = outline(html)
    assert page.tags.count("main") == 1
    assert page.headings.count(1) == 1
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert page.imgs_without_alt == 0


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def test_article_page_shows_story_attribution_and_credits(client, staff):
    article = publish_story(staff, blocks=SOURCE_HTML_BLOCKS)
    response = client.get(f"/articles/{article.slug_en}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>MFA employees picket against violence</h1>" in html
    assert 'Source: <span lang="ru">Алеся Шумейко</span>, <a href="https://news.tut.by/' in html
    assert re.search(r"Source: <span [^>]*>[^<]*</span>, <a [^>]*>TUT\.BY</a>", html)
    assert "<p>The text was translated by Veranika Papkouskaya</p>" in html
    assert '<a href="/translators/veranika/">More translations by Veranika Papkouskaya</a>' in html
    assert "Reviewed by Pavel Lis" in html
    assert f'<cite lang="ru">{article.source_title}</cite>' in html
    assert "As published by the source on" in html
    assert '<span lang="ru">Алеся Шумейко</span>' in html


def blocks_with_picture(blocks):
    """``blocks`` with the image block's picture stored as the importer stores it (``img-1``)."""
    import io

    from PIL import Image

    from newsroom.sources.images import image_store

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 60)).save(buffer, "PNG")
    picture = image_store(data=buffer.getvalue(), source_url="https://img.example/picket.jpg")
    out = [dict(b, attrs=dict(b.get("attrs") or {})) for b in blocks]
    for b in out:
        if b["id"] == "img-1":
            b["attrs"]["image"] = picture.pk
    return out, picture


def correction_publish(staff: dict, article: Article, *, note: str, title: str) -> None:
    """A correction of ``article``'s English text (a new ``title``) published with ``note``."""
    t = workflow.translation_correct(translation=article.translations.get(), by=staff["editor"], note=note)
    t = editing.translation_save(translation=t, by=staff["editor"], based_on=t.edit_version, title=title)
    t = workflow.translation_submit(translation=t, by=staff["editor"])
    workflow.translation_approve(translation=t, by=staff["reviewer"])


def publish_pictured_story(staff: dict, **kwargs: object) -> tuple[Article, object]:
    """A story with every kind of block (a stored picture, a quote, a translator's note) published."""
    blocks, picture = blocks_with_picture(SOURCE_HTML_BLOCKS)
    article = publish_story(
        staff,
        blocks=blocks,
        texts={"q-1": "A <em>quote</em>", "img-1": "A picket"},
        notes=[{"id": "n1", "after": "p-1", "text": "Okrestin is a detention centre.", "keep": True}],
        **kwargs,  # type: ignore[arg-type]
    )
    return article, picture


def test_article_body_groups_lists_and_renders_embeds_privately(client, staff):
    blocks, picture = blocks_with_picture(SOURCE_HTML_BLOCKS)
    article = publish_story(staff, blocks=blocks)
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "<ul><li>English for Один</li><li>English for Два</li></ul>" in html
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert re.search(r'<iframe [^>]*title="[^"]+"', html)
    assert "t.me/tutby/1?embed" not in html
    assert 'href="https://t.me/tutby/1"' in html
    assert "img.example" not in html  # the outlet's picture is never hotlinked
    small = picture.renditions[0]["name"]
    assert re.search(rf'<img src="/media/{picture.renditions[-1]["name"]}" srcset="/media/{small} 480w, ', html)
    assert 'alt=""' in html  # the alt text was not translated: the picture is decorative
    assert f'<figcaption>English for Пикет <span class="credit">Photo: {article.outlet.credit_name}</span>' in html
    assert "<blockquote><p>English for Цитата</p>" in html


def test_article_page_is_accessible_markup(client, staff):
    article = publish_story(staff, blocks=SOURCE_HTML_BLOCKS)
    page = outline(client.get(f"/articles/{article.slug_en}/").content.decode())
    assert page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    assert {"main", "header", "footer", "nav"} <= set(page.tags)
    assert page.imgs_without_alt == 0
    assert len(page.ids) == len(set(page.ids))
    assert "ru" in page.langs


def test_translator_note_is_shown_as_the_translators(client, staff):
    story = publish_story(staff, notes=[{"id": "n1", "after": "", "text": "Okrestin is a detention centre."}])
    html = client.get(f"/articles/{story.slug_en}/").content.decode()
    assert re.search(r'<aside class="translator-note"[^>]*><p><strong>Translator\'s note:</strong> Okrestin', html)


def test_pseudonymous_translator_real_name_never_shown(client, staff):
    pseudo = person("pseud", "Andrei", "Kavalenka", ["translator"], credit_mode="pseudonym", pseudonym="A. Minsker")
    article = publish_story(staff, translator=pseudo)
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "The text was translated by A. Minsker" in html
    assert "Kavalenka" not in html


def test_anonymous_translator_is_a_volunteer_translator(client, staff):
    anon = person("anon", "Maryia", "Hrynevich", ["translator"], credit_mode="anonymous")
    article = publish_story(staff, translator=anon)
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "The text was translated by a volunteer translator" in html
    assert "Hrynevich" not in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["translator"] == [{"@type": "Person", "name": "a volunteer translator"}]


def test_uncredited_translator_is_left_out(client, staff):
    article = publish_story(staff)
    for credit in Credit.objects.filter(role=Role.TRANSLATOR):  # saved as the admin would (a queryset
        credit.is_credited = False  # update bypasses every hook, so the stored page would not know)
        credit.save()
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "The text was translated by" not in html
    assert "Papkouskaya" not in html


def test_json_ld_describes_the_translation(client, staff):
    article = publish_story(staff, title="A </script><script>alert(1)</script> title")
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "</script" not in raw and "<script" not in raw
    data = json.loads(raw)
    assert data["@type"] == "NewsArticle"
    # The author as the English page names them: the approved byline, transliterated by default.
    assert data["author"] == [{"@type": "Person", "name": "Alesya Shumeyko"}]
    assert data["translator"] == [{"@type": "Person", "name": "Veranika Papkouskaya"}]
    assert data["isBasedOn"] == article.source_url
    assert data["translationOfWork"]["url"] == article.source_url
    assert data["datePublished"] and data["dateModified"]
    assert data["publisher"]["name"]


def test_article_metadata_canonical_hreflang_and_cards(client, staff):
    article = publish_story(staff)
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    url = f"http://testserver/articles/{article.slug_en}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<link rel="alternate" hreflang="en" href="{url}">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{url}">' in html
    assert '<meta property="og:title" content="MFA employees picket against violence">' in html
    assert '<meta name="twitter:card"' in html


def test_correction_note_is_dated_on_the_page(client, staff):
    article = publish_story(staff)
    correction_publish(
        staff, article, note="An earlier version misspelt a name.", title="MFA staff picket against violence"
    )
    html = client.get(f"/articles/{article.slug_en}/").content.decode()
    assert "<h1>MFA staff picket against violence</h1>" in html
    assert re.search(r"<time datetime=\"[^\"]+\">\d+ \w+ \d{4}</time>: An earlier version misspelt a name\.", html)


def test_related_articles_share_a_tag(client, staff):
    first = publish_story(staff, title="First story", tags="Minsk")
    publish_story(staff, title="Second story", tags="Minsk")
    publish_story(staff, title="Unrelated story", tags="Economy")
    html = client.get(f"/articles/{first.slug_en}/").content.decode()
    related = html.split('id="related-h"')[1]
    assert "Second story" in related
    assert "Unrelated story" not in related


def test_unpublished_text_is_never_shown(client, staff):
    article = publish_story(staff)
    draft = ArticleFactory()
    assert client.get(f"/articles/{article.slug_en}/").status_code == 200
    workflow.translation_unpublish(translation=article.translations.get(), by=staff["editor"], reason="Legal")
    assert client.get(f"/articles/{article.slug_en}/").status_code == 404
    assert "MFA employees" not in client.get("/").content.decode()
    assert draft.source_title not in client.get("/").content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_article_queries_do_not_grow_with_blocks_tags_and_credits(client, staff, django_assert_max_num_queries):
    small = publish_story(staff, title="Small story", tags="a, b, c")
    big = publish_story(
        staff,
        title="Big story",
        blocks=[
            {"id": f"p-{i}", "kind": "paragraph", "text": f"Абзац {i}", "html": f"Абзац {i}", "attrs": {}}
            for i in range(60)
        ],
        tags=", ".join(f"tag{i}" for i in range(60)),
        extra_credits=60,
    )
    assert len(big.body_en) == 60 and big.tags.count() == 60
    assert Credit.objects.filter(translation__article=big, credit_name__startswith="Helper").count() == 60
    small_count = _queries(client, f"/articles/{small.slug_en}/")
    big_count = _queries(client, f"/articles/{big.slug_en}/")
    assert small_count == big_count
    assert "More translations by Helper 59" in client.get(f"/articles/{big.slug_en}/?y=1").content.decode()
    with django_assert_max_num_queries(8):
        client.get(f"/articles/{big.slug_en}/?x=1")


def test_list_pages_queries_are_constant(client, staff, django_assert_max_num_queries):
    for n in range(3):
        publish_story(staff, title=f"Story {n}", tags="Minsk")
    counts = {url: _queries(client, url) for url in ["/", "/tags/minsk/", "/outlets/tut-by/", "/translators/veranika/"]}
    for n in range(3, 8):
        publish_story(staff, title=f"Story {n}", tags="Minsk")
    for url, count in counts.items():
        assert _queries(client, url + "?again=1") == count, url
        assert count <= 6, url


def test_home_lists_latest_and_featured(client, staff):
    older = publish_story(staff, title="Older story")
    publish_story(staff, title="Newer story")
    Article.objects.filter(pk=older.pk).update(is_featured=True)
    pages.listings_forget()  # as the admin does when it saves a story (test_site_speed)
    html = client.get("/").content.decode()
    featured = html.split('id="featured-h"')[1].split("</section>")[0]
    assert "Older story" in featured
    latest = html.split('id="latest-h"')[1]
    assert latest.index("Newer story") < latest.index("Older story")


def test_pagination_and_junk_page_numbers(client, staff, settings):
    from newsroom.site.rendering import render as site_views

    site_views.PAGE_SIZE, old = 2, site_views.PAGE_SIZE
    try:
        for n in range(5):
            publish_story(staff, title=f"Paged story {n}")
        first = client.get("/").content.decode()
        assert "Page 1 of 3" in first and 'rel="next" href="?page=2"' in first
        for junk in ["abc", "99999", "-1", "0", "1e9", "%00", "2" * 400]:
            response = client.get(f"/?page={junk}")
            assert response.status_code == 200, junk
        assert "Page 3 of 3" in client.get("/?page=99999").content.decode()
    finally:
        site_views.PAGE_SIZE = old


def test_tag_outlet_and_archive_pages(client, staff):
    article = publish_story(staff, title="Tagged story", tags="Human rights")
    tag = article.tags.get()
    assert "Tagged story" in client.get(tag.get_absolute_url()).content.decode()
    assert "Tagged story" in client.get("/outlets/tut-by/").content.decode()
    archive = client.get("/archive/").content.decode()
    local = timezone.localtime(article.published_at_en)
    month_url = f"/archive/{local.year}/{local.month}/"
    assert month_url in archive
    assert "Tagged story" in client.get(month_url).content.decode()


def test_translator_page_lists_credited_work_only_for_opt_in(client, staff):
    publish_story(staff, title="Her story")
    html = client.get("/translators/veranika/").content.decode()
    assert "<h1>Veranika Papkouskaya</h1>" in html and "Her story" in html
    person("hidden", "Hidden", "Person", ["translator"], public_slug="hidden")  # no opt-in
    person(
        "anonp", "Anon", "Person", ["translator"], credit_mode="anonymous", has_public_profile=True, public_slug="anon"
    )
    assert client.get("/translators/hidden/").status_code == 404
    assert client.get("/translators/anon/").status_code == 404


def test_translator_page_under_pseudonym_hides_real_name_credits(client, staff):
    pseudo = person(
        "ps",
        "Andrei",
        "Kavalenka",
        ["translator"],
        has_public_profile=True,
        public_slug="minsker",
        credit_mode="real_name",
    )
    publish_story(staff, translator=pseudo, title="Credited by real name")
    pseudo.contributor.credit_mode, pseudo.contributor.pseudonym = "pseudonym", "A. Minsker"
    pseudo.contributor.save()
    publish_story(staff, translator=pseudo, title="Credited by pseudonym")
    html = client.get("/translators/minsker/").content.decode()
    assert "Credited by pseudonym" in html
    assert "Credited by real name" not in html
    assert "Kavalenka" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/articles/no-such-story/",
        "/tags/no-such-tag/",
        "/outlets/no-such-outlet/",
        "/translators/nobody/",
        "/archive/2020/13/",
        "/archive/99999999999999999999/1/",
        "/xx/",
        "/fr/articles/anything/",
        "/pl/",  # a supported language the test settings do not turn on
        "/tags/%00/",
        "/tags/a%00b/rss.xml",
        "/articles/%00/",
        "/tags/" + "x" * 500 + "/",
    ],
)
def test_unknown_pages_are_styled_404s(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert "Set-Cookie" not in response.headers


def test_changed_slug_redirects_permanently(client, staff):
    article = publish_story(staff)
    SlugRedirect.objects.create(article=article, language="en", slug="old-slug")
    response = client.get("/articles/old-slug/")
    assert response.status_code == 301
    assert response["Location"] == f"/articles/{article.slug_en}/"


def test_site_pages_set_no_cookies_and_security_headers(client, staff):
    article = publish_story(staff, blocks=SOURCE_HTML_BLOCKS)
    for url in ["/", f"/articles/{article.slug_en}/", "/search/?q=picket", "/archive/", "/feeds/rss.xml"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "public" in response.headers["Cache-Control"] and "max-age=" in response.headers["Cache-Control"]
        assert response.headers["ETag"]


def test_article_conditional_get_answers_304(client, staff):
    article = publish_story(staff)
    url = f"/articles/{article.slug_en}/"
    first = client.get(url)
    assert first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_server_error_page_needs_no_database(rf, django_assert_num_queries):
    from newsroom.site.views import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()


def test_robots_txt_points_to_sitemaps(client, db):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /desk/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Sitemap: http://testserver/news-sitemap.xml" in body


def test_scheduled_story_not_live_before_its_time(client, staff):
    article = ArticleFactory()
    editor, reviewer, vol = staff["editor"], staff["reviewer"], staff["volunteer"]
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=vol, reviewer=reviewer)
    t = editing.translation_save(
        translation=t,
        by=vol,
        based_on=t.edit_version,
        title="Scheduled story",
        blocks={b["id"]: {"text": "English text."} for b in t.source_revision.blocks},
    )
    t = workflow.translation_submit(translation=t, by=vol)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_schedule(translation=t, by=editor, at=timezone.now() + dt.timedelta(hours=2))
    assert "Scheduled story" not in client.get("/").content.decode()


def test_every_page_is_well_formed_with_one_main_and_one_h1(client, staff):
    article = publish_story(staff, blocks=SOURCE_HTML_BLOCKS, tags="Minsk")
    article.refresh_from_db()
    local = timezone.localtime(article.published_at_en)
    for url in [
        "/",
        f"/articles/{article.slug_en}/",
        "/tags/minsk/",
        "/outlets/tut-by/",
        "/translators/veranika/",
        "/search/",
        "/search/?q=picket",
        "/search/?q=nothing-like-this",
        "/archive/",
        f"/archive/{local.year}/{local.month}/",
        "/no-such-page/",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_valid_page(response.content.decode())


def test_a_tag_with_an_unpublished_story_is_still_listed_for_its_live_one(client, staff):
    live = publish_story(staff, title="Live story", tags="Shared tag")
    draft = ArticleFactory(slug_en="")  # not live in English: no English slug
    draft.tags.add(*live.tags.all())  # the same tag on that story
    tag = live.tags.get()
    assert Tag.objects.filter(Article.live_q("en", "articles__")).filter(pk=tag.pk).exists()
    assert f"/tags/{tag.slug}/" in client.get("/sitemap.xml").content.decode()
