"""Readers see exactly what a reviewer approved: pinned versions, text frozen by state,
checks inside the workflow, review showing everything, the reviewers' queue."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from newsroom.models import Article
from tests.factories import TranslationFactory, UserFactory
from translations import editing, versions, workflow
from translations.models import State, Translation, WorkflowEvent


def _submitted(translator, **kwargs) -> Translation:
    """An in-progress job, fully translated by ``translator``, then submitted through the workflow."""
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator, **kwargs)
    t = editing.translation_save(
        translation=t, by=translator, based_on=t.edit_version, title="Approved title", as_version=True
    )
    return workflow.translation_submit(translation=t, by=translator)


@pytest.fixture
def approved(db, volunteer, reviewer) -> Translation:
    return workflow.translation_approve(translation=_submitted(volunteer), by=reviewer)


def test_autosave_after_approval_is_refused_and_the_text_stays(client, approved, volunteer):
    client.force_login(volunteer)
    before = versions.working_copy_hash(approved)
    response = client.post(
        reverse("desk:autosave", args=[approved.pk]),
        data=json.dumps({"based_on": approved.edit_version, "title": "Sneaked in after approval"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "approved" in response.json()["message"]
    approved.refresh_from_db()
    assert approved.state == State.APPROVED and versions.working_copy_hash(approved) == before


@pytest.mark.parametrize("state", [State.IN_REVIEW, State.APPROVED, State.SCHEDULED, State.PUBLISHED])
def test_text_is_frozen_for_everyone_past_submission(db, editor, state):
    t = TranslationFactory(state=state)
    for person in (t.translator, editor):
        with pytest.raises(PermissionDenied):
            editing.translation_save(translation=t, by=person, based_on=t.edit_version, title="Changed")
    t.refresh_from_db()
    assert t.title != "Changed"


def test_editor_page_shows_a_frozen_job_read_only_with_the_reason(client, approved, volunteer):
    client.force_login(volunteer)
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "Read-only." in page and "a reviewer approved it" in page
    assert 'name="based_on"' not in page and "editor.js" not in page


def test_publishing_uses_the_approved_version_not_the_working_copy(client, approved, editor):
    # Whatever writes the row behind the services' back (a script, a bad migration) cannot go live.
    Translation.objects.filter(pk=approved.pk).update(title="Tampered working copy")
    client.force_login(editor)
    preview = client.get(reverse("desk:preview", args=[approved.pk])).content.decode()
    assert "The working copy differs from the approved version" in preview
    assert "Approved title" in preview and "Tampered working copy" not in preview
    workflow.translation_publish(translation=approved, by=editor)
    article = Article.objects.get(pk=approved.article_id)
    assert article.title_en == "Approved title"
    assert client.get(article.get_absolute_url()).content.decode().count("Tampered") == 0


def test_preview_names_the_approved_version(client, approved, editor):
    client.force_login(editor)
    page = client.get(reverse("desk:preview", args=[approved.pk])).content.decode()
    pin = versions.approved_pin(approved)
    assert f"(version {pin.version.pk})" in page and "the version approved by rev" in page
    assert "differs" not in page


def test_approval_and_submission_pin_revision_and_hash(approved):
    submit, approve = (
        WorkflowEvent.objects.filter(translation=approved, action=a).latest("pk") for a in ("submit", "approve")
    )
    for event in (submit, approve):
        assert event.revision_id is not None
        assert versions.version_hash(versions.event_version(event)) == event.content_hash
    assert submit.content_hash == approve.content_hash == versions.working_copy_hash(approved)


def test_approve_refuses_a_text_changed_since_submission(db, volunteer, reviewer):
    t = _submitted(volunteer)
    Translation.objects.filter(pk=t.pk).update(lead="Added after submission")
    with pytest.raises(workflow.WorkflowError, match="differs from what was submitted"):
        workflow.translation_approve(translation=t, by=reviewer)
    assert Translation.objects.get(pk=t.pk).state == State.IN_REVIEW


def test_submit_checks_run_on_every_route(client, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    client.force_login(volunteer)
    client.post(reverse("desk:transition", args=[t.pk, "submit"]))
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS
    with pytest.raises(workflow.SubmitRefused) as refused:
        workflow.translation_submit(translation=t, by=volunteer)
    assert any(p.is_error for p in refused.value.problems)
    assert not WorkflowEvent.objects.filter(translation=t, action="submit").exists()


def test_editors_reopened_change_is_reviewed_by_someone_else(db, approved, editor, reviewer):
    t = workflow.translation_request_changes(translation=approved, by=editor, comment="Fix the title")
    t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Editor's title")
    t = workflow.translation_submit(translation=t, by=editor)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        workflow.translation_approve(translation=t, by=editor)
    t = workflow.translation_approve(translation=t, by=reviewer)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        workflow.translation_publish(translation=t, by=editor)
    other = UserFactory(username="ed2", roles=["editor"])
    workflow.translation_publish(translation=t, by=other)
    assert Article.objects.get(pk=t.article_id).title_en == "Editor's title"
    # Authorship is a record: publishing keeps who wrote the text.
    assert {"user": editor.pk} in Translation.objects.get(pk=t.pk).authors["title"]


def test_review_diff_baseline_is_found_by_revision_not_by_comment(client, db, volunteer, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    # A deliberate save whose comment looks like a submission is not one.
    t = editing.translation_save(
        translation=t,
        by=volunteer,
        based_on=t.edit_version,
        title="Draft one",
        as_version=True,
        comment="Submitted for review",
    )
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, title="First submission")
    t = workflow.translation_submit(translation=t, by=volunteer)
    client.force_login(reviewer)
    page = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "First submission: there is no earlier submitted version" in page
    t = workflow.translation_request_changes(translation=t, by=reviewer, comment="Title")
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, title="Second submission")
    t = workflow.translation_submit(translation=t, by=volunteer)
    page = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "<del>First</del>" in page and "<ins>Second</ins>" in page


def test_review_page_shows_notes_omissions_warnings_and_credits(client, db, volunteer, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    first, second, third = (b["id"] for b in t.source_revision.blocks)
    t = editing.translation_save(
        translation=t,
        by=volunteer,
        based_on=t.edit_version,
        title="A title",
        blocks={second: {"text": "", "omitted": True, "reason": "Repeats the lead"}, third: {"text": "2,500 people"}},
        notes=[{"id": "n1", "after": first, "text": "Context for readers abroad", "keep": True}],
    )
    t = workflow.translation_submit(translation=t, by=volunteer)
    client.force_login(reviewer)
    page = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "Repeats the lead" in page
    assert "Context for readers abroad" in page
    assert "Warning:" in page
    assert "The text was translated by" in page and "Reviewed by" in page


def test_reviewer_lands_on_a_queue_of_work_waiting_for_them(client, db, volunteer, reviewer):
    mine = _submitted(volunteer, reviewer=reviewer)
    anyone = _submitted(UserFactory(username="v9", roles=["translator"]))
    client.force_login(reviewer)
    landing = client.get(reverse("desk:landing"))
    assert landing.status_code == 302 and landing["Location"] == reverse("desk:mine")
    page = client.get(reverse("desk:mine")).content.decode()
    assert "Waiting for my review (2)" in page
    assert page.index(reverse("desk:review", args=[mine.pk])) < page.index(reverse("desk:review", args=[anyone.pk]))
    assert "Assigned to me (1)" in page and "Unassigned, you may take them (1)" in page


def test_admin_cannot_revert_or_edit_a_translation(client, approved, editor):
    client.force_login(UserFactory(username="boss", roles=["editor"], is_staff=True, is_superuser=True))
    version = versions.approved_pin(approved).version
    before = versions.working_copy_hash(approved)
    url = reverse("admin:translations_translation_revision", args=[approved.pk, version.pk])
    assert client.get(url).status_code == 302
    assert client.post(url, {"title": "reverted"}).status_code == 403
    change = reverse("admin:translations_translation_change", args=[approved.pk])
    client.post(change, {"title": "Admin title", "state": "in_progress"})
    approved.refresh_from_db()
    assert approved.state == State.APPROVED and versions.working_copy_hash(approved) == before
    event = WorkflowEvent.objects.filter(translation=approved).first()
    client.post(reverse("admin:translations_workflowevent_delete", args=[event.pk]), {"post": "yes"})
    assert WorkflowEvent.objects.filter(pk=event.pk).exists()


def test_a_reviewer_who_followed_the_desks_address_to_log_in_lands_on_their_queue(client, db, reviewer, editor):
    """Following /desk/ to the login page adds ?next=/desk/ (the board): that front door is not a
    destination, the person's role decides; a deeper address is kept."""
    password = "a long enough pass phrase 42"
    for person in (reviewer, editor):
        person.set_password(password)
        person.save()
    entry = client.get(reverse("desk:home"))
    assert entry.status_code == 302 and "next=/desk/" in entry["Location"]
    answer = client.post(entry["Location"], {"username": reviewer.username, "password": password})
    assert answer["Location"] == reverse("desk:landing")
    assert client.get(answer["Location"])["Location"] == reverse("desk:mine")
    client.logout()
    deeper = reverse("desk:jobs")
    answer = client.post(f"{reverse('login')}?next={deeper}", {"username": editor.username, "password": password})
    assert answer["Location"] == deeper
