"""Credit: people are named in public (and to others) only as they chose."""

from __future__ import annotations

import pytest

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
