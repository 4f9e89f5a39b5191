"""Desk pages of the importer: import forms, the article page, raw source, inbox, feeds."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from newsroom.models import Article, Feed, FeedItem, Outlet, SourceRevision
from newsroom.sources import importing
from tests import fixture_server as fs
from tests.factories import ArticleFactory, TranslationFactory
from translations.models import State, Translation


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)


@pytest.fixture
def outlet(db: Any) -> Outlet:
    return Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("name", "kwargs", "method"),
    [
        ("desk:import", {}, "get"),
        ("desk:import", {}, "post"),
        ("desk:import_manual", {}, "get"),
        ("desk:inbox", {}, "get"),
        ("desk:feeds", {}, "get"),
        ("desk:feeds", {}, "post"),
        ("desk:article_resync", {"pk": 1}, "post"),
        ("desk:inbox_item_import", {"pk": 1}, "post"),
        ("desk:inbox_item_reject", {"pk": 1}, "post"),
        ("desk:inbox_article_accept", {"pk": 1}, "post"),
        ("desk:inbox_article_reject", {"pk": 1}, "post"),
        ("desk:feed_poll_now", {"pk": 1}, "post"),
    ],
)
@pytest.mark.parametrize("role", ["reviewer", "translator", "volunteer"])
def test_editor_pages_refuse_non_editors(
    client: Any, request: pytest.FixtureRequest, role: str, name: str, kwargs: dict[str, int], method: str
) -> None:
    client.force_login(request.getfixturevalue(role))

    response = getattr(client, method)(reverse(name, kwargs=kwargs))

    assert response.status_code == 403


def test_article_page_refuses_translators_and_asks_anonymous_to_log_in(client: Any, translator: Any) -> None:
    article = ArticleFactory()
    url = reverse("desk:article", args=[article.pk])

    assert client.get(url).status_code == 302
    client.force_login(translator)
    assert client.get(url).status_code == 403
    assert client.get(reverse("desk:article_raw", args=[article.pk])).status_code == 403


# --------------------------------------------------------------------------- import forms


def test_import_form_imports_and_redirects_to_article(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    client.force_login(editor)

    response = client.post(reverse("desk:import"), {"url": f"{fixture_server}/sources/site/mfa-picket.html"})

    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:article", args=[article.pk])
    assert article.imported_by == editor


def test_import_form_shows_refusal_next_to_the_field(client: Any, editor: Any, fixture_server: str) -> None:
    client.force_login(editor)

    response = client.post(reverse("desk:import"), {"url": f"{fixture_server}/sources/site/mfa-picket.html"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert "is a loopback address" in html.unescape(page)
    assert not Article.objects.exists()


def test_import_form_with_known_story_redirects_to_it(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    article = importing.article_import(url=f"{fixture_server}/sources/site/be-culture.html", by=editor).article
    client.force_login(editor)

    response = client.post(reverse("desk:import"), {"url": f"{fixture_server}/sources/site/be-culture.html#x"})

    assert response["Location"] == reverse("desk:article", args=[article.pk])
    assert Article.objects.count() == 1


def test_manual_import_form_stores_pasted_story(client: Any, editor: Any, outlet: Outlet) -> None:
    client.force_login(editor)

    response = client.post(
        reverse("desk:import_manual"),
        {
            "title": "Пикет у МИД",
            "url": "https://news.tut.by/society/1.html",
            "published": "2020-08-17T13:47",
            "author": "Алеся Шумейко",
            "language": "ru",
            "outlet": outlet.pk,
            "text": "<p>Первый абзац.</p><p onclick='x()'>Второй абзац.</p><script>alert(1)</script>",
        },
    )

    article = Article.objects.get()
    assert response["Location"] == reverse("desk:article", args=[article.pk])
    assert [b["text"] for b in article.blocks] == ["Первый абзац.", "Второй абзац."]
    assert "onclick" not in repr(article.blocks) and "alert" not in repr(article.blocks)
    assert article.source_published_at is not None and article.outlet == outlet
    assert article.current_revision.is_manual


# --------------------------------------------------------------------------- the article page


def test_article_page_shows_source_provenance_and_translations(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    article = importing.article_import(url=f"{fixture_server}/sources/site/mfa-picket.html", by=editor).article
    translation = TranslationFactory(article=article, state=State.IN_PROGRESS)
    client.force_login(editor)

    page = client.get(reverse("desk:article", args=[article.pk])).content.decode()

    assert "<main" in page
    assert '<div class="source-text" lang="ru">' in page
    assert "на ступеньках здания Министерства иностранных дел" in page
    assert f'Fetched from <a href="{fixture_server}/sources/site/mfa-picket.html"' in page
    assert reverse("desk:article_raw", args=[article.pk]) in page
    assert "content-type" in page  # response headers
    assert translation.get_absolute_url() in page and "In progress" in page
    assert "Re-sync from the source" in page
    assert reverse("desk:open_job", args=[article.pk]) in page  # every enabled language, one step each


def test_reviewer_may_read_article_page_without_actions(client: Any, reviewer: Any) -> None:
    article = ArticleFactory()
    client.force_login(reviewer)

    response = client.get(reverse("desk:article", args=[article.pk]))

    assert response.status_code == 200
    assert "Re-sync" not in response.content.decode()


def test_hostile_page_payloads_reach_neither_page_nor_browser(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    article = importing.article_import(url=f"{fixture_server}/sources/site/xss-hostile.html", by=editor).article
    client.force_login(editor)

    page = client.get(reverse("desk:article", args=[article.pk])).content.decode()
    raw = client.get(reverse("desk:article_raw", args=[article.pk]))

    assert "Реконструкцию городского парка в Борисове" in page
    assert "fx-xss-" not in page.lower() and "fx-xss-" not in html.unescape(page).lower()
    assert raw.status_code == 200
    assert raw["Content-Type"] == "text/plain; charset=utf-8"
    assert "text/html" not in raw["Content-Type"]
    assert raw["Content-Disposition"].startswith("attachment")
    assert raw["X-Content-Type-Options"] == "nosniff"
    assert b"fx-xss-01" in raw.content  # the provenance copy is complete, just never rendered


def test_raw_source_of_windows_1251_page_is_served_as_utf8(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    article = importing.article_import(url=f"{fixture_server}/sources/site/cp1251-economy.html", by=editor).article
    client.force_login(editor)

    raw = client.get(reverse("desk:article_raw", args=[article.pk]) + "?r=1")

    assert "Доллар" in raw.content.decode("utf-8")


def test_resync_button_stores_revision_and_page_shows_the_change(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    original = fs.fixture_file("sources/site/mfa-picket.html").read_bytes().replace(b"{BASE}", fixture_server.encode())
    fs.MUTABLE_PAGES["view-resync"] = ("text/html; charset=utf-8", original)
    article = importing.article_import(url=f"{fixture_server}/_t/mutable?key=view-resync", by=editor).article
    edited = original.replace("выразить свою принципиальную позицию".encode(), "выразить свою позицию".encode())
    assert edited != original
    fs.MUTABLE_PAGES["view-resync"] = ("text/html; charset=utf-8", edited)
    client.force_login(editor)

    response = client.post(reverse("desk:article_resync", args=[article.pk]), follow=True)

    assert SourceRevision.objects.filter(article=article).count() == 2
    page = response.content.decode()
    assert "Changes at the source (revision 1 → 2)" in page
    assert page.count('class="diff-changed"') == 1
    assert "«выразить свою позицию»" in page


# --------------------------------------------------------------------------- inbox


def test_inbox_lists_new_items_and_untriaged_articles(client: Any, editor: Any, outlet: Outlet) -> None:
    feed = Feed.objects.create(outlet=outlet, url="https://news.example/rss")
    FeedItem.objects.create(feed=feed, url="https://news.example/1.html", title="Новость из ленты")
    FeedItem.objects.create(feed=feed, url="https://news.example/2.html", title="Отклонённая", status="rejected")
    ArticleFactory(source_title="Импортированная статья")
    ArticleFactory(source_title="Уже в работе", triage=Article.Triage.ACCEPTED)
    client.force_login(editor)

    page = client.get(reverse("desk:inbox")).content.decode()

    assert "Новость из ленты" in page and "Отклонённая" not in page
    assert "Импортированная статья" in page and "Уже в работе" not in page
    assert 'for="item-reason-' in page  # every reason field has a label


def test_inbox_accept_opens_a_job(client: Any, editor: Any) -> None:
    article = ArticleFactory()
    client.force_login(editor)

    response = client.post(reverse("desk:inbox_article_accept", args=[article.pk]))

    translation = Translation.objects.get(article=article)
    assert response["Location"] == translation.get_absolute_url()
    article.refresh_from_db()
    assert article.triage == Article.Triage.ACCEPTED


def test_inbox_reject_article_and_item(client: Any, editor: Any, outlet: Outlet) -> None:
    article = ArticleFactory()
    feed = Feed.objects.create(outlet=outlet, url="https://news.example/rss")
    item = FeedItem.objects.create(feed=feed, url="https://news.example/1.html")
    client.force_login(editor)

    client.post(reverse("desk:inbox_article_reject", args=[article.pk]), {"reason": "Opinion piece"})
    client.post(reverse("desk:inbox_item_reject", args=[item.pk]), {"reason": "Sport"})

    article.refresh_from_db()
    item.refresh_from_db()
    assert (article.triage, article.triage_reason) == (Article.Triage.REJECTED, "Opinion piece")
    assert item.status == FeedItem.Status.REJECTED


def test_inbox_import_item_goes_to_article(
    client: Any, editor: Any, outlet: Outlet, loopback: None, fixture_server: str
) -> None:
    feed = Feed.objects.create(outlet=outlet, url="https://news.example/rss")
    item = FeedItem.objects.create(feed=feed, url=f"{fixture_server}/sources/site/paywall.html")
    client.force_login(editor)

    response = client.post(reverse("desk:inbox_item_import", args=[item.pk]))

    item.refresh_from_db()
    assert item.status == FeedItem.Status.IMPORTED
    assert response["Location"] == reverse("desk:article", args=[item.article_id])


# --------------------------------------------------------------------------- feeds


def test_feeds_page_shows_errors_progress_and_refreshes_while_importing(
    client: Any, editor: Any, outlet: Outlet
) -> None:
    Feed.objects.create(
        outlet=outlet, url="https://bad.example/rss", last_error="The feed is broken (mismatched tag).",
        consecutive_errors=3,
    )  # fmt: skip
    busy = Feed.objects.create(outlet=outlet, url="https://busy.example/rss", progress_total=40, progress_done=12)
    client.force_login(editor)

    page = client.get(reverse("desk:feeds")).content.decode()

    assert "The feed is broken (mismatched tag)." in page and "3 failed polls in a row" in page
    assert "12 of 40 imported" in page
    assert 'http-equiv="refresh"' in page
    Feed.objects.filter(pk=busy.pk).update(progress_done=40)
    assert 'http-equiv="refresh"' not in client.get(reverse("desk:feeds")).content.decode()


def test_add_feed_and_poll_now(
    client: Any, editor: Any, outlet: Outlet, loopback: None, fixture_server: str,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    client.force_login(editor)
    url = f"{fixture_server}/sources/feeds/outlet.rss"
    response = client.post(
        reverse("desk:feeds"), {"outlet": outlet.pk, "url": url, "poll_interval_minutes": 30, "is_active": "on"}
    )
    assert response.status_code == 302
    feed = Feed.objects.get(url=url)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("desk:feed_poll_now", args=[feed.pk]))

    assert FeedItem.objects.filter(feed=feed).count() == 5
    assert "5 new in the inbox" in client.get(reverse("desk:feeds")).content.decode()


@pytest.mark.parametrize(("number", "status"), [("²", 200), ("abc", 200), ("99999999999", 404)])
def test_raw_source_with_odd_revision_number_gives_current_or_not_found(
    client: Any, editor: Any, number: str, status: int
) -> None:
    article = ArticleFactory()
    client.force_login(editor)

    response = client.get(reverse("desk:article_raw", args=[article.pk]), {"r": number})

    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].endswith('-r1.txt"')
