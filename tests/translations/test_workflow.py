"""The workflow: every transition allowed and refused, per role and state, and what each writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reversion.models import Version

from newsroom.models import AuditEntry
from tests.factories import TranslationFactory, UserFactory
from translations import editing, workflow
from translations.models import Credit, State, Translation, WorkflowEvent
from translations.people import notifications

ALL_STATES = list(State.values)

# Written from DESIGN.md, not from the code: who may take each action, from which states, to where.
RULES = {
    "claim": ({"other_translator", "reviewer", "editor"}, {State.OPEN}, State.IN_PROGRESS),
    "assign": ({"editor"}, {State.OPEN, State.IN_PROGRESS}, State.IN_PROGRESS),
    "release": ({"assignee", "editor"}, {State.IN_PROGRESS}, State.OPEN),
    "submit": ({"assignee", "editor"}, {State.IN_PROGRESS}, State.IN_REVIEW),
    "request_changes": ({"reviewer", "editor"}, {State.IN_REVIEW, State.APPROVED}, State.IN_PROGRESS),
    "approve": ({"reviewer", "editor"}, {State.IN_REVIEW}, State.APPROVED),
    "publish": ({"editor"}, {State.APPROVED, State.SCHEDULED}, State.PUBLISHED),
    "schedule": ({"editor"}, {State.APPROVED}, State.SCHEDULED),
    "unpublish": ({"editor"}, {State.PUBLISHED}, State.APPROVED),
    "correct": ({"editor"}, {State.PUBLISHED}, State.IN_PROGRESS),
    "spike": ({"editor"}, set(ALL_STATES) - {State.PUBLISHED, State.SPIKED}, State.SPIKED),
    "restore": ({"editor"}, {State.SPIKED}, State.OPEN),
}
ROLES = ["assignee", "other_translator", "reviewer", "editor", "outsider"]


def _call(action: str, t: Translation, by, assignee_for_assign):
    fn = getattr(workflow, f"translation_{action}")
    if action == "claim":
        return fn(translation=t, by=by)
    if action == "assign":
        return fn(translation=t, by=by, translator=assignee_for_assign)
    if action == "request_changes":
        return fn(translation=t, by=by, comment="Please check the numbers in paragraph 2.")
    if action == "schedule":
        return fn(translation=t, by=by, at=timezone.now() + dt.timedelta(hours=2))
    if action == "unpublish":
        return fn(translation=t, by=by, reason="The source asked us to take it down.")
    if action == "correct":
        return fn(translation=t, by=by, note="An earlier version misspelled a name.")
    if action == "spike":
        return fn(translation=t, by=by, reason="Duplicate")
    return fn(translation=t, by=by)


@pytest.mark.parametrize("action", list(RULES))
def test_every_transition_is_allowed_or_refused_by_role_and_state(db, action):
    allowed_roles, from_states, to_state = RULES[action]
    people = {
        "other_translator": UserFactory(roles=["translator"]),
        "reviewer": UserFactory(roles=["reviewer"]),
        "editor": UserFactory(roles=["editor"]),
        "outsider": UserFactory(roles=[]),
    }
    for state in ALL_STATES:
        for role in ROLES:
            t = TranslationFactory(state=state)
            if role == "assignee" and t.translator is None:
                continue
            by = t.translator if role == "assignee" else people[role]
            events_before = WorkflowEvent.objects.filter(translation=t).count()
            expected = state in from_states and role in allowed_roles
            if expected:
                result = _call(action, t, by, people["other_translator"])
                assert result.state == to_state, (action, state, role)
                event = WorkflowEvent.objects.filter(translation=t).last()
                assert (event.action, event.from_state, event.to_state, event.actor) == (action, state, to_state, by)
            else:
                with pytest.raises((PermissionDenied, workflow.WorkflowError)):
                    _call(action, t, by, people["other_translator"])
                t.refresh_from_db()
                assert t.state == state, (action, state, role)
                assert WorkflowEvent.objects.filter(translation=t).count() == events_before


def test_translator_cannot_approve_own_work_even_as_reviewer(db):
    t = TranslationFactory(state=State.IN_REVIEW)
    t.translator.groups.add(
        *__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.filter(name="reviewer")
    )
    translator = UserFactory._meta.model.objects.get(pk=t.translator.pk)
    with pytest.raises(PermissionDenied):
        workflow.translation_approve(translation=t, by=translator)
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW


def test_editor_who_translated_cannot_publish(db, editor):
    t = TranslationFactory(state=State.APPROVED, translator=editor)
    with pytest.raises(PermissionDenied):
        workflow.translation_publish(translation=t, by=editor)
    t.refresh_from_db()
    assert t.state == State.APPROVED
    assert t.article.published_at_en is None


def test_submit_writes_event_revision_and_audit_with_author_and_comment(db):
    t = TranslationFactory(state=State.IN_PROGRESS)
    workflow.translation_submit(translation=t, by=t.translator, comment="Ready, names checked")
    versions = Version.objects.get_for_object(t)
    assert versions.count() == 1
    assert versions[0].revision.user == t.translator
    assert versions[0].revision.comment == "Ready, names checked"
    event = WorkflowEvent.objects.get(translation=t)
    assert (event.action, event.from_state, event.to_state, event.comment) == (
        "submit",
        State.IN_PROGRESS,
        State.IN_REVIEW,
        "Ready, names checked",
    )
    audit = AuditEntry.objects.get(action="translation.submit")
    assert audit.actor == t.translator and audit.target_id == str(t.pk)


def test_default_revision_comment_names_the_transition(db, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    workflow.translation_approve(translation=t, by=reviewer)
    assert Version.objects.get_for_object(t)[0].revision.comment == "Approved"
    assert Credit.objects.filter(translation=t, user=reviewer, role="reviewer", is_credited=True).exists()


def test_failing_transition_leaves_no_partial_write(db, reviewer, monkeypatch):
    t = TranslationFactory(state=State.IN_REVIEW)

    def broken(**kwargs):
        raise RuntimeError("mail system exploded")

    monkeypatch.setattr(notifications, "notifications_record", broken)
    with pytest.raises(RuntimeError):
        workflow.translation_approve(translation=t, by=reviewer)
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW and t.reviewer is None
    assert not WorkflowEvent.objects.filter(translation=t).exists()
    assert not Version.objects.get_for_object(t).exists()
    assert not Credit.objects.filter(translation=t, role="reviewer").exists()
    assert not AuditEntry.objects.filter(action="translation.approve").exists()


def test_request_changes_needs_a_reason(db, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    with pytest.raises(workflow.WorkflowError, match="Say what needs to change"):
        workflow.translation_request_changes(translation=t, by=reviewer, comment="  ")
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW


def test_submit_notifies_the_reviewer_after_commit(db, reviewer, mailoutbox, django_capture_on_commit_callbacks):
    t = TranslationFactory(state=State.IN_PROGRESS, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_submit(translation=t, by=t.translator)
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assert "Ready for review" in mailoutbox[0].subject
    assert reviewer.notifications.get().emailed_at is not None


def test_notification_email_is_sent_once_even_if_delivery_runs_twice(
    db, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    t = TranslationFactory(state=State.IN_PROGRESS, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_submit(translation=t, by=t.translator)
    assert notifications.notifications_send() == 0
    assert len(mailoutbox) == 1


def test_spike_and_restore_returns_to_previous_state(db, editor):
    t = TranslationFactory(state=State.IN_REVIEW)
    workflow.translation_spike(translation=t, by=editor, reason="On hold")
    restored = workflow.translation_restore(translation=t, by=editor)
    assert restored.state == State.IN_REVIEW


def test_restore_refused_when_another_job_is_active(db, editor):
    t = TranslationFactory(state=State.OPEN)
    workflow.translation_spike(translation=t, by=editor)
    TranslationFactory(article=t.article, state=State.OPEN)
    with pytest.raises(workflow.WorkflowError, match="Another job"):
        workflow.translation_restore(translation=t, by=editor)
    t.refresh_from_db()
    assert t.state == State.SPIKED


def test_second_claim_is_refused_with_a_clear_message(db):
    t = TranslationFactory(state=State.OPEN)
    first, second = UserFactory(roles=["translator"]), UserFactory(roles=["translator"])
    workflow.translation_claim(translation=t, by=first)
    with pytest.raises(workflow.WorkflowError, match="Someone else has already taken this job"):
        workflow.translation_claim(translation=t, by=second)
    t.refresh_from_db()
    assert t.translator == first


def test_stale_save_is_refused_and_keeps_both_texts(db):
    t = TranslationFactory(state=State.IN_PROGRESS)
    block_id = t.source_revision.blocks[0]["id"]
    editing.translation_save(translation=t, by=t.translator, based_on=0, blocks={block_id: {"text": "Tab one"}})
    with pytest.raises(editing.StaleEdit) as err:
        editing.translation_save(translation=t, by=t.translator, based_on=0, blocks={block_id: {"text": "Tab two"}})
    assert err.value.current["blocks"][block_id]["text"] == "Tab one"
    assert err.value.mine["blocks"][block_id]["text"] == "Tab two"
    t.refresh_from_db()
    assert t.blocks[block_id]["text"] == "Tab one" and t.edit_version == 1


def test_autosave_makes_no_version_but_save_version_does(db):
    t = TranslationFactory(state=State.IN_PROGRESS)
    t = editing.translation_save(translation=t, by=t.translator, based_on=t.edit_version, title="Draft")
    assert not Version.objects.get_for_object(t).exists()
    editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, title="Draft 2", as_version=True, comment="Halfway"
    )
    versions = Version.objects.get_for_object(t)
    assert [(v.revision.comment, v.revision.user) for v in versions] == [("Halfway", t.translator)]


def test_only_the_assignee_or_an_editor_can_change_text(db, editor):
    t = TranslationFactory(state=State.IN_PROGRESS)
    stranger = UserFactory(roles=["translator"])
    with pytest.raises(PermissionDenied):
        editing.translation_save(translation=t, by=stranger, based_on=t.edit_version, title="Hijacked")
    editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Editor's fix")
    t.refresh_from_db()
    assert t.title == "Editor's fix"


def test_scheduled_translation_is_published_by_beat_when_due(db, editor):
    t = TranslationFactory(state=State.APPROVED)
    workflow.translation_schedule(translation=t, by=editor, at=timezone.now() + dt.timedelta(minutes=5))
    assert workflow.translations_publish_due() == []
    published = workflow.translations_publish_due(now=timezone.now() + dt.timedelta(minutes=6))
    assert published == [t.pk]
    t.refresh_from_db()
    assert t.state == State.PUBLISHED and t.article.published_at_en is not None


def test_approval_feeds_translation_memory(db, reviewer):
    from translations.models import MemoryEntry

    t = TranslationFactory(state=State.IN_REVIEW)
    workflow.translation_approve(translation=t, by=reviewer)
    pairs = set(MemoryEntry.objects.filter(translation=t).values_list("source_text", "target_text"))
    assert pairs == {(b["text"], f"English for: {b['text']}") for b in t.source_revision.blocks}
