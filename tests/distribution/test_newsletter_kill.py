"""A digest send really killed (SIGKILL) in the middle of a batch resumes without losing or
doubling anyone's copy: the send runs in its own process against the test database, mailing a
real SMTP server on 127.0.0.1 that holds the fourth message's transaction open until the process
is dead. About 5 s (a Django process starts), hence ``slow``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from newsroom.distribution import newsletters
from newsroom.distribution.models import Frequency, IssueSend, NewsletterIssue
from tests.distribution.test_newsletters import _confirmed, _next_monday
from tests.newsroom.test_site_pages import make_staff, publish_story

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _unlocked_waiting(issue: NewsletterIssue) -> int:
    """Copies not sent that no live transaction holds (the killed run's lock is gone)."""
    with transaction.atomic():
        rows = IssueSend.objects.select_for_update(skip_locked=True).filter(issue=issue, sent_at__isnull=True)
        return len(rows.values_list("pk", flat=True))


def test_a_digest_send_killed_mid_batch_resumes_and_every_reader_gets_exactly_one(smtp_server, tmp_path):
    staff = make_staff()
    readers = _confirmed(6)
    publish_story(staff)
    issue = newsletters.issue_prepare(language="en", frequency=Frequency.WEEKLY, now=_next_monday())
    assert issue is not None
    smtp_server.messages.clear()
    smtp_server.stall_at = smtp_server.transactions + 4  # the fourth digest's transaction hangs
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
    code = f"from newsroom.distribution import newsletters; newsletters.issue_send_batch(issue_id={issue.pk})"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        if not smtp_server.stalled.wait(timeout=60):
            raise AssertionError(f"the send never reached the fourth reader: {log.read_text()[-3000:]}")
        assert len(smtp_server.messages) == 3
        assert IssueSend.objects.filter(issue=issue, sent_at__isnull=False).count() == 3
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    smtp_server.release.set()  # the server gives up the dead client's transaction: not delivered
    unsent = IssueSend.objects.filter(issue=issue, sent_at__isnull=True)
    _wait_for(lambda: _unlocked_waiting(issue) == unsent.count(), 10, "PostgreSQL to drop the killed run's lock")
    assert len(smtp_server.messages) == 3

    # Resumed (here in this process, in batches of two, as the task would).
    while newsletters.issue_send_batch(issue_id=issue.pk, batch_size=2):
        pass

    received = sorted(m["To"] for m in smtp_server.messages)
    assert received == sorted(r.email for r in readers)  # each reader exactly once, none lost
    by_address = {m["To"]: m["Message-ID"] for m in smtp_server.messages}
    assert all(by_address[r.email] == newsletters.digest_message_id(issue=issue, subscriber=r) for r in readers)
    issue.refresh_from_db()
    assert issue.finished_at is not None
    assert not IssueSend.objects.filter(issue=issue, sent_at__isnull=True).exists()
    assert newsletters.issue_send_batch(issue_id=issue.pk) == 0 and len(smtp_server.messages) == 6
