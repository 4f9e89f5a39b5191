"""Authorship is a record, and four eyes reads it: every published text was approved (and
published) by a person who wrote none of it, whoever holds the job."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from reversion.models import Version

from newsroom.models import Article
from tests.factories import TranslationFactory, UserFactory
from translations import editing, machine_drafts, permissions, review, versions, workflow
from translations.models import CreditMode, State, Translation, WorkflowEvent


def _all_blocks(t: Translation, prefix: str) -> dict[str, dict[str, str]]:
    return {b["id"]: {"text": f"{prefix} {b['text']}"} for b in t.source_revision.blocks}


def _autosave(client, t: Translation, **fields) -> None:
    t.refresh_from_db()
    response = client.post(
        reverse("desk:autosave", args=[t.pk]),
        data=json.dumps({"based_on": t.edit_version, **fields}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def _transition(client, t: Translation, action: str, **data) -> None:
    client.post(reverse("desk:transition", args=[t.pk, action]), data={"comment": "", **data})


class _EchoProvider:
    name = "Echo"
    has_glossary = False

    def translate(self, *, texts, source, target, glossary):
        return [f"MT: {text}" for text in texts]


def test_editor_who_wrote_the_text_and_handed_it_on_can_neither_approve_nor_publish(client, editor, volunteer):
    """The first attack: claim, autosave one's own text, assign to a volunteer who never
    touches it, submit, approve, publish: refused at approve and at publish."""
    t = TranslationFactory(state=State.OPEN)
    client.force_login(editor)
    _transition(client, t, "claim")
    _autosave(client, t, title="The editor's own title", blocks=_all_blocks(t, "Editor:"))
    t = workflow.translation_assign(translation=t, by=editor, translator=volunteer)
    assert t.translator == volunteer
    _transition(client, t, "submit")
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    assert not permissions.can_approve(user=editor, translation=t)
    _transition(client, t, "approve")  # through the page: refused, nothing written
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    assert not WorkflowEvent.objects.filter(translation=t, action="approve").exists()
    with pytest.raises(PermissionDenied, match="Four eyes"):
        workflow.translation_approve(translation=t, by=editor)

    # Someone else approves; the editor still may not publish their own text.
    t = workflow.translation_approve(translation=t, by=UserFactory(roles=["reviewer"]))
    assert "publish" not in workflow.available_actions(user=editor, translation=t)
    _transition(client, t, "publish")
    t.refresh_from_db()
    assert t.state == State.APPROVED
    with pytest.raises(PermissionDenied, match="Four eyes"):
        workflow.translation_publish(translation=t, by=editor)
    assert Article.objects.get(pk=t.article_id).title_en in ("", None)


def test_reviewer_who_wrote_and_released_the_text_cannot_approve_it_after_a_volunteer_submits_it(
    client, reviewer, volunteer
):
    """The second attack: a reviewer claims, writes, releases; a volunteer claims and submits
    it unchanged; the reviewer's approval is refused."""
    t = TranslationFactory(state=State.OPEN)
    t = workflow.translation_claim(translation=t, by=reviewer)
    t = editing.translation_save(
        translation=t, by=reviewer, based_on=t.edit_version, title="Reviewer's title", blocks=_all_blocks(t, "R:")
    )
    t = workflow.translation_release(translation=t, by=reviewer)
    t = workflow.translation_claim(translation=t, by=volunteer)
    t = workflow.translation_submit(translation=t, by=volunteer)
    client.force_login(reviewer)
    page = client.get(reverse("desk:review", args=[t.pk]))
    assert b'action="/desk/t/%d/do/approve/"' % t.pk not in page.content
    _transition(client, t, "approve")
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    with pytest.raises(PermissionDenied, match="Four eyes"):
        workflow.translation_approve(translation=t, by=reviewer)
    # The volunteer wrote nothing, but another reviewer who wrote nothing may approve.
    other = UserFactory(roles=["reviewer"])
    assert workflow.translation_approve(translation=t, by=other).state == State.APPROVED


