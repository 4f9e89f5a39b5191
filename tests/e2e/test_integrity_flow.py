"""In a real browser: a change typed after approval is refused and kept on screen, and an
editor's change to approved text goes back to review by someone else."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from newsroom.models import Article
from tests.factories import TranslationFactory, UserFactory
from translations import editing, workflow
from translations.models import State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_change_after_approval_is_refused_and_reopened_change_is_reviewed_again(page_for):
    volunteer = UserFactory(username="vol-e2e", roles=["translator"])
    reviewer = UserFactory(username="rev-e2e", roles=["reviewer"])
    editor = UserFactory(username="ed-e2e", roles=["editor"])
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, title="Approved title")

    # The volunteer still has the editor open when the reviewer approves in another office.
    vol = page_for(volunteer)
    vol.goto(t.get_absolute_url())
    workflow.translation_approve(translation=workflow.translation_submit(translation=t, by=volunteer), by=reviewer)
    box = vol.get_by_label("Paragraph 1 (English)")
    box.fill("A sentence added after approval.")
    box.blur()
    expect(vol.locator("#save-status")).to_contain_text("Not saved", timeout=10_000)
    expect(vol.locator("#save-status")).to_contain_text("a reviewer approved it")
    expect(box).to_have_value("A sentence added after approval.")  # nothing typed is lost
    t.refresh_from_db()
    assert t.state == State.APPROVED and "after approval" not in str(t.blocks)
    # On reload the page is read-only and says why.
    vol.reload()
    expect(vol.get_by_text("Read-only.")).to_be_visible()
    expect(vol.get_by_label("Paragraph 1 (English)")).to_have_count(0)

    # The editor reopens it, fixes the title and submits; the review goes to someone else.
    ed = page_for(editor)
    ed.goto(t.get_absolute_url())
    ed.get_by_label("What needs to change").fill("The title needs the minister's name.")
    ed.get_by_role("button", name="Request changes").click()
    expect(ed.get_by_label("Title (English)")).to_be_visible()
    ed.get_by_label("Title (English)").fill("Approved title, with the minister's name")
    ed.get_by_role("button", name="Submit for review").click()
    expect(ed.get_by_text("Sent for review.")).to_be_visible()
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW and {"user": editor.pk} in t.authors["title"]
    ed.goto(f"/desk/t/{t.pk}/review/")
    expect(ed.get_by_role("button", name="Approve")).to_have_count(0)

    rev = page_for(reviewer)
    rev.goto("/desk/mine/")
    expect(rev.get_by_role("heading", name="Waiting for my review (1)")).to_be_visible()
    rev.get_by_role("link", name="Approved title, with the minister's name").click()
    expect(rev.get_by_text("The text was translated by")).to_be_visible()
    rev.get_by_role("button", name="Approve").click()
    expect(rev.get_by_text("Approved.")).to_be_visible()
    assert Translation.objects.get(pk=t.pk).state == State.APPROVED

    other = UserFactory(username="ed2-e2e", roles=["editor"])
    workflow.translation_publish(translation=t, by=other)
    assert Article.objects.get(pk=t.article_id).title_en == "Approved title, with the minister's name"
