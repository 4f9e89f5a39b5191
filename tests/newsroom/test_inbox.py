"""Inbox services: import or reject feed items, reject imported articles."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from newsroom.models import Article, AuditEntry, Feed, FeedItem, Outlet
from newsroom.sources import fetching, inbox
from tests.factories import ArticleFactory
from translations import workflow


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_IMPORT_ALLOW_LOOPBACK", "1")


@pytest.fixture
def feed(db: Any) -> Feed:
    outlet = Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")
    return Feed.objects.create(outlet=outlet, url="https://news.example/rss")


def test_feeditem_import_links_item_to_article(feed: Feed, editor: Any, loopback: None, fixture_server: str) -> None:
    item = FeedItem.objects.create(feed=feed, url=f"{fixture_server}/sources/site/mfa-picket.html", title="МИД")

    result = inbox.feeditem_import(item=item, by=editor)

    item.refresh_from_db()
    assert item.status == FeedItem.Status.IMPORTED
    assert item.article == result.article
    assert result.article.outlet == feed.outlet
    assert result.article.imported_by == editor
    assert AuditEntry.objects.filter(action="feeditem.import", actor=editor, target_id=str(item.pk)).exists()
    assert item not in inbox.inbox_feed_items()
    assert result.article in inbox.inbox_articles()


def test_feeditem_import_failure_marks_item_failed(
    feed: Feed, editor: Any, loopback: None, fixture_server: str
) -> None:
    item = FeedItem.objects.create(feed=feed, url=f"{fixture_server}/_t/status?code=410")

    with pytest.raises(fetching.HTTPStatusError):
        inbox.feeditem_import(item=item, by=editor)

    item.refresh_from_db()
    assert item.status == FeedItem.Status.FAILED and "410" in item.error
    assert not Article.objects.exists()


def test_feeditem_reject_records_reason(feed: Feed, editor: Any) -> None:
    item = FeedItem.objects.create(feed=feed, url="https://news.example/1.html")

    inbox.feeditem_reject(item=item, by=editor, reason="Sport, not our beat")

    item.refresh_from_db()
    assert item.status == FeedItem.Status.REJECTED
    entry = AuditEntry.objects.get(action="feeditem.reject")
    assert entry.actor == editor and entry.detail["reason"] == "Sport, not our beat"


def test_article_reject_sets_triage_and_reason(editor: Any) -> None:
    article = ArticleFactory()

    inbox.article_reject(article=article, by=editor, reason="Duplicate of an earlier story")

    article.refresh_from_db()
    assert article.triage == Article.Triage.REJECTED
    assert article.triage_reason == "Duplicate of an earlier story"
    assert article not in inbox.inbox_articles()
    assert AuditEntry.objects.filter(action="article.reject", target_id=str(article.pk), actor=editor).exists()


def test_article_reject_needs_a_reason(editor: Any) -> None:
    article = ArticleFactory()

    with pytest.raises(inbox.TriageError):
        inbox.article_reject(article=article, by=editor, reason="  ")

    article.refresh_from_db()
    assert article.triage == Article.Triage.NEW


@pytest.mark.parametrize("role", ["reviewer", "translator"])
def test_non_editors_cannot_triage(role: str, feed: Feed, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    item = FeedItem.objects.create(feed=feed, url="https://news.example/1.html")
    article = ArticleFactory()

    with pytest.raises(PermissionDenied):
        inbox.feeditem_reject(item=item, by=user, reason="no")
    with pytest.raises(PermissionDenied):
        inbox.feeditem_import(item=item, by=user)
    with pytest.raises(PermissionDenied):
        inbox.article_reject(article=article, by=user, reason="no")

    item.refresh_from_db()
    article.refresh_from_db()
    assert item.status == FeedItem.Status.NEW and article.triage == Article.Triage.NEW


def test_article_with_a_job_cannot_be_rejected(editor: Any, client: Any) -> None:
    article = ArticleFactory()
    workflow.translation_create(article=article, by=editor)
    client.force_login(editor)

    with pytest.raises(inbox.TriageError):
        inbox.article_reject(article=article, by=editor, reason="Changed my mind")
    response = client.post(reverse("desk:inbox_article_reject", args=[article.pk]), {"reason": "x"}, follow=True)

    article.refresh_from_db()
    assert article.triage == Article.Triage.ACCEPTED and article.triage_reason == ""
    assert "already" in response.content.decode()
    assert not AuditEntry.objects.filter(action="article.reject").exists()
