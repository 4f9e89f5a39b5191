"""Claiming jobs: the race between two people, and claims that go quiet."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import TranslationFactory, UserFactory
from translations import claims, workflow
from translations.models import NotificationKind, State, Translation, WorkflowEvent


def test_idle_claim_gets_a_reminder_then_returns_to_the_board(
    db, volunteer, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.DESK_CLAIM_REMINDER_DAYS, settings.DESK_CLAIM_EXPIRY_DAYS = 5, 7
    now = timezone.now()
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    Translation.objects.filter(pk=t.pk).update(
        last_activity_at=now - dt.timedelta(days=6), claimed_at=now - dt.timedelta(days=6)
    )
    fresh = TranslationFactory(state=State.IN_PROGRESS)  # worked on today: left alone

    with django_capture_on_commit_callbacks(execute=True):
        assert claims.claims_expire(now=now) == {"reminded": 1, "expired": 0}
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [volunteer.email] and "expires soon" in mailoutbox[0].subject
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS and t.reminded_at == now

    # Reminding is done once; the second day after the reminder, with no activity, it expires.
    later = now + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert claims.claims_expire(now=later) == {"reminded": 0, "expired": 1}
    t.refresh_from_db()
    assert (t.state, t.translator) == (State.OPEN, None)
    assert len(mailoutbox) == 2 and "expired" in mailoutbox[1].subject
    assert volunteer.notifications.filter(kind=NotificationKind.CLAIM_EXPIRED).exists()
    event = WorkflowEvent.objects.filter(translation=t).last()
    assert (event.action, event.actor) == ("expire", None)
    fresh.refresh_from_db()
    assert fresh.state == State.IN_PROGRESS


def test_activity_after_reminder_keeps_the_claim(db, volunteer, settings, django_capture_on_commit_callbacks):
    now = timezone.now()
    t = TranslationFactory(state=State.IN_PROGRESS, translator=volunteer)
    Translation.objects.filter(pk=t.pk).update(last_activity_at=now - dt.timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        claims.claims_expire(now=now)
    Translation.objects.filter(pk=t.pk).update(last_activity_at=now + dt.timedelta(days=1))
    assert claims.claims_expire(now=now + dt.timedelta(days=2))["expired"] == 0
    t.refresh_from_db()
    assert t.translator == volunteer


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_exactly_one_wins():
    t = TranslationFactory()
    alice = UserFactory(username="alice", roles=["translator"])
    bob = UserFactory(username="bob", roles=["translator"])
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def claim(user):
        try:
            barrier.wait(timeout=10)
            workflow.translation_claim(translation=Translation(pk=t.pk), by=user)
            results[user.username] = "won"
        except workflow.WorkflowError as e:
            results[user.username] = e
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=claim, args=(u,)) for u in (alice, bob)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    winners = [name for name, r in results.items() if r == "won"]
    losers = [r for r in results.values() if isinstance(r, workflow.WorkflowError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].message == "Someone else has already taken this job."
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS and t.translator.username == winners[0]
    assert WorkflowEvent.objects.filter(translation=t, action="claim").count() == 1
