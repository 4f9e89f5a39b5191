"""Deleting an account removes private data and keeps the public credits as the person chose them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from newsroom.models import AuditEntry
from tests.factories import TranslationFactory, UserFactory
from translations import privacy, workflow
from translations.models import Contributor, Credit, CreditMode, Invitation, Notification, State, Translation

User = get_user_model()


@pytest.fixture
def pseudonymous(db):
    user = UserFactory(
        username="andrei",
        first_name="Andrei",
        last_name="Kavalenka",
        email="andrei.kavalenka@private.example",
        roles=["translator"],
    )
    Contributor.objects.filter(user=user).update(credit_mode=CreditMode.PSEUDONYM, pseudonym="A. Minsker")
    return User.objects.get(pk=user.pk)


def _published_by(translator, editor, reviewer):
    t = TranslationFactory(state=State.IN_REVIEW, translator=translator, title="Picket at the ministry")
    workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    t.refresh_from_db()
    return t


def test_deleted_pseudonymous_translator_keeps_pseudonym_and_loses_private_data(client, pseudonymous, editor, reviewer):
    t = _published_by(pseudonymous, editor, reviewer)
    Invitation.objects.create(
        email="Andrei.Kavalenka@private.example", token_hash="x" * 64, expires_at=t.first_published_at
    )
    assert Notification.objects.filter(user=pseudonymous).exists()
    url = t.article.get_absolute_url()
    before = client.get(url).content.decode()
    assert "A. Minsker" in before

    privacy.user_delete(user=pseudonymous, by=editor)

    page = client.get(url).content.decode()
    assert "A. Minsker" in page
    assert "Kavalenka" not in page and "andrei.kavalenka" not in page
    credit = Credit.objects.get(translation=t, role="translator")
    assert credit.user_id is None and credit.credit_name == "A. Minsker"
    assert not Credit.objects.filter(credit_name__icontains="Kavalenka").exists()
    assert not User.objects.filter(email__iexact="andrei.kavalenka@private.example").exists()
    assert not User.objects.filter(last_name="Kavalenka").exists()
    assert not Contributor.objects.filter(pseudonym="A. Minsker").exists()
    assert not Invitation.objects.filter(email__iexact="andrei.kavalenka@private.example").exists()
    assert not Notification.objects.filter(user_id=pseudonymous.pk).exists()
    entry = AuditEntry.objects.get(action="user.delete")
    assert entry.actor == editor and entry.detail["credited_as"] == "A. Minsker"
    assert "Kavalenka" not in str(entry.detail) and "andrei" not in entry.target_repr
    t.refresh_from_db()
    assert t.state == State.PUBLISHED and t.translator_id is None


def test_unpublished_credit_is_snapshotted_and_job_goes_back_to_the_board(pseudonymous, editor, reviewer):
    t = TranslationFactory(state=State.IN_PROGRESS, translator=pseudonymous)
    assert Credit.objects.get(translation=t, user=pseudonymous).credit_name == ""

    counts = privacy.user_delete(user=pseudonymous, by=editor)

    t.refresh_from_db()
    assert counts["jobs_released"] == 1
    assert t.state == State.OPEN and t.translator_id is None
    assert t.block_text(next(iter(t.blocks))).startswith("English for:")  # the text stays
    credit = Credit.objects.get(translation=t, role="translator")
    assert credit.user_id is None and credit.credit_name == "A. Minsker"
    # Whoever finishes and publishes it later: the deleted person stays credited as they chose.
    other = UserFactory(roles=["translator"])
    workflow.translation_claim(translation=t, by=other)
    t.refresh_from_db()
    t.title = "Finished later"
    t.save()
    workflow.translation_submit(translation=t, by=other)
    workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    names = set(Credit.objects.filter(translation=t, role="translator").values_list("credit_name", flat=True))
    assert "A. Minsker" in names and other.contributor.credit_name() in names


def test_delete_refused_while_their_job_awaits_review(pseudonymous, editor):
    t = TranslationFactory(state=State.IN_REVIEW, translator=pseudonymous)
    with pytest.raises(privacy.UserDeleteRefused, match=f"#{t.pk}"):
        privacy.user_delete(user=pseudonymous, by=editor)
    assert User.objects.filter(pk=pseudonymous.pk).exists()
    assert Translation.objects.get(pk=t.pk).translator_id == pseudonymous.pk


def test_only_editors_delete_accounts(pseudonymous, reviewer):
    with pytest.raises(PermissionDenied):
        privacy.user_delete(user=pseudonymous, by=reviewer)
    assert User.objects.filter(pk=pseudonymous.pk).exists()


def test_delete_user_command(pseudonymous, editor, capsys):
    call_command("delete_user", "andrei", "--by", editor.username)
    assert "Deleted account andrei" in capsys.readouterr().out
    assert not User.objects.filter(username="andrei").exists()


def test_delete_user_command_refusal_is_one_line(pseudonymous, reviewer, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("delete_user", "andrei", "--by", reviewer.username)
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err
    assert User.objects.filter(username="andrei").exists()
