"""The importer says how sure it is of a story's text (issue 27): stored on the source
revision, in ``import_article --json``, and shown as "check the extraction" on the desk."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from newsroom.models import Article, Outlet
from newsroom.sources.extraction import extract_article
from newsroom.sources.extraction.confidence import LOW, extraction_confidence

STORY = [
    "The council voted on Tuesday to freeze ferry fares until May, after a winter of complaints.",
    "Passengers from the islands said the last rise had doubled the cost of getting to work.",
]


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)


def _paragraphs(texts: list[str]) -> list[dict[str, Any]]:
    return [{"kind": "paragraph", "text": t} for t in texts]


def test_confidence_is_full_when_both_readings_agree_and_low_when_they_differ() -> None:
    same = extraction_confidence(blocks=_paragraphs(STORY), reference=STORY, core_share=1.0)
    widened = extraction_confidence(blocks=_paragraphs(STORY), reference=STORY, core_share=0.0)
    other = extraction_confidence(
        blocks=_paragraphs(STORY), reference=["Most read: a new bridge, a tram strike."], core_share=1.0
    )

    assert (same.score, same.agreement, same.is_low) == (1.0, 1.0, False)
    assert widened.score == 0.75 and widened.agreement == 1.0  # little from the core lowers it
    assert other.is_low and other.score < LOW


def test_a_fetched_page_carries_its_confidence_and_a_pasted_one_none() -> None:
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Fares</title></head><body>"
        "<article><h1>Ferry fares frozen</h1>" + "".join(f"<p>{p}</p>" for p in STORY * 3) + "</article></body></html>"
    ).encode()

    article = extract_article(content=page, url="https://news.example/a.html")

    assert article.confidence is not None and not article.confidence.is_low


def test_the_import_stores_the_confidence_and_the_desk_flags_a_doubtful_one(
    client: Any, editor: Any, loopback: None, fixture_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(editor)
    url = f"{fixture_server}/sources/site/mfa-picket.html"
    monkeypatch.setattr("newsroom.sources.extraction.confidence.LOW", 1.01)  # every score is under the line

    response = client.post(reverse("desk:import"), {"url": url}, follow=True)

    revision = Article.objects.get().current_revision
    assert revision.extraction_confidence["is_low"] is True
    assert 0 < revision.extraction_confidence["score"] <= 1
    page = response.content.decode()
    assert "Check the extraction: the importer is not sure" in page  # the import's message
    assert 'id="check-extraction"' in page  # the article page's flag, there on every visit


def test_a_confident_import_and_a_pasted_story_show_no_flag(
    client: Any, editor: Any, loopback: None, fixture_server: str
) -> None:
    client.force_login(editor)
    outlet = Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")
    fetched = client.post(
        reverse("desk:import"), {"url": f"{fixture_server}/sources/site/mfa-picket.html"}, follow=True
    )
    pasted = client.post(
        reverse("desk:import_manual"),
        {
            "title": "Пикет",
            "url": "https://news.example/1.html",
            "language": "ru",
            "outlet": outlet.pk,
            "text": "Абзац.",
        },
        follow=True,
    )

    assert "check-extraction" not in fetched.content.decode()
    assert "check-extraction" not in pasted.content.decode()
    assert Article.objects.get(source_url="https://news.example/1.html").current_revision.extraction_confidence is None
