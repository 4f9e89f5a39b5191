"""Fault drills: the desk keeps working and loses nothing when its parts fail.

1. The broker is down while an editor publishes: the publication commits, the notices wait in
   the outbox, and the pending sweep emails each exactly once when the broker is back.
2. A worker is killed (SIGKILL) in the middle of sending an email. The embedded filesystem
   broker does *not* redeliver it: kombu's filesystem transport moves the message file out of
   the queue folder when a worker fetches it, and keeps unacknowledged messages only in the
   worker's memory (``QoS._delivered``), restoring them only on a clean shutdown. So
   ``acks_late`` cannot help on that transport after a SIGKILL (Redis and RabbitMQ do
   redeliver). What matters holds anyway: the killed transaction rolled back, the notice is
   still unsent in the outbox, and the ``notifications_send_pending`` sweep (beat, every
   minute) sends it, once. The remaining window is the classic one between the SMTP server
   accepting a message and the commit of ``emailed_at``: a kill exactly there sends twice.
3. The database restarts while readers read and a translator autosaves: ``bench/faults.py``
   (its own throwaway PostgreSQL server and gunicorn; never the shared embedded server), run
   here by ``test_db_restart_drill``.
4. A feed that hangs or serves garbage does not hold up the others.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from newsroom.models import Outlet
from tests.factories import TranslationFactory, UserFactory
from translations import tasks
from translations.models import Notification, State
from translations.people import notifications

ROOT = Path(__file__).resolve().parent.parent
transactional = pytest.mark.django_db(transaction=True)


# --- 1. Broker down while an editor publishes ----------------------------------------


@pytest.fixture
def broker_down(settings):
    """Point the Celery app at a port nothing listens on, failing fast (no retries).

    AMQP rather than Redis: the redis client library is not installed here; the failure mode
    (connection refused at publish time) is the same.
    """
    from newsroom.celery import app

    keys = [
        "task_always_eager",
        "broker_url",
        "broker_connection_timeout",
        "broker_connection_retry",
        "broker_connection_max_retries",
        "task_publish_retry",
        "broker_transport_options",
    ]
    saved = {key: app.conf[key] for key in keys}

    def reset_pools() -> None:
        # kombu keeps a process-wide registry of producer pools keyed by connection; reset it
        # too, or later tests (eager tasks still acquire a producer) get a closed pool.
        from kombu import pools

        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(
        task_always_eager=False,
        broker_url="amqp://guest:guest@127.0.0.1:1//",
        broker_connection_timeout=1,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        task_publish_retry=False,
        broker_transport_options={"max_retries": 0},
    )
    reset_pools()
    yield app
    app.conf.update(saved)
    reset_pools()


def test_publish_commits_while_the_broker_is_down_and_the_sweep_emails_once(
    client, editor, reviewer, broker_down, mailoutbox, django_capture_on_commit_callbacks
):
    translator = UserFactory(username="drill-translator", roles=["translator"])
    t = TranslationFactory(state=State.APPROVED, translator=translator, reviewer=reviewer)
    client.force_login(editor)

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:transition", kwargs={"pk": t.pk, "action": "publish"}), {"comment": ""})
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert elapsed < 5, f"publishing waited {elapsed:.1f} s for the broker"
    t.refresh_from_db()
    assert t.state == State.PUBLISHED
    assert t.article.title_en == t.title and t.article.published_at_en is not None
    pending = Notification.objects.filter(emailed_at__isnull=True)
    assert {n.user_id for n in pending} == {translator.pk, reviewer.pk}
    assert mailoutbox == []
    with pytest.raises(Exception):  # noqa: B017 - the broker really is unreachable
        tasks.notifications_send.delay([1])

    # The broker is back: beat runs the sweep.
    assert tasks.notifications_send_pending() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([translator.email, reviewer.email])
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert tasks.notifications_send_pending() == 0
    assert len(mailoutbox) == 2


# --- 2. A worker killed in the middle of a task ---------------------------------------


def _broker_options(broker: Path) -> dict[str, str]:
    return {
        "data_folder_in": str(broker / "in"),
        "data_folder_out": str(broker / "in"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
    }


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "newsroom", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
@transactional
def test_worker_killed_mid_send_loses_nothing_and_the_sweep_sends_once(tmp_path, settings):
    broker = tmp_path / "broker"
    for sub in ("in", "processed", "control"):
        (broker / sub).mkdir(parents=True)
    mail_log = tmp_path / "mail.log"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_DIR": str(broker),
        "DESK_TESTING": "1",
        "EMAIL_URL": "",
        "EMAIL_BACKEND": "tests.slow_mail_backend.SlowEmailBackend",
        "SLOW_MAIL_FILE": str(mail_log),
        "SLOW_MAIL_SECONDS": "60",
        "PYTHONPATH": str(ROOT),
    }
    recipient = UserFactory(username="drill-recipient", email="drill-recipient@desk.example")
    notice = Notification.objects.create(user=recipient, kind="published", key="drill:kill", text="Published: drill")
    client = Celery("client", broker="filesystem://")
    client.conf.broker_transport_options = _broker_options(broker)
    worker_log = tmp_path / "worker.log"

    first = _start_worker(env, worker_log)
    try:
        client.send_task("translations.tasks.notifications_send", args=[[notice.pk]])
        _wait_for(mail_log.with_suffix(".started").exists, 30, "the worker to start sending")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    # Killed inside the send: no email went out, the transaction rolled back, and the message is
    # gone from the filesystem broker (moved out at fetch, never acknowledged, never restored).
    assert not mail_log.exists()
    _wait_for(lambda: Notification.objects.get(pk=notice.pk).emailed_at is None, 5, "the rollback")
    assert [p.name for p in (broker / "in").iterdir() if "celery" in p.name] == []

    second = _start_worker({**env, "SLOW_MAIL_SECONDS": "0.2"}, worker_log)
    try:
        client.send_task("translations.tasks.notifications_send_pending")
        _wait_for(lambda: Notification.objects.get(pk=notice.pk).emailed_at is not None, 30, "the sweep to send")
        client.send_task("translations.tasks.notifications_send_pending")  # a second sweep sends nothing
        client.send_task("translations.tasks.notifications_send", args=[[notice.pk]])  # nor a late retry
        _wait_for(lambda: not any((broker / "in").iterdir()), 15, "the worker to drain the queue")
        time.sleep(0.5)
    finally:
        second.terminate()
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
    lines = mail_log.read_text().splitlines()
    assert lines == ["drill-recipient@desk.example\tPublished: drill"], worker_log.read_text()[-3000:]


# --- 3. The database restarts while people work ---------------------------------------


def _can_run_own_postgres() -> bool:
    from newsroom.core import embedded_db

    if embedded_db._debian_bin_dir() is None:
        return False
    if os.geteuid() != 0:
        return True
    import pwd

    try:
        pwd.getpwnam("pgserver")
    except KeyError:
        return False
    return True


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
@pytest.mark.skipif(not _can_run_own_postgres(), reason="needs Debian's PostgreSQL (and the pgserver user as root)")
def test_db_restart_drill():
    """About 13 s: its own PostgreSQL, migrated, served by gunicorn, stopped and started again."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "faults.py")], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "lost: 0" in result.stdout


