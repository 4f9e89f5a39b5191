"""Mail the desk sends once: a stable ``Message-ID`` per notice, and the mark after the send.

Every e-mail that follows a row (a desk notice, an outlet's notice, a partner paused, a reader's
digest) is sent as its own step: the row is claimed under its lock (``FOR UPDATE SKIP LOCKED``:
a second sender skips it), the message is handed to SMTP, and the row is marked sent in the same
transaction. A batch never sends again what it marked.

One window remains, SMTP's own: the server accepted the message and the sending process died
(SIGKILL, the machine) before its transaction committed. The row is still unsent, so the next
run sends it again. That copy carries the same ``Message-ID`` (:func:`message_id`, derived from
the row), so it is recognisably the same message (mail stores fold such a repeat). The window is
the time from SMTP's "250 accepted" to the commit: one UPDATE and a COMMIT, about a millisecond
on a local database (``tests/distribution/test_mail_once.py`` measures it).

When the commit itself fails after the send (the database went away: a failover), the message
did leave, so :func:`sent_mark_retried` marks the row in a new transaction, retried until the
database answers (a promoted replica) for up to ``MAIL_MARK_RETRY_SECONDS``: the failover no
longer turns into a second copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import Error, connection, transaction

log = logging.getLogger(__name__)


def mail_domain() -> str:
    """The desk's mail domain: the part after ``@`` of ``DEFAULT_FROM_EMAIL``."""
    return str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip(" >") or "localhost"


def message_id(*, kind: str, key: str | int) -> str:
    """The same ``Message-ID`` every time the message of ``kind`` for ``key`` (a row's id) is
    made: ``<notice-42@desk.example>``."""
    return f"<{kind}-{key}@{mail_domain()}>"


def sent_mark_retried(*, mark: Callable[[], int], what: str) -> bool:
    """After a send whose transaction failed to commit: run ``mark`` (an idempotent UPDATE that
    sets the row's sent time where it is still empty) in its own transaction until it succeeds,
    for up to ``MAIL_MARK_RETRY_SECONDS`` (30). Returns whether it was marked."""
    deadline = time.monotonic() + float(getattr(settings, "MAIL_MARK_RETRY_SECONDS", 30))
    while True:
        try:
            with transaction.atomic():
                mark()
            return True
        except Error:
            if connection.in_atomic_block or time.monotonic() > deadline:
                log.exception("%s was sent but could not be marked; it may be sent again", what)
                return False
            connection.close()  # a new connection finds the promoted primary
            time.sleep(0.5)
