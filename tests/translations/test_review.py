"""Review services: comments, request changes, restoring versions, following the source,
credits, scheduling and corrections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reversion.models import Version

from newsroom.models import Correction, SourceRevision
from tests.factories import TranslationFactory, UserFactory, make_blocks
from translations import editing, review, workflow
from translations.models import Comment, Credit, Notification, NotificationKind, State, Translation


def _block_ids(t):
    return [b["id"] for b in t.source_revision.blocks]


def test_reviewer_comments_on_a_block_and_the_translator_is_notified(
    db, reviewer, django_capture_on_commit_callbacks, mailoutbox
):
    t = TranslationFactory(state=State.IN_REVIEW)
    block = _block_ids(t)[1]
    with django_capture_on_commit_callbacks(execute=True):
        c = review.comment_add(translation=t, by=reviewer, block_id=block, body="Check the number: 1 200, not 1 000.")
    assert (c.block_id, c.author, c.parent) == (block, reviewer, None)
    notice = Notification.objects.get(user=t.translator)
    assert notice.kind == NotificationKind.COMMENT
    assert [m.to for m in mailoutbox] == [[t.translator.email]]


def test_translator_replies_in_the_thread_and_reply_takes_the_block(db, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW, reviewer=reviewer)
    block = _block_ids(t)[0]
    root = review.comment_add(translation=t, by=reviewer, block_id=block, body="Name spelling?")
    reply = review.comment_add(translation=t, by=t.translator, block_id="", body="Fixed: Okrestin.", parent=root)
    assert reply.parent == root
    assert reply.block_id == block
    assert Notification.objects.filter(user=reviewer, kind=NotificationKind.COMMENT).exists()


def test_comment_refused_for_outsiders_unknown_blocks_and_empty_bodies(db, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    other_translator = UserFactory(roles=["translator"])
    with pytest.raises(PermissionDenied):
        review.comment_add(translation=t, by=other_translator, block_id="", body="hi")
    with pytest.raises(review.ReviewError):
        review.comment_add(translation=t, by=reviewer, block_id="p-nonexistent", body="hi")
    with pytest.raises(review.ReviewError):
        review.comment_add(translation=t, by=reviewer, block_id="", body="   ")
    assert Comment.objects.count() == 0


def test_reply_to_a_comment_of_another_translation_is_refused(db, reviewer):
    t1, t2 = TranslationFactory(state=State.IN_REVIEW), TranslationFactory(state=State.IN_REVIEW)
    root = review.comment_add(translation=t1, by=reviewer, block_id="", body="x")
    with pytest.raises(review.ReviewError):
        review.comment_add(translation=t2, by=reviewer, block_id="", body="y", parent=root)


def test_comment_resolve_records_who_and_when(db, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    c = review.comment_add(translation=t, by=reviewer, block_id="", body="Tone is off.")
    resolved = review.comment_resolve(comment=c, by=t.translator)
    assert resolved.resolved_by == t.translator and resolved.resolved_at is not None
    with pytest.raises(PermissionDenied):
        review.comment_resolve(comment=c, by=UserFactory(roles=["translator"]))


def test_request_changes_reason_reaches_the_translator_by_email(
    db, reviewer, django_capture_on_commit_callbacks, mailoutbox
):
    t = TranslationFactory(state=State.IN_REVIEW)
    with pytest.raises(workflow.WorkflowError):
        workflow.translation_request_changes(translation=t, by=reviewer, comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_request_changes(translation=t, by=reviewer, comment="Paragraph 2 misses a sentence.")
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS
    assert Notification.objects.get(user=t.translator).kind == NotificationKind.CHANGES_REQUESTED
    assert mailoutbox[0].to == [t.translator.email]
    version = Version.objects.get_for_object(t).first()
    assert version.revision.comment == "Paragraph 2 misses a sentence."
    assert version.revision.user == reviewer


def _with_versions(translator=None):
    t = TranslationFactory(state=State.IN_PROGRESS, **({"translator": translator} if translator else {}))
    first = _block_ids(t)[0]
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="Old title",
        blocks={first: {"text": "Old words"}},
        tags="old",
        as_version=True,
        comment="first draft",
    )
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="New title",
        blocks={first: {"text": "New words"}},
        tags="new",
        as_version=True,
        comment="second draft",
    )
    return t, first


def test_restore_version_copies_the_old_text_as_a_new_version_and_keeps_state(db):
    t, first = _with_versions()
    old_version = Version.objects.get_for_object(t).get(revision__comment="first draft")
    before = Version.objects.get_for_object(t).count()
    restored = review.version_restore(translation=t, version=old_version, by=t.translator)
    restored.refresh_from_db()
    assert restored.title == "Old title"
    assert restored.blocks[first]["text"] == "Old words"
    assert restored.tags == "old"
    assert restored.state == State.IN_PROGRESS
    latest = Version.objects.get_for_object(t).first()
    assert Version.objects.get_for_object(t).count() == before + 1
    assert latest.revision.comment.startswith("Restored version from ")
    assert latest.revision.user == t.translator


def test_restore_version_refused_for_others_and_for_foreign_versions(db, reviewer):
    t, _first = _with_versions()
    other, _ = _with_versions()
    version = Version.objects.get_for_object(t).last()
    with pytest.raises(PermissionDenied):
        review.version_restore(translation=t, version=version, by=reviewer)
    with pytest.raises(review.ReviewError):
        review.version_restore(translation=t, version=Version.objects.get_for_object(other).last(), by=t.translator)
    t.refresh_from_db()
    assert t.title == "New title"


def test_restore_version_on_a_published_story_refused_to_the_translator_and_opens_a_correction_for_an_editor(
    db, editor
):
    t, first = _with_versions()
    version = Version.objects.get_for_object(t).get(revision__comment="first draft")
    Translation.objects.filter(pk=t.pk).update(state=State.PUBLISHED, first_published_at=timezone.now())
    t.refresh_from_db()
    with pytest.raises(PermissionDenied):
        review.version_restore(translation=t, version=version, by=t.translator)
    t.refresh_from_db()
    assert (t.state, t.title) == (State.PUBLISHED, "New title")
    restored = review.version_restore(translation=t, version=version, by=editor)
    restored.refresh_from_db()
    assert (restored.state, restored.is_correction, restored.corrected_by) == (State.IN_PROGRESS, True, editor)
    assert restored.title == "Old title"
    assert restored.blocks[first]["text"] == "Old words"


def _resync(t, texts):
    article = t.article
    old = {b["id"]: b for b in t.source_revision.blocks}
    revision = SourceRevision.objects.create(
        article=article, number=2, fetched_at=timezone.now(), title=article.source_title, blocks=make_blocks(texts)
    )
    article.current_revision = revision
    article.save(update_fields=["current_revision"])
    return old, revision


def test_follow_source_keeps_unchanged_blocks_and_sends_review_back(db, reviewer, django_capture_on_commit_callbacks):
    t = TranslationFactory(
        state=State.IN_REVIEW,
        article__blocks=["Первый абзац.", "Второй абзац.", "Третий абзац."],
    )
    _old, revision = _resync(t, ["Первый абзац.", "Второй абзац, исправленный.", "Третий абзац.", "Новый."])
    kept_ids = [revision.blocks[0]["id"], revision.blocks[2]["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        result = review.translation_follow_source(translation=t, by=reviewer)
    result.refresh_from_db()
    assert result.source_revision == revision
    assert sorted(result.blocks) == sorted(kept_ids)
    assert result.blocks[kept_ids[0]]["text"] == "English for: Первый абзац."
    assert result.state == State.IN_PROGRESS
    event = result.events.last()
    assert (event.action, event.comment) == ("request_changes", review.FOLLOW_SOURCE_COMMENT)
    assert Notification.objects.filter(user=t.translator, kind=NotificationKind.CHANGES_REQUESTED).exists()


def test_follow_source_in_progress_changes_no_state(db, editor):
    t = TranslationFactory(state=State.IN_PROGRESS)
    _old, revision = _resync(t, ["Совсем другой текст."])
    result = review.translation_follow_source(translation=t, by=editor)
    assert result.state == State.IN_PROGRESS and result.source_revision == revision and result.blocks == {}
    with pytest.raises(review.ReviewError):
        review.translation_follow_source(translation=result, by=editor)


def test_follow_source_needs_a_reviewer_who_did_not_translate(db, editor):
    t = TranslationFactory(state=State.IN_REVIEW, translator=editor)
    old_revision = t.source_revision
    _resync(t, ["Новый текст."])
    with pytest.raises(PermissionDenied):
        review.translation_follow_source(translation=t, by=editor)
    t.refresh_from_db()
    assert t.source_revision == old_revision and t.state == State.IN_REVIEW


def test_credits_confirm_sets_who_is_credited(db, editor, reviewer):
    t = TranslationFactory(state=State.APPROVED)
    credit_t = Credit.objects.get(translation=t, role="translator")
    credit_r = Credit.objects.create(translation=t, user=reviewer, role="reviewer")
    workflow.credits_confirm(translation=t, by=editor, credited_ids=[credit_t.pk])
    credit_t.refresh_from_db()
    credit_r.refresh_from_db()
    assert credit_t.is_credited and not credit_r.is_credited
    assert credit_t.credit_name == t.translator.contributor.credit_name("translator")
    with pytest.raises(PermissionDenied):
        workflow.credits_confirm(translation=t, by=reviewer, credited_ids=[])
    with pytest.raises(PermissionDenied):
        workflow.credits_confirm(translation=t, by=t.translator, credited_ids=[])


def test_schedule_then_beat_publishes_when_due(db, editor):
    t = TranslationFactory(state=State.APPROVED)
    at = timezone.now() + dt.timedelta(hours=3)
    workflow.translation_schedule(translation=t, by=editor, at=at)
    assert workflow.translations_publish_due(now=timezone.now()) == []
    t.refresh_from_db()
    assert t.state == State.SCHEDULED and t.article.published_at_en is None
    assert workflow.translations_publish_due(now=at + dt.timedelta(minutes=1)) == [t.pk]
    t.refresh_from_db()
    t.article.refresh_from_db()
    assert t.state == State.PUBLISHED
    assert t.article.title_en == t.title
    assert t.events.last().actor == editor


def test_correction_keeps_live_text_until_published_then_adds_dated_note(db, editor):
    t = TranslationFactory(state=State.APPROVED)
    workflow.translation_publish(translation=t, by=editor)
    t.refresh_from_db()
    live_title = t.article.title_en
    workflow.translation_correct(translation=t, by=editor, note="An earlier version misstated the number of employees.")
    t.refresh_from_db()
    t = editing.translation_save(
        translation=t, by=editor, based_on=t.edit_version, title="Corrected title", as_version=True
    )
    t.article.refresh_from_db()
    assert t.article.title_en == live_title
    assert not Correction.objects.exists()
    workflow.translation_submit(translation=t, by=editor)
    t.article.refresh_from_db()
    assert t.article.title_en == live_title
    workflow.translation_approve(translation=t, by=UserFactory(roles=["reviewer"]))
    t.article.refresh_from_db()
    assert t.article.title_en == "Corrected title"
    correction = Correction.objects.get(article=t.article)
    assert correction.note == "An earlier version misstated the number of employees."
    assert correction.published_at is not None