# --- 4. A feed that hangs or returns garbage ------------------------------------------


@transactional
def test_hanging_or_garbage_feed_does_not_block_the_others(fixture_server, monkeypatch):
    feed_polling = pytest.importorskip(
        "newsroom.sources.polling", reason="newsroom/sources/polling.py is not there yet"
    )
    from newsroom.models import Feed

    cap = 2.0
    monkeypatch.setenv("DESK_IMPORT_ALLOW_LOOPBACK", "1")
    monkeypatch.setattr(feed_polling, "FEED_FETCH_TIMEOUT", cap)
    outlet = Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")
    feeds = {
        "hanging": Feed.objects.create(outlet=outlet, url=f"{fixture_server}/_t/hang-feed"),
        "garbage": Feed.objects.create(outlet=outlet, url=f"{fixture_server}/_t/json"),
        "good": Feed.objects.create(outlet=outlet, url=f"{fixture_server}/sources/feeds/outlet.rss"),
    }
    done: dict[str, tuple[float, Any]] = {}
    started = time.monotonic()

    def poll(name: str, feed_id: int) -> None:
        try:
            done[name] = (time.monotonic() - started, feed_polling.feed_poll(feed_id=feed_id))
        finally:
            connection.close()

    # Each feed is its own Celery task in production: here, one thread each, all at once.
    threads = [threading.Thread(target=poll, args=(name, feed.pk)) for name, feed in feeds.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=cap + 15)
    assert set(done) == set(feeds), "a poll never returned"

    good_at, good = done["good"]
    assert not good.error and good.new_items > 0
    assert good_at < cap, "the good feed waited for the hanging one"
    assert done["garbage"][1].error and done["garbage"][0] < cap
    hang_at, hung = done["hanging"]
    assert hung.error and hang_at < cap + 3, f"the hanging feed took {hang_at:.1f} s (cap {cap} s)"
    for name in ("hanging", "garbage"):
        feed = Feed.objects.get(pk=feeds[name].pk)
        assert feed.consecutive_errors == 1 and feed.last_error
        assert feed.next_poll_at is not None and feed.next_poll_at > timezone.now() + dt.timedelta(minutes=30)
    assert Feed.objects.get(pk=feeds["good"].pk).last_error == ""


def test_notifications_send_is_safe_to_run_twice(db, mailoutbox):
    """The property redelivery relies on: a second run of the same task sends nothing."""
    recipient = UserFactory(email="twice@desk.example")
    notice = Notification.objects.create(user=recipient, kind="published", key="drill:twice", text="Published: x")
    assert notifications.notifications_send(ids=[notice.pk]) == 1
    assert notifications.notifications_send(ids=[notice.pk]) == 0
    assert [m.to for m in mailoutbox] == [["twice@desk.example"]]
