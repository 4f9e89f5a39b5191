"""Each state file under .data/ is repaired on start when a kill damaged it, with one line."""

from __future__ import annotations

import json
import pickle
import shelve
import zlib

from newsroom.core import state_files


def _collect():
    lines: list[str] = []
    return lines, lines.append


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    state_files.atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_unreadable_beat_schedule_is_removed(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    with shelve.open(str(schedule)) as db:
        db["entries"] = {"a": 1}
    lines, say = _collect()
    assert state_files.beat_schedule_check(schedule, say=say) is False and lines == []
    for p in tmp_path.glob("celerybeat-schedule*"):
        p.write_bytes(b"\0garbage")
    assert state_files.beat_schedule_check(schedule, say=say) is True
    assert list(tmp_path.glob("celerybeat-schedule*")) == []
    assert len(lines) == 1 and "beat schedule" in lines[0]


def test_damaged_queue_messages_are_moved_aside_and_whole_ones_stay(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "1_a.celery.msg").write_text(json.dumps({"body": "x", "headers": {}}))
    (inbox / "2_b.celery.msg").write_text('{"body": "trunc')
    (inbox / "3_c.celery.msg").write_bytes(b"")
    lines, say = _collect()
    assert state_files.broker_queue_check(tmp_path, say=say) == 2
    assert [p.name for p in inbox.iterdir()] == ["1_a.celery.msg"]
    assert sorted(p.name for p in (tmp_path / "damaged").iterdir()) == ["2_b.celery.msg", "3_c.celery.msg"]
    assert len(lines) == 1


def test_unreadable_page_cache_entries_are_deleted(tmp_path):
    good = tmp_path / "good.djcache"
    good.write_bytes(pickle.dumps(None) + zlib.compress(pickle.dumps("page")))
    (tmp_path / "bad.djcache").write_bytes(b"\x80trunc")
    lines, say = _collect()
    assert state_files.page_cache_check(tmp_path, say=say) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["good.djcache"] and len(lines) == 1


def test_unreadable_static_manifest_is_removed(tmp_path):
    manifest = tmp_path / "staticfiles.json"
    manifest.write_text(json.dumps({"paths": {}, "version": "1.1"}))
    lines, say = _collect()
    assert state_files.static_manifest_check(tmp_path, say=say) is False
    manifest.write_text('{"paths": {"a')
    assert state_files.static_manifest_check(tmp_path, say=say) is True
    assert not manifest.exists() and len(lines) == 1