def test_assign_and_release_keep_who_wrote_the_text(editor, volunteer, translator):
    t = TranslationFactory(state=State.OPEN)
    t = workflow.translation_claim(translation=t, by=volunteer)
    first = next(iter(_all_blocks(t, "V:")))
    t = editing.translation_save(
        translation=t, by=volunteer, based_on=t.edit_version, blocks={first: {"text": "Volunteer's words"}}
    )
    t = workflow.translation_release(translation=t, by=volunteer)
    assert t.authors["blocks"][first] == [{"user": volunteer.pk}]
    t = workflow.translation_assign(translation=t, by=editor, translator=translator)
    t = workflow.translation_assign(translation=t, by=editor, translator=UserFactory(roles=["translator"]))
    t.refresh_from_db()
    assert t.authors["blocks"][first] == [{"user": volunteer.pk}]
    # And each version the transitions saved carries it.
    assign = versions.latest_pin(t, "assign")
    assert assign is not None and versions.version_authors(assign.version)["blocks"][first] == [{"user": volunteer.pk}]


def test_each_part_records_everyone_who_changed_it_and_unchanged_saves_record_no_one(editor, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    ids = [b["id"] for b in t.source_revision.blocks]
    t = editing.translation_save(
        translation=t, by=volunteer, based_on=t.edit_version, title="T", blocks={ids[0]: {"text": "one"}}
    )
    # Resending the same text (an autosave of the whole form) makes nobody an author.
    t = editing.translation_save(
        translation=t, by=editor, based_on=t.edit_version, title="T", blocks={ids[0]: {"text": "one"}}
    )
    assert versions.author_ids(t.authors) == {volunteer.pk}
    t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, blocks={ids[1]: {"text": "two"}})
    assert t.authors["title"] == [{"user": volunteer.pk}]
    assert t.authors["blocks"] == {ids[0]: [{"user": volunteer.pk}], ids[1]: [{"user": editor.pk}]}


def test_a_machine_draft_is_the_machines_on_behalf_of_the_requester_who_cannot_approve_it(editor, volunteer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    drafted = machine_drafts.machine_draft_fill(translation=t, by=volunteer, provider=_EchoProvider())
    assert drafted == len(t.source_revision.blocks)
    t.refresh_from_db()
    assert set(map(str, t.authors["blocks"])) == {b["id"] for b in t.source_revision.blocks}
    assert all(e == [{"user": volunteer.pk, "machine": True}] for e in t.authors["blocks"].values())
    # An editor who asks for the draft of an open job is its author too.
    other = TranslationFactory(state=State.OPEN)
    machine_drafts.machine_draft_fill(translation=other, by=editor, provider=_EchoProvider())
    other.refresh_from_db()
    other = workflow.translation_assign(translation=other, by=editor, translator=volunteer)
    other = editing.translation_save(translation=other, by=volunteer, based_on=other.edit_version, title="Title")
    other = workflow.translation_submit(translation=other, by=volunteer)
    with pytest.raises(PermissionDenied, match="Four eyes"):
        workflow.translation_approve(translation=other, by=editor)


def test_restore_takes_the_restored_versions_authors_and_adds_the_restorer_for_what_it_changes(
    editor, volunteer, translator
):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer, filled=False)
    ids = [b["id"] for b in t.source_revision.blocks]
    t = editing.translation_save(
        translation=t,
        by=volunteer,
        based_on=t.edit_version,
        title="Old",
        blocks={ids[0]: {"text": "v"}},
        as_version=True,
    )
    old_version = review.versions_of(t).first()
    t = workflow.translation_assign(translation=t, by=editor, translator=translator)
    t = editing.translation_save(translation=t, by=translator, based_on=t.edit_version, blocks={ids[1]: {"text": "x"}})
    t = review.version_restore(translation=t, version=old_version, by=editor)
    # The translator's block is gone with their text; the title was not changed by the restore.
    assert t.authors["title"] == [{"user": volunteer.pk}]
    assert t.authors["blocks"][ids[0]] == [{"user": volunteer.pk}]
    assert t.authors["blocks"][ids[1]] == [{"user": editor.pk}]  # the restore blanked it: the editor's change


