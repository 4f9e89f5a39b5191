"""The embedded stack's Celery broker: kombu's filesystem transport, with messages that appear whole.

kombu's filesystem transport creates a message file under its final name and then writes it;
a worker polling the folder may move and read the file in between and get an empty or partial
message (``JSONDecodeError`` in ``kombu/transport/filesystem.py``; under ``make run`` it
stopped the worker). Here a message is written under a temporary name that no reader looks
at (kombu reads only ``<time>_<uuid>.<queue>.msg``), flushed, and renamed into place: a rename
within one folder is atomic, so a reader sees the whole message or nothing. A publisher killed
mid-write leaves only a ``.tmp-…`` file, which ``state_files`` moves aside at the next start.

Used when ``CELERY_BROKER_URL`` is ``filesystem://`` (``CELERY_BROKER_TRANSPORT`` in
settings); production uses Redis or RabbitMQ (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps

TEMPORARY_PREFIX = ".tmp-"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]  # kombu names it two ways
        """Put ``payload`` on ``queue``: written aside, then renamed into the queue's folder."""
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        temporary = os.path.join(self.data_folder_out, TEMPORARY_PREFIX + name)
        try:
            with open(temporary, "wb") as f:
                f.write(dumps(payload).encode())
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
