"""The editorial day (issue 29): every next step one click away, mistakes undoable."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import TranslationFactory, UserFactory
from translations import workflow
from translations.desk import pages
from translations.models import State
from translations.workflow import registry


@pytest.fixture
def ed_client(client, editor):
    client.force_login(editor)
    return client


# --- 1. The next step -----------------------------------------------------------------------


def test_approved_job_page_offers_preview_and_publish_to_an_editor_who_may_publish(ed_client):
    t = TranslationFactory(state=State.APPROVED)
    html = ed_client.get(t.get_absolute_url()).content.decode()
    link = re.search(r'<a class="button[^"]*" href="([^"]+)">Preview and publish</a>', html)
    assert link is not None, "the approved job's page must offer Preview and publish"
    assert link.group(1) == reverse("desk:preview", args=[t.pk])


def test_an_editor_who_translated_the_job_is_not_offered_publishing(client):
    t = TranslationFactory(state=State.APPROVED, translator=UserFactory(roles=["editor"]))
    client.force_login(t.translator)
    assert "Preview and publish" not in client.get(t.get_absolute_url()).content.decode()


@pytest.mark.parametrize("state", [s for s in State.values])
def test_every_state_offers_the_registry_verbs_the_person_may_take(editor, state):
    """Whatever the state, the job page offers exactly the verbs the registry allows (a form or
    a link to their page), so nothing is a hard-coded list."""
    t = TranslationFactory(state=state)
    buttons = pages.action_buttons(user=editor, translation=t, editable=False)
    shown = {b.name for b in buttons}
    pages_seen: set[str] = set()
    for verb in registry.available(user=editor, translation=t):
        if verb.page == "job":
            assert verb.name in shown
        elif verb.page not in pages_seen:
            pages_seen.add(verb.page)
            assert verb.name in shown
    assert shown <= {v.name for v in registry.available(user=editor, translation=t)}


def test_board_my_work_and_notifications_show_the_same_next_step(client, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    workflow.translation_approve(translation=t, by=reviewer)
    client.force_login(editor)
    preview = reverse("desk:preview", args=[t.pk])
    board = client.get(reverse("desk:home")).content.decode()
    assert f'<a href="{preview}" data-next="publish">Preview and publish</a>' in board
    # The reviewer's notification ("Approved" goes to the translator; the reviewer's queue holds
    # the job) and My work lead to the same steps the job page shows.
    client.force_login(t.translator)
    mine = client.get(reverse("desk:mine")).content.decode()
    assert "Preview and publish" not in mine  # the translator may not publish their own text
    t2 = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(reviewer)
    queue = client.get(reverse("desk:mine")).content.decode()
    assert f'href="{t2.get_absolute_url()}#action-approve" data-next="approve">Approve</a>' in queue


def test_notification_shows_the_next_step(client, editor, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS)
    workflow.translation_submit(translation=t, by=t.translator)
    client.force_login(reviewer)
    html = client.get(reverse("desk:notifications")).content.decode()
    assert 'data-next="approve"' in html


def test_unpublish_is_apart_and_a_danger_not_beside_correct(ed_client, editor):
    t = TranslationFactory(state=State.APPROVED)
    workflow.translation_publish(translation=t, by=editor)
    html = ed_client.get(t.get_absolute_url()).content.decode()
    assert '<details class="actions danger-zone" id="action-unpublish">' in html
    assert '<button type="submit" class="danger">Unpublish</button>' in html
    assert html.index('id="action-correct"') < html.index('id="action-unpublish"')
