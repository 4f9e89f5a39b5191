"""Roles need a second person: one editor cannot make a reviewer or an editor on their own,
through the invite form, the desk's Roles page or the Django admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from newsroom.models import AuditEntry
from tests.factories import UserFactory
from translations.models import GrantState, Invitation, RoleGrant
from translations.people import accounts, roles

GOOD_PASSWORD = "quiet-river-lantern-42"


def _groups(user) -> set[str]:
    return set(get_user_model().objects.get(pk=user.pk).groups.values_list("name", flat=True))


@pytest.fixture
def second_editor(db):
    return UserFactory(username="ed2", roles=["editor"])


def test_an_editor_cannot_invite_a_second_editor_account_and_use_it_alone(
    client, editor, django_capture_on_commit_callbacks
):
    """The finding: an editor invited another editor account through /desk/invite/ and had a
    second pair of eyes. Now the invitee joins as a translator, and the inviter cannot confirm."""
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("desk:invite"), {"email": "me-again@desk.example", "role": "editor"}, follow=True
        )
    assert "once another editor confirms it" in response.content.decode()
    invitation = Invitation.objects.get(email="me-again@desk.example")
    grant = RoleGrant.objects.get(invitation=invitation)
    assert grant.state == GrantState.PENDING and grant.requested_by == editor

    # The editor opens the link sent to their own second address.
    token = "t" * 10
    invitation.token_hash = accounts.token_hash(token)
    invitation.save(update_fields=["token_hash"])
    alt = accounts.invitation_accept(token=token, username="my-alt", password=GOOD_PASSWORD)
    assert _groups(alt) == {"translator"}
    assert alt.is_staff is False

    # Confirming their own request is refused, from the service and from the page.
    with pytest.raises(PermissionDenied):
        roles.role_grant_confirm(grant=grant, by=editor)
    response = client.post(reverse("desk:role_grant_decide", args=[grant.pk, "confirm"]), follow=True)
    assert "another editor must confirm it" in response.content.decode()
    # The new account cannot confirm its own role either (it is not an editor).
    with pytest.raises(PermissionDenied):
        roles.role_grant_confirm(grant=grant, by=alt)
    grant.refresh_from_db()
    assert grant.state == GrantState.PENDING
    assert _groups(alt) == {"translator"}


def test_a_second_editor_confirms_and_the_role_is_given_and_audited(client, editor, second_editor, volunteer):
    client.force_login(editor)
    response = client.post(reverse("desk:roles"), {"user": volunteer.pk, "role": "reviewer"}, follow=True)
    assert "once another editor confirms it" in response.content.decode()
    assert _groups(volunteer) == {"translator"}
    grant = RoleGrant.objects.get(user=volunteer)

    client.force_login(second_editor)
    page = client.get(reverse("desk:roles")).content.decode()
    assert reverse("desk:role_grant_decide", args=[grant.pk, "confirm"]) in page
    assert ">Decline</button>" in page
    response = client.post(reverse("desk:role_grant_decide", args=[grant.pk, "confirm"]), follow=True)
    assert "Confirmed: the reviewer role" in response.content.decode()

    assert _groups(volunteer) == {"translator", "reviewer"}
    grant.refresh_from_db()
    assert (grant.state, grant.decided_by) == (GrantState.CONFIRMED, second_editor)
    actions = list(
        AuditEntry.objects.filter(target_type="translations.rolegrant", target_id=str(grant.pk))
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert actions == [("role_grant.request", "ed"), ("role_grant.confirm", "ed2")]


def test_a_declined_role_is_not_given_and_cannot_be_confirmed_later(editor, second_editor, volunteer):
    grant = roles.role_grant_request(by=editor, user=volunteer, role="editor")
    roles.role_grant_decline(grant=grant, by=second_editor)
    with pytest.raises(roles.RoleGrantError):
        roles.role_grant_confirm(grant=grant, by=second_editor)
    assert _groups(volunteer) == {"translator"}
    assert AuditEntry.objects.filter(action="role_grant.decline", actor=second_editor).exists()


def test_a_role_confirmed_before_the_invitee_joins_is_given_on_joining(
    editor, second_editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = accounts.invitation_create(email="rev@desk.example", by=editor, role="reviewer")
    roles.role_grant_confirm(grant=invitation.role_grant, by=second_editor)
    user = accounts.invitation_accept(token=token, username="newrev", password=GOOD_PASSWORD)
    assert _groups(user) == {"translator", "reviewer"}


def test_only_editors_ask_or_decide(client, reviewer, volunteer, editor):
    with pytest.raises(PermissionDenied):
        roles.role_grant_request(by=reviewer, user=volunteer, role="reviewer")
    grant = roles.role_grant_request(by=editor, user=volunteer, role="reviewer")
    with pytest.raises(PermissionDenied):
        roles.role_grant_confirm(grant=grant, by=reviewer)
    client.force_login(reviewer)
    assert client.get(reverse("desk:roles")).status_code == 403
    assert client.post(reverse("desk:role_grant_decide", args=[grant.pk, "confirm"])).status_code == 403
    assert _groups(volunteer) == {"translator"}


def test_an_administrator_may_confirm_but_not_a_role_for_themself(editor, volunteer):
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    grant = roles.role_grant_request(by=editor, user=volunteer, role="editor")
    roles.role_grant_confirm(grant=grant, by=admin_user)
    assert _groups(volunteer) == {"translator", "editor"}
    promoted = get_user_model().objects.get(pk=volunteer.pk)
    assert promoted.is_staff is True
    own = roles.role_grant_request(by=promoted, user=editor, role="reviewer")
    with pytest.raises(PermissionDenied):
        roles.role_grant_confirm(grant=own, by=editor)


def test_the_admin_user_form_gives_no_role(client, volunteer):
    """Group membership, permissions and the superuser flag are read-only in the admin: posting
    them changes nothing (even for a superuser)."""
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[volunteer.pk])
    page = client.get(url).content.decode()
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page
    from django.contrib.auth.models import Group

    response = client.post(
        url,
        {
            "username": volunteer.username,
            "email": volunteer.email,
            "is_active": "on",
            "groups": [Group.objects.get(name="editor").pk],
            "is_superuser": "on",
            "date_joined_0": "2020-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors  # saved
    fresh = get_user_model().objects.get(pk=volunteer.pk)
    assert _groups(fresh) == {"translator"} and not fresh.is_superuser
