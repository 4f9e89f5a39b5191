"""Importing over real HTTP: what article_import stores, duplicates, re-sync, hostile pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from newsroom.models import Article, AuditEntry, Outlet, SourceRevision
from newsroom.sources import extraction, fetching, importing
from newsroom.sources.extraction import normalize_text
from tests import fixture_server as fs
from tests.factories import TranslationFactory

PAGES = [
    "sources/site/mfa-picket.html",
    "sources/site/cp1251-economy.html",
    "sources/site/be-culture.html",
    "sources/site/xss-hostile.html",
    "sources/site/long-read.html",
    "sources/site/no-metadata.html",
    "sources/site/paywall.html",
]


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)


def served(path: str, origin: str) -> bytes:
    return fs.fixture_file(path).read_bytes().replace(b"{BASE}", origin.encode())


@pytest.mark.parametrize("path", PAGES)
def test_article_import_stores_article_and_first_revision(
    path: str, db: Any, loopback: None, fixture_server: str, fixture_expected: dict[str, Any], editor: Any
) -> None:
    expected = fixture_expected["pages"][path]
    before = timezone.now()

    result = importing.article_import(url=f"{fixture_server}/{path}", by=editor)

    assert result.created
    article = Article.objects.get(pk=result.article.pk)
    assert article.source_url == importing.url_normalize(expected["canonical"] or expected["url"])
    assert article.language == expected["language"]
    assert normalize_text(article.source_title) == expected["title"]
    if expected["published"]:
        assert article.source_published_at == dt.datetime.fromisoformat(expected["published"])
    else:
        assert article.source_published_at is None
    assert article.authors == expected["authors"]
    assert article.imported_by == editor
    assert article.triage == Article.Triage.NEW
    revision = SourceRevision.objects.get(article=article)
    assert article.current_revision == revision
    assert revision.number == 1
    assert not revision.is_manual
    assert revision.final_url == expected["url"]
    assert before <= revision.fetched_at <= timezone.now()
    assert revision.http_headers["content-type"].startswith("text/html")
    assert revision.raw == served(path, fixture_server)
    assert len(bytes(revision.raw_compressed)) < len(revision.raw)
    paragraphs = [normalize_text(b["text"]) for b in revision.blocks if b["kind"] == "paragraph"]
    if expected.get("paragraphs"):
        assert paragraphs == expected["paragraphs"]
    assert AuditEntry.objects.filter(action="article.import", target_id=str(article.pk), actor=editor).exists()


def test_import_of_same_story_with_tracking_parameters_returns_existing(
    db: Any, loopback: None, fixture_server: str, editor: Any
) -> None:
    first = importing.article_import(url=f"{fixture_server}/sources/site/mfa-picket.html", by=editor)

    again = importing.article_import(
        url=f"{fixture_server}/sources/site/mfa-picket.html?utm_source=telegram&utm_medium=social#comments", by=editor
    )

    assert first.created and not again.created
    assert again.article.pk == first.article.pk
    assert Article.objects.count() == 1
    assert SourceRevision.objects.count() == 1


def test_import_found_under_another_address_is_keyed_on_its_canonical(
    db: Any, loopback: None, fixture_server: str, editor: Any
) -> None:
    """A redirect (or share link) to a stored story lands on the stored article."""
    first = importing.article_import(url=f"{fixture_server}/sources/site/mfa-picket.html", by=editor)
    target = f"{fixture_server}/sources/site/mfa-picket.html"

    again = importing.article_import(url=f"{fixture_server}/_t/redirect?to={target}", by=editor)

    assert not again.created and again.article.pk == first.article.pk


def test_import_uses_existing_outlet_for_the_site(db: Any, loopback: None, fixture_server: str) -> None:
    outlet = Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY", site_url=fixture_server)

    result = importing.article_import(url=f"{fixture_server}/sources/site/mfa-picket.html", by=None)

    assert result.article.outlet == outlet
    assert Outlet.objects.count() == 1


def test_blocked_address_saves_nothing(db: Any, fixture_server: str, editor: Any) -> None:
    with pytest.raises(fetching.BlockedAddress):
        importing.article_import(url=f"{fixture_server}/sources/site/mfa-picket.html", by=editor)

    assert not Article.objects.exists()
    assert not Outlet.objects.exists()


def test_page_without_text_is_refused(db: Any, loopback: None, fixture_server: str, editor: Any) -> None:
    with pytest.raises(importing.ImportRefused):
        importing.article_import(url=f"{fixture_server}/_t/status?code=200", by=editor)

    assert not Article.objects.exists()


def test_hostile_page_stores_no_payload(db: Any, loopback: None, fixture_server: str, editor: Any) -> None:
    result = importing.article_import(url=f"{fixture_server}/sources/site/xss-hostile.html", by=editor)

    blocks = result.article.current_revision.blocks
    assert len([b for b in blocks if b["kind"] == "paragraph"]) == 8
    stored = repr(blocks).lower()
    for fragment in ("fx-xss-", "<script", "onerror", "javascript:", "evil.example"):
        assert fragment not in stored
    assert b"fx-xss-01" in result.article.current_revision.raw  # provenance keeps the page as it was


def test_manual_import_sanitises_and_splits(db: Any, editor: Any) -> None:
    outlet = Outlet.objects.create(name="Nasha Niva", slug="nn", credit_name="Nasha Niva", site_url="https://nn.by")

    result = importing.manual_import(
        by=editor,
        title="Загаловак",
        url="https://nn.by/articles/1/?utm_source=fb",
        text_or_html="<p>Першы абзац.</p><script>alert('fx-xss-99')</script><p onclick='x()'>Другі абзац.</p>",
        language="be",
        author="Аўтар",
        outlet=outlet,
    )

    article = result.article
    assert result.created
    assert article.source_url == "https://nn.by/articles/1/"
    assert article.language == "be" and article.authors == ["Аўтар"] and article.outlet == outlet
    assert [b["text"] for b in article.blocks] == ["Першы абзац.", "Другі абзац."]
    assert "fx-xss" not in repr(article.blocks) and "onclick" not in repr(article.blocks)
    assert article.current_revision.is_manual


# --------------------------------------------------------------------------- re-sync


def _mfa(origin: str) -> bytes:
    return served("sources/site/mfa-picket.html", origin)


OLD_SENTENCE = "Мужчина призывает силовиков не бить лежачих".encode()
NEW_SENTENCE = "Мужчина настойчиво призывает силовиков не бить лежачих".encode()


def test_resync_stores_new_revision_and_translation_keeps_old(
    db: Any, loopback: None, fixture_server: str, editor: Any
) -> None:
    fs.MUTABLE_PAGES["resync"] = ("text/html; charset=utf-8", _mfa(fixture_server))
    url = f"{fixture_server}/_t/mutable?key=resync"
    article = importing.article_import(url=url, by=editor).article
    first = article.current_revision
    translation = TranslationFactory(article=article, source_revision=first)
    assert OLD_SENTENCE in _mfa(fixture_server)
    fs.MUTABLE_PAGES["resync"] = ("text/html; charset=utf-8", _mfa(fixture_server).replace(OLD_SENTENCE, NEW_SENTENCE))

    revision, changes = importing.article_resync(article=article, by=editor)

    assert revision is not None and revision.number == 2
    article.refresh_from_db()
    assert article.current_revision == revision
    changed = [c for c in changes if c["status"] != "same"]
    assert len(changed) == 1
    assert changed[0]["status"] == "changed"
    assert "настойчиво" in changed[0]["new"]["text"] and "настойчиво" not in changed[0]["old"]["text"]
    assert b"\xd0\xbd\xd0\xb0\xd1\x81\xd1\x82\xd0\xbe\xd0\xb9" in revision.raw
    translation.refresh_from_db()
    assert translation.source_revision == first
    assert AuditEntry.objects.filter(action="article.resync", target_id=str(article.pk)).exists()


def test_resync_of_unchanged_page_stores_nothing(db: Any, loopback: None, fixture_server: str, editor: Any) -> None:
    article = importing.article_import(url=f"{fixture_server}/sources/site/be-culture.html", by=editor).article

    revision, changes = importing.article_resync(article=article, by=editor)

    assert revision is None
    assert all(c["status"] == "same" for c in changes)
    assert SourceRevision.objects.filter(article=article).count() == 1


def _extracted(**overrides: Any) -> extraction.ExtractedArticle:
    values: dict[str, Any] = {
        "url": "https://long.example/story/1",
        "canonical": None,
        "charset": "utf-8",
        "language": "ru",
        "site_name": "Long",
        "title": "Заголовок",
        "lead": None,
        "published": None,
        "modified": None,
        "authors": [],
        "tags": [],
        "paywalled": False,
        "blocks": extraction.blocks_from_pasted(text_or_html="Первый абзац."),
    }
    values.update(overrides)
    return extraction.ExtractedArticle(**values)


def test_store_clamps_overlong_metadata_instead_of_failing(db: Any, editor: Any) -> None:
    extracted = _extracted(
        canonical="https://long.example/story/1?" + "x" * 1200,
        title="Т" * 1500,
        authors=["А" * 300],
        tags=["тег" * 50],
    )

    result = importing.article_store(extracted=extracted, by=editor)

    article = result.article
    assert result.created
    assert article.source_url == "https://long.example/story/1"
    assert len(article.source_title) == 1000 and len(article.current_revision.title) == 1000
    assert article.authors == ["А" * 200] and article.source_tags == [("тег" * 50)[:100]]


def test_store_refuses_an_address_too_long_to_keep(db: Any, editor: Any) -> None:
    extracted = _extracted(url="https://long.example/" + "y" * 1200)

    with pytest.raises(importing.ImportRefused, match="too long"):
        importing.article_store(extracted=extracted, by=editor)

    assert not Article.objects.exists()
