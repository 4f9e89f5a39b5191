"""Defects found in review: refused saves keep the typed text, odd input gives a clear answer
instead of a 500, and "changes requested" follows one rule on every page."""

from __future__ import annotations

import json

from django.urls import reverse

from tests.factories import TranslationFactory
from translations import workflow
from translations.models import State, WorkflowEvent


def test_plain_save_after_release_keeps_my_text_on_the_page(client, volunteer, editor):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    first = t.source_revision.blocks[0]["id"]
    version = t.edit_version
    workflow.translation_release(translation=t, by=editor, comment="")
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:translation", args=[t.pk]),
        {"based_on": version, "title": "My careful title", f"b-{first}-text": "An hour of typing."},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "An hour of typing." in html and "My careful title" in html
    assert "Nothing was saved" in html
    t.refresh_from_db()
    assert t.block_text(first) == "" and t.title != "My careful title"


def test_submit_after_claim_lost_keeps_my_text_on_the_page(client, volunteer, editor):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    first = t.source_revision.blocks[0]["id"]
    version = t.edit_version
    workflow.translation_release(translation=t, by=editor, comment="")
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:submit", args=[t.pk]), {"based_on": version, f"b-{first}-text": "Typed before submitting."}
    )
    assert response.status_code == 403
    assert "Typed before submitting." in response.content.decode()
    t.refresh_from_db()
    assert t.state == State.OPEN


def test_autosave_with_infinite_version_is_400_not_500(client, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    response = client.post(
        reverse("desk:autosave", args=[t.pk]), data='{"based_on": 1e400, "title": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "bad_request"


def test_audit_filter_up_to_the_last_possible_day_is_not_a_500(client, editor):
    client.force_login(editor)
    response = client.get(reverse("desk:audit"), {"date_to": "9999-12-31"})
    assert response.status_code == 200


def test_history_compare_with_non_ascii_digits_is_404(client, editor):
    t = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(editor)
    response = client.get(reverse("desk:history", args=[t.pk]), {"a": "²", "b": "1"})
    assert response.status_code == 404


def test_my_work_badge_follows_the_editor_rule_after_resubmission(client, volunteer, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    WorkflowEvent.objects.create(
        translation=t, actor=reviewer, action="request_changes", from_state="in_review", to_state="in_progress"
    )
    WorkflowEvent.objects.create(
        translation=t, actor=volunteer, action="submit", from_state="in_progress", to_state="in_review"
    )
    # Later back in progress without a new request (e.g. a correction after publication).
    client.force_login(volunteer)
    mine_html = client.get(reverse("desk:mine")).content.decode()
    editor_html = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert "Changes requested</h2>" not in editor_html
    assert "Changes requested</span>" not in mine_html

    WorkflowEvent.objects.create(
        translation=t, actor=reviewer, action="request_changes", from_state="in_review", to_state="in_progress"
    )
    mine_html = client.get(reverse("desk:mine")).content.decode()
    assert "Changes requested</span>" in mine_html
