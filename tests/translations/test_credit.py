"""Credit: people are named in public (and to others) only as they chose."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from newsroom.models import AuditEntry
from tests.factories import TranslationFactory, UserFactory
from translations import workflow
from translations.models import CreditMode, Role, State
from translations.people import accounts, notifications


def _person(username, mode, pseudonym=""):
    user = UserFactory(username=username, first_name="Secretina", last_name="Realname", roles=["translator"])
    user.contributor.credit_mode, user.contributor.pseudonym = mode, pseudonym
    user.contributor.save()
    return user


@pytest.mark.parametrize(
    ("mode", "pseudonym", "expected"),
    [
        (CreditMode.REAL_NAME, "", "Secretina Realname"),
        (CreditMode.PSEUDONYM, "Nightingale", "Nightingale"),
        (CreditMode.ANONYMOUS, "", "a volunteer translator"),
    ],
)
def test_credit_name_honours_choice(db, mode, pseudonym, expected):
    user = _person("p", mode, pseudonym)
    assert user.contributor.credit_name() == expected
    assert notifications.public_name(user) == expected


def test_anonymous_reviewer_is_a_volunteer_reviewer(db):
    user = _person("p", CreditMode.ANONYMOUS)
    assert user.contributor.credit_name(Role.REVIEWER) == "a volunteer reviewer"


def _publish(translator, reviewer, editor):
    t = TranslationFactory(state=State.IN_REVIEW, translator=translator)
    workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    t.refresh_from_db()
    return t


@pytest.mark.parametrize(
    ("mode", "pseudonym", "shown"),
    [(CreditMode.PSEUDONYM, "Nightingale", "Nightingale"), (CreditMode.ANONYMOUS, "", "a volunteer translator")],
)
def test_hidden_real_name_never_on_public_article_page(
    client, mode, pseudonym, shown, reviewer, editor, django_capture_on_commit_callbacks
):
    translator = _person("hiddenvol", mode, pseudonym)
    with django_capture_on_commit_callbacks(execute=True):
        t = _publish(translator, reviewer, editor)
    html = client.get(t.article.get_absolute_url()).content.decode()
    assert t.title in html
    assert shown in html
    assert "Secretina" not in html and "Realname" not in html and "hiddenvol" not in html
    # The read API credits them exactly as the page does.
    story = client.get(f"/api/v1/stories/{t.article_id}/").json()
    assert [c["name"] for c in story["attribution"]["translators"]] == [shown]
    api_text = "".join(
        client.get(f"/api/v1/{path}").content.decode()
        for path in (f"stories/{t.article_id}/", "stories/", "translators/", "tags/")
    )
    assert "Secretina" not in api_text and "Realname" not in api_text and "hiddenvol" not in api_text


def test_real_name_shown_when_chosen(client, reviewer, editor, django_capture_on_commit_callbacks):
    translator = _person("open", CreditMode.REAL_NAME)
    with django_capture_on_commit_callbacks(execute=True):
        t = _publish(translator, reviewer, editor)
    assert "Secretina Realname" in client.get(t.article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("mode", "shown"), [(CreditMode.PSEUDONYM, "Nightingale"), (CreditMode.ANONYMOUS, "a volunteer")]
)
def test_consent_withdrawn_after_publication_is_honoured_by_the_story_feed_and_api(
    client, mode, shown, reviewer, editor, django_capture_on_commit_callbacks
):
    """Found by the property test: the credit snapshot kept a real name after its owner took it
    back. A withdrawal (to a pseudonym or no name) holds at once; nothing becomes more public."""
    translator = _person("wasopen", CreditMode.REAL_NAME)
    with django_capture_on_commit_callbacks(execute=True):
        t = _publish(translator, reviewer, editor)
        accounts.contributor_update(
            contributor=translator.contributor, by=translator, credit_mode=mode, pseudonym="Nightingale"
        )
    for url in (t.article.get_absolute_url(), f"/api/v1/stories/{t.article_id}/", "/feeds/rss.xml"):
        body = client.get(url).content.decode()
        assert "Realname" not in body, url
        assert shown in body, url


def test_emails_to_others_do_not_reveal_a_hidden_real_name(
    db, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    translator = _person("hiddenvol", CreditMode.PSEUDONYM, "Nightingale")
    t = TranslationFactory(state=State.IN_PROGRESS, translator=translator)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.translation_submit(translation=t, by=translator)
    to_reviewer = [m for m in mailoutbox if m.to == [reviewer.email]]
    assert to_reviewer
    for message in to_reviewer:
        assert "Secretina" not in message.body + message.subject
        assert "Realname" not in message.body + message.subject


def test_invitation_email_names_inviter_by_public_name(db, mailoutbox, django_capture_on_commit_callbacks):
    inviter = _person("boss", CreditMode.PSEUDONYM, "The Desk Editor")
    from django.contrib.auth.models import Group

    inviter.groups.add(Group.objects.get(name="editor"))
    with django_capture_on_commit_callbacks(execute=True):
        accounts.invitation_create(email="someone@desk.example", by=inviter)
    body = mailoutbox[0].body
    assert "The Desk Editor invited you" in body
    assert "Secretina" not in body and "Realname" not in body


def test_profile_page_previews_public_credit(client, db):
    user = _person("hiddenvol", CreditMode.ANONYMOUS)
    client.force_login(user)
    html = client.get("/desk/profile/").content.decode()
    assert "credited as: <strong>a volunteer translator</strong>" in html


# --- Credit choices belong to the person -------------------------------------------------


def _profile(user):
    from translations.models import Contributor

    return Contributor.objects.select_related("user").get(user=user)


@pytest.mark.parametrize(
    "change",
    [
        {"credit_mode": CreditMode.REAL_NAME},
        {"credit_mode": CreditMode.PSEUDONYM, "pseudonym": "Given By Editor"},
        {"has_public_profile": True, "public_slug": "exposed"},
        {"first_name": "Other"},
    ],
)
def test_an_editor_cannot_change_how_someone_else_is_named(editor, change):
    hidden = _person("hidden", CreditMode.ANONYMOUS)
    with pytest.raises(PermissionDenied):
        accounts.contributor_update(contributor=_profile(hidden), by=editor, **change)
    after = _profile(hidden)
    assert (after.credit_mode, after.pseudonym, after.has_public_profile, after.public_slug) == (
        CreditMode.ANONYMOUS,
        "",
        False,
        "",
    )
    assert after.user.first_name == "Secretina"


def test_an_editor_may_hide_a_public_page_and_mark_staff_but_the_person_decides_the_rest(editor):
    shown = _person("shown", CreditMode.PSEUDONYM, "Nightingale")
    accounts.contributor_update(
        contributor=_profile(shown), by=shown, has_public_profile=True, public_slug="nightingale"
    )
    accounts.contributor_update(contributor=_profile(shown), by=editor, has_public_profile=False, is_volunteer=False)
    after = _profile(shown)
    assert (after.has_public_profile, after.public_slug, after.is_volunteer) == (False, "", False)
    assert after.pseudonym == "Nightingale"
    with pytest.raises(PermissionDenied):  # and never shows it again
        accounts.contributor_update(contributor=after, by=editor, has_public_profile=True, public_slug="nightingale")
    entry = AuditEntry.objects.filter(action="contributor.update", actor=editor).latest("pk")
    assert entry.detail == {"changed": "has_public_profile,is_volunteer", "by_self": False}


def test_the_admin_shows_credit_choices_read_only_and_cannot_expose_anyone(client, editor):
    """The finding: an editor changed a volunteer's credit mode, public page and slug in the
    admin and the real name of an anonymous volunteer went public."""
    editor.is_staff = True
    editor.save()
    hidden = _person("hidden", CreditMode.ANONYMOUS)
    client.force_login(editor)
    url = reverse("admin:translations_contributor_change", args=[_profile(hidden).pk])
    page = client.get(url).content.decode()
    for name in ("credit_mode", "pseudonym", "has_public_profile", "public_slug", "bio"):
        assert f'name="{name}"' not in page, name
    response = client.post(
        url,
        {
            "credit_mode": CreditMode.REAL_NAME,
            "has_public_profile": "on",
            "public_slug": "exposed",
            "is_volunteer": "on",
        },
    )
    assert response.status_code == 302
    after = _profile(hidden)
    assert (after.credit_mode, after.has_public_profile, after.public_slug) == (CreditMode.ANONYMOUS, False, "")
    assert client.get(reverse("site:translator", args=["exposed"])).status_code == 404


def test_the_admin_may_hide_a_public_page_through_the_service(client, editor):
    editor.is_staff = True
    editor.save()
    shown = _person("shown", CreditMode.REAL_NAME)
    accounts.contributor_update(contributor=_profile(shown), by=shown, has_public_profile=True, public_slug="shown")
    client.force_login(editor)
    url = reverse("admin:translations_contributor_change", args=[_profile(shown).pk])
    assert 'name="has_public_profile"' in client.get(url).content.decode()
    assert client.post(url, {"is_volunteer": "on"}).status_code == 302  # the box unticked
    after = _profile(shown)
    assert (after.has_public_profile, after.public_slug) == (False, "")
    assert AuditEntry.objects.filter(action="contributor.update", actor=editor).exists()


def test_the_person_changes_their_own_credit_on_the_profile_page_through_the_service(
    client, django_capture_on_commit_callbacks
):
    person = _person("own", CreditMode.REAL_NAME)
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("desk:profile"), {"credit_mode": CreditMode.PSEUDONYM, "pseudonym": "Owl", "languages": ["ru"]}
        )
    assert response.status_code == 302
    assert _profile(person).credit_name() == "Owl"
    entry = AuditEntry.objects.get(action="contributor.update", actor=person)
    assert "credit_mode" in entry.detail["changed"] and entry.detail["by_self"] is True
