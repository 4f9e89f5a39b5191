"""Nothing e-mailed twice (``newsroom.core.mail``): every mail that follows a row carries a
``Message-ID`` derived from it (the same on a resend), a send whose commit fails is marked and not
sent again, a sender killed mid-batch (SIGKILL, a real SMTP server on 127.0.0.1) resumes with one
copy each, and the one window left (SMTP accepted → commit) is measured."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction

from newsroom.distribution import webhooks
from newsroom.distribution.models import OutletNotice
from newsroom.models import Outlet
from tests.factories import UserFactory
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.models import Notification, NotificationKind
from translations.people import notifications

ROOT = Path(__file__).resolve().parents[2]


def _notices(n: int) -> list[Notification]:
    users = [UserFactory(username=f"reader{i}", email=f"reader{i}@desk.example") for i in range(n)]
    return [
        Notification.objects.create(
            user=u, key=f"test:{u.pk}", kind=NotificationKind.COMMENT, text=f"New comment {i}", url="/desk/"
        )
        for i, u in enumerate(users)
    ]


def test_a_notice_mail_has_a_message_id_derived_from_the_notice_the_same_when_made_again(db, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Desk <desk@belarus.example>"
    [notice] = _notices(1)
    expected = f"<notice-{notice.pk}@belarus.example>"
    assert notifications.notification_message(notice=notice).message()["Message-ID"] == expected
    assert notifications.notification_message(notice=notice).message()["Message-ID"] == expected
    assert notifications.notifications_send(ids=[notice.pk]) == 1
    [mail] = mailoutbox
    assert mail.message()["Message-ID"] == expected


def test_the_outlets_notice_and_a_paused_partners_mail_carry_stable_message_ids(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    staff = make_staff()
    outlet = Outlet.objects.create(name="Zerkalo", slug="zerkalo", credit_name="Zerkalo", contact_email="e@z.example")
    with django_capture_on_commit_callbacks(execute=True):
        publish_story(staff, outlet=outlet)
    notice = OutletNotice.objects.get()
    [mail] = [m for m in mailoutbox if m.to == ["e@z.example"]]
    assert mail.message()["Message-ID"] == f"<outlet-notice-{notice.pk}@translation-desk.example>"

    from newsroom.distribution.models import Partner

    partner = Partner.objects.create(
        name="Partner", url="https://partner.example/hook", events=["published"], created_by=staff["editor"]
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        webhooks._partner_pause(partner=partner)
    [paused] = mailoutbox
    assert paused.message()["Message-ID"] == (
        f"<partner-paused-{partner.pk}-{int(partner.paused_at.timestamp())}@translation-desk.example>"
    )


def test_a_send_whose_commit_fails_is_marked_after_it_and_never_sent_again(db, mailoutbox, monkeypatch):
    first, second = _notices(2)
    save = Notification.save
    failed: list[int] = []

    def save_failing_once(self: Notification, *args: Any, **kwargs: Any) -> None:
        if self.pk == first.pk and not failed:
            failed.append(self.pk)  # the database went away after SMTP accepted the message
            raise OperationalError("server closed the connection unexpectedly")
        save(self, *args, **kwargs)

    monkeypatch.setattr(Notification, "save", save_failing_once)
    assert notifications.notifications_send() == 2
    assert failed == [first.pk]
    first.refresh_from_db()
    assert first.emailed_at is not None  # marked by the retry, in its own transaction
    assert notifications.notifications_send() == 0  # nothing left to send
    assert sorted(m.to[0] for m in mailoutbox) == [first.user.email, second.user.email]


@pytest.mark.django_db(transaction=True)
def test_the_window_from_smtp_accepting_a_notice_to_its_commit_is_short(smtp_server, monkeypatch):
    """The one window that can repeat a copy (SMTP accepted, then the process dies before the
    commit), measured per message against a real SMTP server: one UPDATE and the COMMIT."""
    _notices(20)
    accepted: list[float] = []
    committed: list[float] = []
    make = notifications.notification_message

    def timed_message(*, notice: Notification) -> Any:
        message = make(notice=notice)
        send = message.send

        def send_and_note(*args: Any, **kwargs: Any) -> int:
            result = send(*args, **kwargs)
            accepted.append(time.perf_counter())
            return result

        message.send = send_and_note  # type: ignore[method-assign]
        return message

    commit = connection.commit

    def commit_and_note() -> None:
        commit()
        committed.append(time.perf_counter())

    monkeypatch.setattr(notifications, "notification_message", timed_message)
    monkeypatch.setattr(connection, "commit", commit_and_note)
    assert notifications.notifications_send() == 20
    monkeypatch.undo()
    windows = [min(c for c in committed if c >= a) - a for a in accepted]
    assert len(windows) == 20 and len(smtp_server.messages) == 20
    print(f"SMTP accepted → commit: p50 {statistics.median(windows) * 1000:.2f} ms, max {max(windows) * 1000:.2f} ms")
    assert max(windows) < 0.5


def _unlocked_unsent() -> int:
    with transaction.atomic():
        rows = Notification.objects.select_for_update(skip_locked=True).filter(emailed_at__isnull=True)
        return len(rows.values_list("pk", flat=True))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_notice_sender_killed_mid_batch_resumes_and_each_notice_is_mailed_once(smtp_server, tmp_path):
    notices = _notices(6)
    smtp_server.stall_at = smtp_server.transactions + 4  # the fourth message's transaction hangs
    db = connection.settings_dict
    port = f":{db['PORT']}" if db.get("PORT") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{port}/{db['NAME']}?host={db['HOST']}",
        "DESK_TESTING": "1",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / "send.log"
    code = "from translations.people import notifications; notifications.notifications_send()"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        if not smtp_server.stalled.wait(timeout=60):
            raise AssertionError(f"the send never reached the fourth notice: {log.read_text()[-3000:]}")
        assert len(smtp_server.messages) == 3
        assert Notification.objects.filter(emailed_at__isnull=False).count() == 3  # each marked as it left
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    smtp_server.release.set()
    deadline = time.monotonic() + 10
    while _unlocked_unsent() != 3:  # PostgreSQL drops the killed sender's row lock
        assert time.monotonic() < deadline, "the killed sender's lock was never released"
        time.sleep(0.1)

    assert notifications.notifications_send() == 3  # resumed: only what was not marked
    received = sorted(m["To"] for m in smtp_server.messages)
    assert received == sorted(n.user.email for n in notices)  # each once, none lost
    ids = {m["To"]: m["Message-ID"] for m in smtp_server.messages}
    assert all(ids[n.user.email] == f"<notice-{n.pk}@translation-desk.example>" for n in notices)
    assert notifications.notifications_send() == 0
