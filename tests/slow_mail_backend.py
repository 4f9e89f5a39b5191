"""A test email backend that is slow on purpose, for the worker-killed-mid-task drill.

Before sending it writes a ``started`` marker (so the test knows the task is inside the send),
then sleeps ``SLOW_MAIL_SECONDS`` and appends one line per message (``recipient<TAB>subject``)
to ``SLOW_MAIL_FILE``, and ``recipient<TAB>Message-ID`` to the same name ending in ``.ids`` (a
copy sent again after the SMTP window has the same id). Only a send that finished leaves a line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class SlowEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        log = Path(os.environ["SLOW_MAIL_FILE"])
        log.with_suffix(".started").write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "5")))
        with log.open("a", encoding="utf-8") as f, log.with_suffix(".ids").open("a", encoding="utf-8") as ids:
            for message in email_messages:
                message_id = message.extra_headers.get("Message-ID", "")
                for recipient in message.recipients():
                    ids.write(f"{recipient}\t{message_id}\n")
                    f.write(f"{recipient}\t{message.subject}\n")
                ids.flush()
                f.flush()
                os.fsync(ids.fileno())
                os.fsync(f.fileno())
        return len(email_messages)
