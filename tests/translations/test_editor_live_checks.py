"""The editor's live feedback: each autosave answers with the server's checks of the saved text
(the very list Submit is refused on), and every time the desk shows is in the desk's zone, labelled."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from tests.factories import ArticleFactory, TranslationFactory
from translations import workflow
from translations.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(volunteer):
    article = ArticleFactory(blocks=["Первый абзац.", "Второй абзац."])
    return TranslationFactory(article=article, state=State.IN_PROGRESS, translator=volunteer, filled=False, title="")


def _autosave(client, t, **data):
    return client.post(reverse("desk:autosave", args=[t.pk]), data=json.dumps(data), content_type="application/json")


def test_autosave_answers_with_each_paragraphs_checks_and_the_titles(client, mine, volunteer):
    client.force_login(volunteer)
    first, second = (b["id"] for b in mine.source_revision.blocks)

    body = _autosave(client, mine, based_on=mine.edit_version, blocks={first: {"text": "First paragraph."}}).json()

    checks = body["checks"]
    assert [p["text"] for p in checks["general"]] == ["Error: Give the translation a title."]
    assert first not in checks["blocks"]
    assert any("Not translated yet" in p["text"] for p in checks["blocks"][second])
    assert checks["errors"] == 2
    assert checks["submit_label"] == "Submit for review — 2 problems left"

    body = _autosave(client, mine, based_on=body["edit_version"], title="A title").json()

    assert body["checks"]["general"] == []
    assert body["checks"]["errors"] == 1
    assert body["checks"]["submit_label"] == "Submit for review — 1 problem left"
    assert body["checks"]["level"] == "error"


def test_autosave_count_is_the_submit_rule(client, mine, volunteer):
    client.force_login(volunteer)
    first = mine.source_revision.blocks[0]["id"]
    body = _autosave(client, mine, based_on=mine.edit_version, blocks={first: {"text": "Only one."}}).json()
    mine.refresh_from_db()

    with pytest.raises(workflow.SubmitRefused) as refused:
        workflow.translation_submit(translation=mine, by=volunteer)

    assert body["checks"]["errors"] == sum(1 for p in refused.value.problems if p.is_error)


def test_autosave_with_no_error_left_offers_a_plain_submit(client, mine, volunteer):
    client.force_login(volunteer)
    blocks = {b["id"]: {"text": f"English {i}."} for i, b in enumerate(mine.source_revision.blocks)}

    body = _autosave(client, mine, based_on=mine.edit_version, title="Done", blocks=blocks).json()

    assert body["checks"]["errors"] == 0
    assert body["checks"]["level"] in {"ok", "warning"}
    assert "to fix" not in body["checks"]["summary"]
    assert body["checks"]["submit_label"] == "Submit for review"


def test_autosave_says_when_it_saved_in_the_desks_zone(client, mine, volunteer, settings):
    settings.TIME_ZONE = "Europe/Minsk"
    client.force_login(volunteer)
    before = timezone.now().astimezone(timezone.get_default_timezone())

    body = _autosave(client, mine, based_on=mine.edit_version, title="T").json()

    after = timezone.now().astimezone(timezone.get_default_timezone())
    shown = {f"{t:%H:%M} (Minsk time)" for t in (before, after)}
    assert body["saved_at_display"] in shown
    assert dt.datetime.fromisoformat(body["saved_at"]).utcoffset() == dt.timedelta(hours=3)


def test_editor_page_shows_the_count_on_the_submit_button(client, mine, volunteer):
    client.force_login(volunteer)

    html = client.get(mine.get_absolute_url()).content.decode()

    assert re.search(r'id="submit-button"[^>]*>Submit for review — 3 problems left<', html)
    assert 'id="checks-summary"' in html and 'aria-live="polite"' in html


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Minsk", "27 Nov 07:43 (Minsk time)"),
        ("America/New_York", "26 Nov 23:43 (New York time)"),
        ("UTC", "27 Nov 04:43 (UTC)"),
    ],
)
def test_desk_time_filter_shows_the_desks_zone_with_its_label(settings, zone, expected):
    settings.TIME_ZONE = zone
    at = dt.datetime(2026, 11, 27, 4, 43, tzinfo=dt.UTC)

    html = Template('{% load desk_tags %}{{ at|desk_time:"j M H:i" }}').render(Context({"at": at}))

    assert html == expected


def test_desk_time_filter_ignores_what_is_not_a_time():
    html = Template("{% load desk_tags %}[{{ nothing|desk_time }}]").render(Context({"nothing": None}))
    assert html == "[]"


def test_desk_templates_format_no_time_without_the_zone_label():
    """Every time of day on the desk goes through ``desk_time``; a bare ``|date`` with hours is a bug."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "templates" / "desk"
    offenders = [
        f"{path.name}: {m.group(0)}"
        for path in root.rglob("*.html")
        for m in re.finditer(r"\|(?:date|time):[\"'][^\"']*[HGgihAaPT][^\"']*[\"']", path.read_text())
    ]
    assert offenders == []
