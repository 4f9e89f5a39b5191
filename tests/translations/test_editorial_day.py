"""The editorial day (issue 29): every next step one click away, mistakes undoable."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from reversion.models import Version

from newsroom.models import Article, Correction
from tests.factories import ArticleFactory, TranslationFactory, UserFactory
from translations import editing, review, workflow
from translations.desk import pages
from translations.models import CreditMode, Notification, NotificationKind, State, WorkflowEvent
from translations.people import notifications
from translations.workflow import registry, system


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


# --- 2. Undo by design ----------------------------------------------------------------------


def _published(editor):
    t = TranslationFactory(state=State.APPROVED)
    return workflow.translation_publish(translation=t, by=editor)


def test_restore_asks_before_acting(ed_client, editor):
    t = _published(editor)
    version = Version.objects.get_for_object(t).last()
    url = reverse("desk:restore_version", args=[t.pk, version.pk])
    events = WorkflowEvent.objects.count()
    page = ed_client.get(url)
    assert page.status_code == 200 and "opens a <strong>correction</strong>" in page.content.decode()
    # A POST without the confirmation (the old one-click form) only asks too.
    assert ed_client.post(url).status_code == 200
    t.refresh_from_db()
    assert t.state == State.PUBLISHED and WorkflowEvent.objects.count() == events
    ed_client.post(url, {"confirm": "yes"})
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS and t.is_correction


def test_discard_correction_puts_back_the_published_text_with_no_public_note(ed_client, editor):
    t = _published(editor)
    published_title = t.title
    article_title = Article.objects.get(pk=t.article_id).title_en
    workflow.translation_correct(translation=t, by=editor)
    t.refresh_from_db()
    editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="A mistaken title")
    versions_before = Version.objects.get_for_object(t).count()
    html = ed_client.get(t.get_absolute_url()).content.decode()
    assert 'id="action-discard_correction"' in html
    ed_client.post(reverse("desk:transition", args=[t.pk, "discard_correction"]), {"comment": "opened by mistake"})
    t.refresh_from_db()
    assert t.state == State.PUBLISHED and not t.is_correction and t.corrected_by is None
    assert t.title == published_title
    assert Version.objects.get_for_object(t).count() == versions_before + 1
    event = t.events.order_by("-pk").first()
    assert (event.action, event.from_state, event.to_state) == (
        "discard_correction",
        State.IN_PROGRESS,
        State.PUBLISHED,
    )
    assert not Correction.objects.exists()
    assert Article.objects.get(pk=t.article_id).title_en == article_title


def test_discard_correction_is_for_editors_and_only_when_a_correction_is_open(editor, reviewer):
    t = _published(editor)
    with pytest.raises(workflow.WorkflowError):
        workflow.translation_discard_correction(translation=t, by=editor)
    workflow.translation_correct(translation=t, by=editor)
    with pytest.raises(PermissionDenied):
        workflow.translation_discard_correction(translation=t, by=reviewer)
    assert "discard_correction" in {v.name for v in registry.verbs()}


def test_unpublish_with_a_correction_open_discards_it_and_says_so(ed_client, editor):
    t = _published(editor)
    workflow.translation_correct(translation=t, by=editor)
    t.refresh_from_db()
    editing.translation_save(translation=t, by=editor, based_on=t.edit_version, title="Half-done fix")
    html = ed_client.get(t.get_absolute_url()).content.decode()
    assert "the open correction is discarded" in html
    response = ed_client.post(
        reverse("desk:transition", args=[t.pk, "unpublish"]), {"comment": "Legal asked"}, follow=True
    )
    assert "The open correction was discarded" in response.content.decode()
    t.refresh_from_db()
    assert t.state == State.APPROVED and not t.is_correction and t.title != "Half-done fix"
    assert Article.objects.get(pk=t.article_id).published_at_en is None


# --- 4. History that reads ------------------------------------------------------------------


def test_history_numbers_versions_per_job_and_compares_one_with_the_current_text(ed_client, editor):
    TranslationFactory(state=State.APPROVED)  # another job's versions do not count
    t = _published(editor)
    all_versions = list(Version.objects.get_for_object(t).order_by("pk"))
    html = ed_client.get(reverse("desk:history", args=[t.pk])).content.decode()
    assert f'<th scope="row">v{len(all_versions)}</th>' in html and '<th scope="row">v1</th>' in html
    first = all_versions[0]
    html = ed_client.get(reverse("desk:history", args=[t.pk]), {"a": first.pk}).content.decode()
    assert "Comparing v1 with the current text" in html
    html = ed_client.get(reverse("desk:history", args=[t.pk]), {"b": first.pk}).content.decode()
    assert "Comparing v1 with the current text" in html


def test_workflow_log_does_not_say_open_to_open(ed_client, editor):
    t = system.translation_create(article=ArticleFactory(), by=editor)
    html = ed_client.get(reverse("desk:history", args=[t.pk])).content.decode()
    assert "(Open → Open)" not in html and "open (now Open)" in html


# --- 3. Languages ---------------------------------------------------------------------------


def test_story_page_opens_a_job_in_any_enabled_language_in_one_step(ed_client):
    t = TranslationFactory(state=State.IN_PROGRESS)
    article = t.article
    html = ed_client.get(reverse("desk:article", args=[article.pk])).content.decode()
    assert '<input type="hidden" name="language" value="de">' in html
    assert 'name="language" value="en"' not in html  # English has its job: a link to it instead
    assert t.get_absolute_url() in html
    response = ed_client.post(reverse("desk:open_job", args=[article.pk]), {"language": "de"})
    german = article.translations.get(language="de")
    assert response.status_code == 302 and german.state == State.OPEN


def test_opening_a_second_job_in_a_language_leads_to_the_existing_one_with_a_clear_message(ed_client):
    t = TranslationFactory(state=State.IN_PROGRESS)
    response = ed_client.post(reverse("desk:open_job", args=[t.article.pk]), {"language": "en"}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == t.get_absolute_url()
    assert "This story already has a job in English (In progress); here it is." in response.content.decode()
    assert t.article.translations.count() == 1


# --- 5. Presence and mentions ---------------------------------------------------------------


def test_job_page_shows_who_else_has_it_open_and_the_heartbeat_updates_it(client, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(reviewer)
    client.get(t.get_absolute_url())  # the reviewer has it open
    client.force_login(editor)
    html = client.get(t.get_absolute_url()).content.decode()
    assert "Also open now by: <strong>rev" in html
    tab = re.search(r'data-tab="([^"]+)"', html).group(1)
    answer = client.post(reverse("desk:presence", args=[t.pk]), {"tab": tab, "typing": "1"}).json()
    assert [(p["name"].split()[0], p["typing"]) for p in answer["others"]] == [("rev", False)]
    assert answer["my_other_tabs"] == 0
    client.force_login(reviewer)
    answer = client.post(reverse("desk:presence", args=[t.pk]), {"tab": "reviewer-tab"}).json()
    assert [(p["name"].split()[0], p["typing"]) for p in answer["others"]] == [("ed", True)]
    assert client.post(reverse("desk:presence", args=[t.pk]), {"tab": "<bad>"}).status_code == 400


def test_presence_is_only_for_people_who_may_see_the_job(client, translator):
    t = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(translator)
    assert client.post(reverse("desk:presence", args=[t.pk]), {"tab": "abc"}).status_code == 404


def test_a_stale_autosave_from_my_other_tab_is_not_someone_else(client):
    t = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(t.translator)
    url = reverse("desk:autosave", args=[t.pk])
    body = {"based_on": t.edit_version, "title": "From tab one"}
    first = client.post(url, body, content_type="application/json", headers={"X-Desk-Tab": "tabone"})
    assert first.status_code == 200
    stale = client.post(
        url, {**body, "title": "From tab two"}, content_type="application/json", headers={"X-Desk-Tab": "tabtwo"}
    )
    assert stale.status_code == 409 and stale.json()["by_you"] is True


def test_a_mention_notifies_that_person_on_the_desk_and_by_email(client, editor, reviewer, mailoutbox):
    t = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(editor)
    review.comment_add(translation=t, by=editor, block_id="", body="@rev could you check the quote?")
    notice = Notification.objects.get(user=reviewer, kind=NotificationKind.MENTION)
    assert notice.url == t.get_absolute_url()
    notifications.notifications_send()
    assert any(m.to == [reviewer.email] for m in mailoutbox)


def test_a_muted_mention_is_not_sent_and_people_who_cannot_see_the_job_are_not_told(editor, reviewer, translator):
    reviewer.contributor.muted_notifications = [NotificationKind.MENTION]
    reviewer.contributor.save()
    t = TranslationFactory(state=State.IN_REVIEW)
    review.comment_add(translation=t, by=editor, block_id="", body="@rev and @tr, see this")
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()


def test_mention_suggestions_never_reveal_a_hidden_real_name(client, editor):
    hidden = UserFactory(username="quiet", first_name="Real", last_name="Secretname", roles=["reviewer"])
    hidden.contributor.credit_mode = CreditMode.ANONYMOUS
    hidden.contributor.save()
    t = TranslationFactory(state=State.IN_REVIEW)
    client.force_login(t.translator)
    html = client.get(t.get_absolute_url()).content.decode()
    assert 'data-username="quiet"' in html and "Secretname" not in html


# --- 7. The small confusions ----------------------------------------------------------------


def test_publish_form_keeps_each_checkbox_beside_its_label_and_unpublish_apart(ed_client, editor):
    t = TranslationFactory(state=State.APPROVED)
    html = ed_client.get(reverse("desk:preview", args=[t.pk])).content.decode()
    assert re.search(r'<div class="choice"><input type="checkbox" name="credited"[^>]*> <label for=', html)
    assert re.search(r'<div class="choice"><input type="checkbox" name="confirm"[^>]*> <label for=', html)
    workflow.translation_publish(translation=t, by=editor)
    html = ed_client.get(reverse("desk:preview", args=[t.pk])).content.decode()
    assert '<details class="danger-zone" id="unpublish">' in html


def test_a_stale_plain_form_save_from_my_other_tab_says_so(client):
    t = TranslationFactory(state=State.IN_PROGRESS)
    client.force_login(t.translator)
    url = t.get_absolute_url()
    base = {"based_on": t.edit_version, "title": "Tab one"}
    assert client.post(url, {**base, "tab": "tabone"}).status_code == 302
    stale = client.post(url, {**base, "title": "Tab two", "tab": "tabtwo"})
    assert stale.status_code == 409
    assert "Not saved: you saved a newer version in another tab or window" in stale.content.decode()
