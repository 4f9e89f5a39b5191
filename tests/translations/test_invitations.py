"""Joining the desk by invitation, logging in (with lock-out), passwords."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from translations.models import CreditMode, Invitation
from translations.people import accounts

GOOD_PASSWORD = "quiet-river-lantern-42"


def _invite(editor, django_capture_on_commit_callbacks, email="new@desk.example", **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return accounts.invitation_create(email=email, by=editor, **kw)


def _accept_data(**overrides):
    data = {
        "username": "newvol",
        "first_name": "Alena",
        "last_name": "Hidden",
        "credit_mode": "anonymous",
        "pseudonym": "",
        "languages": ["ru"],
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_editor_invites_by_email_and_only_the_hash_is_stored(
    client, editor, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("desk:invite"), {"email": "new@desk.example", "role": "translator", "is_volunteer": "on"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new@desk.example" and invitation.invited_by == editor
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@desk.example"]
    token = re.search(r"/join/([\w-]+)/", mailoutbox[0].body).group(1)
    assert accounts.token_hash(token) == invitation.token_hash and token not in invitation.token_hash
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6)


def test_non_editor_cannot_invite(client, volunteer):
    client.force_login(volunteer)
    assert client.get(reverse("desk:invite")).status_code == 403
    with pytest.raises(PermissionDenied):
        accounts.invitation_create(email="x@desk.example", by=volunteer)
    assert not Invitation.objects.exists()


def test_invitation_expiry_follows_setting(editor, settings, django_capture_on_commit_callbacks):
    settings.DESK_INVITATION_DAYS = 2
    invitation, _token = _invite(editor, django_capture_on_commit_callbacks)
    assert dt.timedelta(days=1, hours=23) < invitation.expires_at - timezone.now() <= dt.timedelta(days=2)


def test_accepting_creates_account_in_group_with_profile_and_logs_in(
    client, editor, django_capture_on_commit_callbacks
):
    invitation, token = _invite(editor, django_capture_on_commit_callbacks)
    url = reverse("invite_accept", args=[token])
    assert "Join the desk" in client.get(url).content.decode()
    response = client.post(url, _accept_data(credit_mode="pseudonym", pseudonym="Lena K."))
    assert response.status_code == 302 and response["Location"] == reverse("desk:jobs")
    user = get_user_model().objects.get(username="newvol")
    assert user.email == "new@desk.example" and user.check_password(GOOD_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == ["translator"]
    assert (user.contributor.credit_mode, user.contributor.pseudonym) == (CreditMode.PSEUDONYM, "Lena K.")
    assert user.contributor.is_volunteer and user.contributor.languages == ["ru"]
    invitation.refresh_from_db()
    assert invitation.accepted_user == user and invitation.accepted_at is not None
    assert client.get(reverse("desk:jobs")).status_code == 200  # logged in as the new member


def test_invitation_link_works_once(client, editor, django_capture_on_commit_callbacks):
    _invitation, token = _invite(editor, django_capture_on_commit_callbacks)
    url = reverse("invite_accept", args=[token])
    client.post(url, _accept_data())
    client.logout()
    response = client.post(url, _accept_data(username="second"))
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert not get_user_model().objects.filter(username="second").exists()


def test_expired_or_unknown_invitation_is_refused(client, editor, django_capture_on_commit_callbacks):
    invitation, token = _invite(editor, django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("invite_accept", args=[token]))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert client.get(reverse("invite_accept", args=["not-a-token"])).status_code == 410


def test_weak_password_is_refused_by_django_validators(client, editor, django_capture_on_commit_callbacks):
    _invitation, token = _invite(editor, django_capture_on_commit_callbacks)
    response = client.post(
        reverse("invite_accept", args=[token]), _accept_data(password1="password", password2="password")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "too short" in html or "too common" in html
    assert not get_user_model().objects.filter(username="newvol").exists()


def _second_editor_confirms(invitation):
    from tests.factories import UserFactory
    from translations.people import roles

    roles.role_grant_confirm(grant=invitation.role_grant, by=UserFactory(username="ed-other", roles=["editor"]))


def test_reviewer_invitation_gives_reviewer_and_translator_groups(editor, django_capture_on_commit_callbacks):
    invitation, token = _invite(editor, django_capture_on_commit_callbacks, role="reviewer", is_volunteer=False)
    _second_editor_confirms(invitation)
    user = accounts.invitation_accept(token=token, username="rev2", password=GOOD_PASSWORD)
    assert set(user.groups.values_list("name", flat=True)) == {"reviewer", "translator"}
    assert user.contributor.is_volunteer is False
    assert user.is_staff is False


def test_editor_invitation_opens_the_admin_too(editor, client, django_capture_on_commit_callbacks):
    invitation, token = _invite(editor, django_capture_on_commit_callbacks, role="editor", is_volunteer=False)
    user = accounts.invitation_accept(token=token, username="ed2", password=GOOD_PASSWORD)
    assert user.is_staff is False  # a translator until a second editor confirms
    _second_editor_confirms(invitation)
    user = get_user_model().objects.get(pk=user.pk)
    assert user.is_staff is True
    client.force_login(user)
    assert client.get("/admin/translations/translation/").status_code == 200


def test_inviting_an_existing_member_is_refused(editor, volunteer):
    with pytest.raises(accounts.InvitationError):
        accounts.invitation_create(email=volunteer.email, by=editor)


# --- log in, lock-out, passwords -------------------------------------------------------------


def test_login_and_logout(client, volunteer):
    response = client.post(reverse("login"), {"username": "vol", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.get(reverse("desk:mine")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("desk:mine")).status_code == 302


def test_five_failed_logins_lock_the_account_out(client, volunteer):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "vol", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "vol", "password": "correct horse battery staple"})
    assert response.status_code in (403, 429)
    assert "Too many failed log-in attempts" in response.content.decode()
    assert client.get(reverse("desk:mine")).status_code == 302  # not logged in


def test_four_failed_logins_do_not_lock(client, volunteer):
    for _ in range(4):
        client.post(reverse("login"), {"username": "vol", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "vol", "password": "correct horse battery staple"})
    assert response.status_code == 302


def test_password_reset_sends_link_that_sets_a_new_password(client, volunteer, mailoutbox):
    assert "<main" in client.get(reverse("password_reset")).content.decode()
    client.post(reverse("password_reset"), {"email": volunteer.email})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert "Choose a new password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.check_password(GOOD_PASSWORD)
    assert "Password set" in client.get(reverse("password_reset_complete")).content.decode()


def test_password_change(client, volunteer):
    client.force_login(volunteer)
    assert 'for="id_old_password"' in client.get(reverse("password_change")).content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": GOOD_PASSWORD,
            "new_password2": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Password changed" in client.get(reverse("password_change_done")).content.decode()
    volunteer.refresh_from_db()
    assert volunteer.check_password(GOOD_PASSWORD)
