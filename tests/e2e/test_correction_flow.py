"""A correction in a real browser, with fewer hand-offs: the editor opens it, edits, writes the
note and sends it on one screen; a reviewer's approval publishes it; the translator is told.
Restoring an old version of a published story opens a correction with that text.

Set ``E2E_SCREENSHOTS=<folder>`` to keep a screenshot of each step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from newsroom.models import Article, Correction
from tests.factories import TranslationFactory, UserFactory
from translations import workflow
from translations.models import State, Translation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTE = "An earlier version gave the wrong date of the picket."


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _published(editor, translator, reviewer) -> Translation:
    t = TranslationFactory(state=State.IN_REVIEW, translator=translator, title="Diplomats picket the ministry")
    t = workflow.translation_approve(translation=t, by=reviewer)
    return workflow.translation_publish(translation=t, by=editor)


def test_editor_corrects_in_one_screen_and_a_reviewers_approval_publishes_it(page_for):
    publisher = UserFactory(username="publisher", roles=["editor"])
    editor = UserFactory(username="corrector", roles=["editor"])
    reviewer = UserFactory(username="second", roles=["reviewer"])
    volunteer = UserFactory(username="volunteer1", roles=["translator"])
    t = _published(publisher, volunteer, reviewer)
    live_url = Article.objects.get(pk=t.article_id).get_absolute_url()
    ed, rev, vol, reader = page_for(editor), page_for(reviewer), page_for(volunteer), page_for(None)

    # After publishing, the preview says so and links to the live story.
    ed.goto(f"/desk/t/{t.pk}/preview/")
    expect(ed.locator(".banner.published")).to_contain_text("Published")
    expect(ed.get_by_role("link", name="Read the live story")).to_have_attribute("href", live_url)
    _shot(ed, "1-preview-published")

    # The editor opens the correction and lands on the editor, with the note to write there.
    with ed.expect_navigation():
        ed.get_by_role("button", name="Open a correction").click()
    expect(ed.get_by_role("heading", name="Correction of a published story")).to_be_visible()
    first = ed.locator("textarea[data-part='text']").first
    first.fill("The picket took place on 17 August.")
    ed.get_by_label("Correction note readers will see").fill(NOTE)
    _shot(ed, "2-editor-correction")
    ed.get_by_role("button", name="Send for a second look").click()
    expect(ed.locator(".messages")).to_contain_text("Sent for a second look")
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.translator, t.corrected_by) == (State.IN_REVIEW, True, volunteer, editor)

    # Meanwhile the story stays live and listed as published, marked.
    reader.goto(live_url)
    expect(reader.get_by_text("The picket took place on 17 August.")).to_have_count(0)
    ed.goto("/desk/?state=published")
    row = ed.locator("tr", has_text=t.article.source_title)
    expect(row).to_contain_text("Published")
    expect(row).to_contain_text("Correction in progress (In review)")
    _shot(ed, "3-board-published-with-correction")
    ed.goto(f"/desk/t/{t.pk}/preview/")
    expect(ed.locator(".banner.published")).to_contain_text("readers see the published version")
    _shot(ed, "4-preview-correction-in-progress")

    # The editor who made it has no Approve button; the reviewer approves, which publishes it.
    ed.goto(f"/desk/t/{t.pk}/review/")
    expect(ed.get_by_role("button", name="Approve and publish the correction")).to_have_count(0)
    rev.goto(f"/desk/t/{t.pk}/review/")
    expect(rev.locator(".decision")).to_contain_text(NOTE)
    _shot(rev, "5-review-correction")
    rev.get_by_role("button", name="Approve and publish the correction").click()
    expect(rev.locator(".messages")).to_contain_text("the correction is published")
    t.refresh_from_db()
    assert t.state == State.PUBLISHED and not t.is_correction

    reader.reload()
    expect(reader.get_by_text("The picket took place on 17 August.")).to_be_visible()
    expect(reader.locator("section.corrections")).to_contain_text(NOTE)
    expect(reader.locator("section.corrections time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    _shot(reader, "6-public-corrected")
    assert [c.note for c in Correction.objects.all()] == [NOTE]

    # The translator was informed, not given a job.
    vol.goto("/desk/notifications/")
    expect(vol.get_by_role("link", name="An editor is correcting your translation of Diplomats picket")).to_be_visible()
    expect(vol.get_by_text("A translation job is yours")).to_have_count(0)
    _shot(vol, "7-translator-notifications")


def test_restore_on_a_published_storys_history_opens_a_correction_with_that_text(page_for):
    publisher = UserFactory(username="publisher", roles=["editor"])
    editor = UserFactory(username="corrector", roles=["editor"])
    reviewer = UserFactory(username="second", roles=["reviewer"])
    t = _published(publisher, UserFactory(username="volunteer1", roles=["translator"]), reviewer)
    # A later correction changed the title; the editor wants the old one back.
    t = workflow.translation_correct(translation=t, by=publisher, note="Title shortened.")
    from translations import editing

    t = editing.translation_save(translation=t, by=publisher, based_on=t.edit_version, title="Picket", as_version=True)
    t = workflow.translation_submit(translation=t, by=publisher)
    t = workflow.translation_approve(translation=t, by=reviewer)
    live_url = Article.objects.get(pk=t.article_id).get_absolute_url()
    assert Article.objects.get(pk=t.article_id).title_en == "Picket"

    ed = page_for(editor)
    ed.goto(f"/desk/t/{t.pk}/history/")
    restore = ed.get_by_role("link", name=re.compile(r"^Restore"))
    expect(restore.first).to_be_visible()
    _shot(ed, "8-history-published-restore")
    with ed.expect_navigation():
        restore.last.click()  # the oldest version: the first approved text
    # Restore asks first, saying what will happen.
    expect(ed.get_by_text("Restoring opens a correction")).to_be_visible()
    with ed.expect_navigation():
        ed.get_by_role("button", name="Open a correction with v1").click()
    expect(ed.locator(".messages")).to_contain_text("A correction is open with the old version's text")
    expect(ed.get_by_label("Title (English)")).to_have_value("Diplomats picket the ministry")
    _shot(ed, "9-restored-into-correction")
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.corrected_by) == (State.IN_PROGRESS, True, editor)
    # Nothing is lost: the live text stays until the restored text is approved.
    reader = page_for(None)
    reader.goto(live_url)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Picket")
