"""The embedded stack's broker (``newsroom/core/broker.py``): a worker never reads half a message.

The interleaving that stopped a worker under ``make run`` (a reader taking a message file between
its creation and its write) is forced here: the reader runs at the publisher's last step
before the message is complete.
"""

from __future__ import annotations

import os
from pathlib import Path
from queue import Empty
from typing import Any

from kombu import Connection


def _channels(transport: str, folder: Path) -> tuple[Connection, Connection]:
    for sub in ("in", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "processed_folder": str(folder / "processed"),
    }
    publisher = Connection("filesystem://", transport=transport, transport_options=options)
    consumer = Connection("filesystem://", transport=transport, transport_options=options)
    return publisher, consumer


def _read_now(consumer: Connection, seen: list[Any]) -> None:
    try:
        seen.append(consumer.default_channel._get("celery"))
    except Empty:
        seen.append("nothing yet")
    except Exception as e:  # noqa: BLE001 - any failure to read is the finding
        seen.append(type(e).__name__)


def test_a_worker_reading_mid_publish_sees_nothing_then_the_whole_message(tmp_path, monkeypatch):
    publisher, consumer = _channels("newsroom.core.broker:Transport", tmp_path)
    seen: list[Any] = []
    rename = os.replace

    def replace_after_a_read(src: str, dst: str) -> None:
        _read_now(consumer, seen)  # the message is written but not yet in place
        rename(src, dst)

    monkeypatch.setattr("newsroom.core.broker.os.replace", replace_after_a_read)
    with publisher, consumer:
        publisher.default_channel._put("celery", {"body": "hello", "n": 1})
        assert seen == ["nothing yet"]
        assert consumer.default_channel._get("celery") == {"body": "hello", "n": 1}


def test_kombus_own_filesystem_transport_lets_a_worker_read_an_empty_message(tmp_path, monkeypatch):
    """Why the desk has its own: kombu's transport makes the file before writing it."""
    publisher, consumer = _channels("filesystem", tmp_path)
    seen: list[Any] = []
    from kombu.transport import filesystem

    real_lock = filesystem.lock

    def lock_after_a_read(f: Any, flags: int) -> None:
        _read_now(consumer, seen)  # the file exists, empty
        real_lock(f, flags)

    monkeypatch.setattr(filesystem, "lock", lock_after_a_read)
    with publisher, consumer:
        try:
            publisher.default_channel._put("celery", {"body": "hello"})
        except Exception:  # noqa: BLE001, S110 - the file was taken from under the writer
            pass
    assert seen == ["JSONDecodeError"], seen
