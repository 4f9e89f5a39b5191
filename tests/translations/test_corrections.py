"""Corrections of a published story: the editor edits, writes the note and sends it; a second
person's approval publishes it; the translator is told, not assigned; the live story stays
live meanwhile. Service by service, then route by route (desk views, the admin)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from newsroom.models import Article, Correction
from tests.factories import TranslationFactory, UserFactory
from translations import editing, versions, workflow
from translations.models import Credit, Notification, NotificationKind, Role, State, Translation

NOTE = "An earlier version misspelt the minister's name."


@pytest.fixture
def published(db, editor, reviewer, volunteer):
    t = TranslationFactory(state=State.IN_REVIEW, translator=volunteer, title="Diplomats picket the ministry")
    t = workflow.translation_approve(translation=t, by=reviewer)
    return workflow.translation_publish(translation=t, by=UserFactory(roles=["editor"]))


def _correct(t: Translation, editor, *, title: str = "Diplomats picket the foreign ministry") -> Translation:
    t = workflow.translation_correct(translation=t, by=editor)
    return editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title=title, as_version=True)


def _live_title(t: Translation) -> str:
    return Article.objects.get(pk=t.article_id).title_en


# --- Services ----------------------------------------------------------------------------


def test_editor_opens_a_correction_the_translator_is_told_not_assigned(published, editor, volunteer):
    t = workflow.translation_correct(translation=published, by=editor)
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.corrected_by, t.translator) == (State.IN_PROGRESS, True, editor, volunteer)
    notices = list(Notification.objects.filter(user=volunteer, event__action="correct"))
    assert [n.kind for n in notices] == [NotificationKind.CORRECTING]
    assert notices[0].text.startswith("An editor is correcting your translation of Diplomats picket the ministry")
    assert not Notification.objects.filter(user=volunteer, kind=NotificationKind.ASSIGNED).exists()
    assert Credit.objects.filter(translation=t, user=volunteer, role=Role.TRANSLATOR, is_credited=True).exists()
    # The translator neither edits nor sends it, nor takes it over; the editor does.
    with pytest.raises(PermissionDenied):
        editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, title="Mine")
    with pytest.raises(PermissionDenied):
        workflow.translation_submit(translation=t, by=volunteer, correction_note=NOTE)
    assert workflow.available_actions(user=volunteer, translation=t) == []
    for refused in ("release", "spike"):
        with pytest.raises(PermissionDenied):
            getattr(workflow, f"translation_{refused}")(translation=t, by=editor)
    with pytest.raises(PermissionDenied):
        workflow.translation_assign(translation=t, by=editor, translator=UserFactory(roles=["translator"]))
    t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Fixed")
    assert t.title == "Fixed" and {"user": editor.pk} in t.authors["title"]


def test_the_live_story_stays_live_until_the_correction_is_approved(published, editor, client):
    live = _live_title(published)
    t = _correct(published, editor, title="A corrected headline")
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    assert t.state == State.IN_REVIEW
    article = Article.objects.get(pk=t.article_id)
    assert article.title_en == live and article.published_at_en is not None
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert live in page.content.decode() and "A corrected headline" not in page.content.decode()
    assert not Correction.objects.exists()


def test_approval_by_a_reviewer_publishes_exactly_the_pinned_text_with_the_note(published, editor, volunteer):
    second_reader = UserFactory(roles=["reviewer"])
    t = _correct(published, editor, title="Diplomats picket the foreign ministry")
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    submitted = versions.latest_pin(t, "submit")
    t = workflow.translation_approve(translation=t, by=second_reader)
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.correction_note, t.corrected_by) == (State.PUBLISHED, False, "", None)
    approved = versions.approved_pin(t)
    assert approved.event.actor == second_reader
    assert approved.event.content_hash == submitted.event.content_hash
    article = Article.objects.get(pk=t.article_id)
    assert article.title_en == approved.snapshot["title"] == "Diplomats picket the foreign ministry"
    assert [e.action for e in t.events.order_by("pk")][-3:] == ["submit", "approve", "publish"]
    assert t.events.order_by("pk").last().actor == second_reader
    assert [c.note for c in Correction.objects.filter(article=article)] == [NOTE]
    # Credits: the translator keeps theirs, the correcting editor is recorded as editor.
    assert Credit.objects.filter(translation=t, user=volunteer, role=Role.TRANSLATOR, is_credited=True).exists()
    assert Credit.objects.filter(translation=t, user=editor, role=Role.EDITOR).exists()
    assert Notification.objects.filter(user=volunteer, kind=NotificationKind.PUBLISHED).count() == 2


def test_a_working_copy_changed_after_sending_is_not_approved(published, editor, reviewer):
    t = _correct(published, editor)
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    Translation.objects.filter(pk=t.pk).update(title="Slipped in after the review")
    with pytest.raises(workflow.WorkflowError):
        workflow.translation_approve(translation=t, by=reviewer)
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    assert _live_title(t) == "Diplomats picket the ministry"


def test_the_editor_who_changed_the_text_cannot_approve_it_nor_the_one_who_opened_it(published, editor):
    other_editor = UserFactory(roles=["editor"])
    t = workflow.translation_correct(translation=published, by=editor)
    t = editing.translation_save(translation=t, by=other_editor, based_on=t.edit_version, title="Changed by two")
    t = workflow.translation_submit(translation=t, by=other_editor, correction_note=NOTE)
    for person in (other_editor, editor, published.translator):
        with pytest.raises(PermissionDenied):
            workflow.translation_approve(translation=t, by=person)
        assert "approve" not in workflow.available_actions(user=person, translation=t)
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW and _live_title(t) == "Diplomats picket the ministry"
    third = UserFactory(roles=["editor"])
    assert workflow.translation_approve(translation=t, by=third).state == State.PUBLISHED
    assert _live_title(t) == "Changed by two"


def test_a_correction_is_not_sent_without_its_note(published, editor):
    t = _correct(published, editor)
    with pytest.raises(workflow.WorkflowError):
        workflow.translation_submit(translation=t, by=editor)
    with pytest.raises(workflow.WorkflowError):
        workflow.translation_submit(translation=t, by=editor, correction_note="   ")
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS
    t = workflow.translation_submit(translation=t, by=editor, correction_note=f"  {NOTE} ")
    assert (t.state, t.correction_note) == (State.IN_REVIEW, NOTE)


def test_sending_a_correction_asks_every_reviewer_but_the_people_who_made_it(published, editor, reviewer, volunteer):
    t = _correct(published, editor)
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    asked = set(
        Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED, event__translation=t).values_list(
            "user__username", flat=True
        )
    )
    assert reviewer.username in asked
    assert editor.username not in asked and volunteer.username not in asked


def test_request_changes_returns_the_correction_to_the_correcting_editor(published, editor, reviewer, volunteer):
    t = _correct(published, editor)
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    t = workflow.translation_request_changes(translation=t, by=reviewer, comment="Check the minister's first name.")
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.corrected_by, t.translator) == (State.IN_PROGRESS, True, editor, volunteer)
    asked = Notification.objects.filter(kind=NotificationKind.CHANGES_REQUESTED, event__translation=t)
    assert [n.user for n in asked] == [editor]
    assert _live_title(t) == "Diplomats picket the ministry"
    t = editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Fixed again")
    t = workflow.translation_submit(translation=t, by=editor)  # the note written before is kept
    assert workflow.translation_approve(translation=t, by=reviewer).state == State.PUBLISHED
    assert _live_title(t) == "Fixed again"
    assert [c.note for c in Correction.objects.all()] == [NOTE]


def test_restore_on_a_published_story_opens_a_correction_with_the_old_text(published, editor):
    from translations import review

    old = Version.objects.get_for_object(published).filter(revision__comment__startswith="factory").last()
    published.title = "x"  # the in-memory copy is stale on purpose: the service reads the row
    t = review.version_restore(translation=published, version=old, by=editor)
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.corrected_by) == (State.IN_PROGRESS, True, editor)
    assert t.title == versions.version_snapshot(old)["title"]
    assert Version.objects.get_for_object(t).first().revision.comment.startswith("Restored version from ")
    assert _live_title(t) == "Diplomats picket the ministry"


# --- Desk views --------------------------------------------------------------------------


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_desk_walks_a_correction_from_open_to_live(published, editor, reviewer, volunteer):
    ed = _client(editor)
    response = ed.post(reverse("desk:transition", args=[published.pk, "correct"]), {"comment": ""})
    assert response.status_code == 302 and response["Location"] == published.get_absolute_url()
    page = ed.get(published.get_absolute_url()).content.decode()
    assert "Correction of a published story" in page and "Send for a second look" in page
    t = Translation.objects.get(pk=published.pk)
    block = t.source_revision.blocks[0]["id"]
    # The translator may read the correction but not change or send it.
    tr = _client(volunteer)
    tr.post(reverse("desk:translation", args=[t.pk]), {"based_on": t.edit_version, "title": "Translator's"})
    tr.post(reverse("desk:submit", args=[t.pk]), {"correction_note": "mine"})
    t.refresh_from_db()
    assert t.title == "Diplomats picket the ministry" and t.state == State.IN_PROGRESS
    # One screen: the editor's text and note go with the send.
    response = ed.post(
        reverse("desk:submit", args=[t.pk]),
        {
            "based_on": t.edit_version,
            "title": "Diplomats picket the foreign ministry",
            f"b-{block}-text": "A corrected first paragraph.",
            "correction_note": NOTE,
        },
    )
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.state, t.correction_note) == (State.IN_REVIEW, NOTE)
    # The editor who changed it has no Approve button and is refused if they post.
    assert "Approve and publish the correction" not in ed.get(reverse("desk:review", args=[t.pk])).content.decode()
    ed.post(reverse("desk:transition", args=[t.pk, "approve"]), {"comment": ""})
    t.refresh_from_db()
    assert t.state == State.IN_REVIEW
    rev = _client(reviewer)
    review_page = rev.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert "Approve and publish the correction" in review_page and NOTE.replace("'", "&#x27;") in review_page
    rev.post(reverse("desk:transition", args=[t.pk, "approve"]), {"comment": ""})
    t.refresh_from_db()
    assert t.state == State.PUBLISHED
    article = Article.objects.get(pk=t.article_id)
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Diplomats picket the foreign ministry" in html and "A corrected first paragraph." in html
    assert "misspelt the minister" in html


def test_board_and_article_page_show_the_story_published_with_a_correction_mark(published, editor):
    t = _correct(published, editor)
    ed = _client(editor)
    board = ed.get(reverse("desk:home"), {"state": State.PUBLISHED}).content.decode()
    assert t.article.source_title in board
    assert "Correction in progress (In progress)" in board
    assert t.article.source_title not in ed.get(reverse("desk:home"), {"state": State.IN_PROGRESS}).content.decode()
    article_page = ed.get(reverse("desk:article", args=[t.article_id])).content.decode()
    assert '<span class="badge published">Published</span>' in article_page
    assert "Correction in progress" in article_page


def test_preview_says_published_with_a_link_and_marks_an_open_correction(published, editor):
    ed = _client(editor)
    live_url = Article.objects.get(pk=published.article_id).get_absolute_url()
    page = ed.get(reverse("desk:preview", args=[published.pk])).content.decode()
    assert f'<a href="{live_url}">Read the live story</a>' in page
    assert "once it is published" not in page
    _correct(published, editor)
    page = ed.get(reverse("desk:preview", args=[published.pk])).content.decode()
    assert "Correction in progress" in page and "readers see the published version" in page
    assert f'<a href="{live_url}">Read the live story</a>' in page


def test_history_of_a_published_story_offers_restore_to_editors_which_opens_a_correction(published, editor, reviewer):
    ed = _client(editor)
    history = reverse("desk:history", args=[published.pk])
    assert '>Restore<span class="visually-hidden"> v1 as a correction' in ed.get(history).content.decode()
    assert ">Restore<span" not in _client(reviewer).get(history).content.decode()
    old = Version.objects.get_for_object(published).last()
    response = ed.post(reverse("desk:restore_version", args=[published.pk, old.pk]), {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == published.get_absolute_url()
    t = Translation.objects.get(pk=published.pk)
    assert t.is_correction and t.state == State.IN_PROGRESS and t.corrected_by == editor
    assert _live_title(t) == "Diplomats picket the ministry"
    # A reviewer's restore changes nothing.
    _client(reviewer).post(reverse("desk:restore_version", args=[published.pk, old.pk]), {"confirm": "yes"})
    assert Translation.objects.get(pk=published.pk).edit_version == t.edit_version


def test_the_translator_sees_the_correction_as_information_on_my_work_and_notifications(published, editor, volunteer):
    _correct(published, editor)
    tr = _client(volunteer)
    notices = tr.get(reverse("desk:notifications")).content.decode()
    assert "An editor is correcting your translation of Diplomats picket the ministry" in notices
    assert "A translation job is yours" not in notices
    mine = tr.get(reverse("desk:mine")).content.decode()
    assert "Published" in mine
    editor_page = tr.get(published.get_absolute_url()).content.decode()
    assert "Send for a second look" not in editor_page and 'name="correction_note"' not in editor_page


# --- The admin ---------------------------------------------------------------------------


def test_the_admin_cannot_approve_publish_or_edit_a_correction(published, editor):
    t = _correct(published, editor)
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    root = UserFactory(username="root", roles=["editor"], is_staff=True, is_superuser=True)
    admin = _client(root)
    change = reverse("admin:translations_translation_change", args=[t.pk])
    assert admin.get(change).status_code == 200
    admin.post(
        change,
        {"state": State.PUBLISHED, "is_correction": "", "correction_note": "admin note", "title": "admin title"},
    )
    t.refresh_from_db()
    assert (t.state, t.is_correction, t.correction_note, t.title) == (
        State.IN_REVIEW,
        True,
        NOTE,
        "Diplomats picket the foreign ministry",
    )
    assert _live_title(t) == "Diplomats picket the ministry"
    assert not Correction.objects.exists()


def test_a_sent_correction_waits_in_every_other_reviewers_queue(published, editor, reviewer):
    from translations import selectors

    other = UserFactory(roles=["reviewer"])
    t = _correct(published, editor)
    t = workflow.translation_submit(translation=t, by=editor, correction_note=NOTE)
    assert t.reviewer == reviewer  # the original reviewer stays recorded
    assert [x.pk for x in selectors.review_queue(user=reviewer)["assigned"]] == [t.pk]
    assert [x.pk for x in selectors.review_queue(user=other)["unassigned"]] == [t.pk]
    assert selectors.review_queue(user=editor) == {"assigned": [], "unassigned": []}
    page = _client(other).get(reverse("desk:mine")).content.decode()
    assert reverse("desk:review", args=[t.pk]) in page or t.get_absolute_url() in page


def test_the_translator_of_a_correction_gets_no_machine_drafts_and_no_load(published, editor, volunteer):
    from translations import machine_drafts, selectors

    t = _correct(published, editor)
    assert not machine_drafts.can_request(user=volunteer, translation=t)
    loads = {u.pk: u.load for u in selectors.desk_members_with_load()}
    assert loads[volunteer.pk] == 0


def test_the_correction_note_is_kept_by_save_without_javascript(published, editor):
    ed = _client(editor)
    ed.post(reverse("desk:transition", args=[published.pk, "correct"]), {"comment": ""})
    t = Translation.objects.get(pk=published.pk)
    ed.post(
        reverse("desk:translation", args=[t.pk]),
        {"based_on": t.edit_version, "title": "Saved title", "correction_note": NOTE, "op": "save"},
    )
    t.refresh_from_db()
    assert (t.title, t.correction_note) == ("Saved title", NOTE)
    assert NOTE.replace("'", "&#x27;") in ed.get(t.get_absolute_url()).content.decode()
