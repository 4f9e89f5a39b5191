"""Publishing: the live text is separate from the working copy."""

from __future__ import annotations

import pytest

from newsroom.models import Correction
from tests.factories import TranslationFactory, pin
from translations import editing, workflow
from translations.models import State


@pytest.fixture
def published(db, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW, title="Diplomats picket the ministry")
    t = workflow.translation_approve(translation=t, by=reviewer)
    return workflow.translation_publish(translation=t, by=editor)


def test_publish_copies_the_approved_text_into_live_fields(published):
    article = published.article
    article.refresh_from_db()
    assert article.title_en == "Diplomats picket the ministry"
    assert article.slug_en == "diplomats-picket-the-ministry"
    texts = [b["text"] for b in article.body_en]
    assert texts == [f"English for: {b['text']}" for b in published.source_revision.blocks]


def test_correction_in_progress_does_not_change_the_live_text(published, editor, reviewer, client):
    article = published.article
    t = workflow.translation_correct(translation=published, by=editor, note="We misspelled the minister's name.")
    block_id = t.source_revision.blocks[0]["id"]
    editing.translation_save(
        translation=t,
        by=editor,
        based_on=t.edit_version,
        title="Corrected headline",
        blocks={block_id: {"text": "A corrected first paragraph."}},
    )
    article.refresh_from_db()
    assert article.title_en == "Diplomats picket the ministry"
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Diplomats picket the ministry" in page and "A corrected first paragraph" not in page
    assert not Correction.objects.exists()

    t = workflow.translation_submit(translation=t, by=editor)
    article.refresh_from_db()
    assert article.title_en == "Diplomats picket the ministry"
    # The second reader's approval publishes the correction: no editor's step after it.
    t = workflow.translation_approve(translation=t, by=reviewer)
    assert t.state == State.PUBLISHED
    article.refresh_from_db()
    assert article.title_en == "Corrected headline"
    assert article.body_en[0]["text"] == "A corrected first paragraph."
    correction = Correction.objects.get()
    assert correction.note == "We misspelled the minister's name."
    page = client.get(article.get_absolute_url()).content.decode()
    assert "We misspelled the minister" in page


def test_unpublish_takes_the_story_off_the_site(published, editor, client):
    published.article.refresh_from_db()
    url = published.article.get_absolute_url()
    assert client.get(url).status_code == 200
    workflow.translation_unpublish(translation=published, by=editor, reason="Source withdrew the story")
    assert client.get(url).status_code == 404


def test_omitted_blocks_are_left_out_and_kept_notes_are_placed(db, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW, pinned=False)
    first, second, third = (b["id"] for b in t.source_revision.blocks)
    t.blocks[second] = {"text": "", "omitted": True, "reason": "Repeats the lead"}
    t.notes = [{"id": "n1", "after": first, "text": "Translator's note: <script>x</script>context", "keep": True}]
    t.save()
    pin(t, "submit", t.translator)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    body = t.article.__class__.objects.get(pk=t.article_id).body_en
    assert [b["id"] for b in body] == [first, "note-n1", third]
    assert "<script>" not in body[1]["html"]