def test_publishing_reads_the_authors_of_the_approved_version(editor, reviewer, volunteer):
    """A correction's editor wrote the approved version: another editor publishes it again
    after an unpublish, never the correcting editor."""
    t = TranslationFactory(state=State.IN_REVIEW, translator=volunteer, title="Original")
    t = workflow.translation_approve(translation=t, by=reviewer)
    t = workflow.translation_publish(translation=t, by=UserFactory(roles=["editor"]))
    t = workflow.translation_correct(translation=t, by=editor)
    t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Corrected")
    t = workflow.translation_submit(translation=t, by=editor, correction_note="We fixed the title.")
    t = workflow.translation_approve(translation=t, by=reviewer)
    t = workflow.translation_unpublish(translation=t, by=UserFactory(roles=["editor"]), reason="legal check")
    assert editor.pk in versions.author_ids(versions.version_authors(versions.approved_pin(t).version))
    assert not permissions.can_publish(user=editor, translation=t)
    assert not permissions.can_schedule(user=editor, translation=t)
    assert permissions.can_publish(user=UserFactory(roles=["editor"]), translation=t)


def test_the_review_page_names_the_authors_as_the_viewer_may_see_them(client, editor, reviewer):
    hidden = UserFactory(
        username="quiet",
        first_name="Real",
        last_name="Person",
        roles=["translator"],
        contributor__credit_mode=CreditMode.PSEUDONYM,
        contributor__pseudonym="Lis",
    )
    t = TranslationFactory(state=State.OPEN)
    ids = [b["id"] for b in t.source_revision.blocks]
    machine_drafts.machine_draft_fill(translation=t, by=editor, provider=_EchoProvider(), block_ids=ids[2:])
    t = workflow.translation_claim(translation=Translation.objects.get(pk=t.pk), by=hidden)
    t = editing.translation_save(
        translation=t, by=hidden, based_on=t.edit_version, title="T", blocks={b: {"text": "x"} for b in ids[:2]}
    )
    t = workflow.translation_submit(translation=t, by=hidden)

    client.force_login(reviewer)
    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "Who wrote this version" in html
    assert "quiet (Lis): wrote the title, paragraphs 1–2" in html
    assert "Real Person" not in html
    assert "machine draft of the paragraph 3 (at their request)" in html
    assert len(ids) == 3

    client.force_login(UserFactory(roles=["editor"]))
    assert "quiet (Real Person): wrote the title" in client.get(reverse("desk:review", args=[t.pk])).content.decode()


def test_a_submission_pinned_before_authors_were_recorded_names_the_working_copys_authors(client, reviewer, volunteer):
    """Jobs in review when the record began: their pinned version has no authors field, the data
    migration put them on the working copy; the review page names those, never "no one"."""
    t = TranslationFactory(state=State.OPEN)
    ids = [b["id"] for b in t.source_revision.blocks]
    t = workflow.translation_claim(translation=t, by=volunteer)
    t = editing.translation_save(
        translation=t, by=volunteer, based_on=t.edit_version, title="T", blocks={b: {"text": "x"} for b in ids}
    )
    t = workflow.translation_submit(translation=t, by=volunteer)
    pinned = versions.latest_pin(t, "submit").version
    data = json.loads(pinned.serialized_data)
    del data[0]["fields"]["authors"]  # as reversion stored it before the field existed
    Version.objects.filter(pk=pinned.pk).update(serialized_data=json.dumps(data))

    client.force_login(reviewer)
    html = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert f"{volunteer.username}" in html.split("Who wrote this version")[1].split("</section>")[0]
    assert "No one has written any of this text yet" not in html


def test_existing_rows_get_authors_from_their_history_and_the_old_list(editor, volunteer):
    """The data migration: versioned changes by their revision's user (not the job's opener),
    then the translator for every part with text."""
    t = TranslationFactory(state=State.OPEN)
    t = workflow.translation_claim(translation=t, by=volunteer)
    t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Ed", as_version=True)
    Translation.objects.filter(pk=t.pk).update(authors={})
    migration = __import__("translations.migrations.0010_author_authors", fromlist=["authors_from_history"])
    migration.authors_from_history(apps, None)
    t.refresh_from_db()
    assert {"user": editor.pk} in t.authors["title"] and {"user": volunteer.pk} in t.authors["title"]
    assert versions.author_ids(t.authors) == {editor.pk, volunteer.pk}
