"""A real Celery worker process on the embedded (filesystem) broker runs a task against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from tests.factories import TranslationFactory
from translations import workflow
from translations.models import Notification, State

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(tmp_path, transactional_db):
    broker = tmp_path / "broker"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_DIR": str(broker),
        "DESK_TESTING": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "SITE_URL": "http://desk.example",
    }
    env["EMAIL_URL"] = ""
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "newsroom",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    app = Celery("client", broker="filesystem://")
    app.conf.broker_transport_options = {
        "data_folder_in": str(broker / "in"),
        "data_folder_out": str(broker / "in"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
    }
    for sub in ("in", "processed", "control"):
        (broker / sub).mkdir(parents=True, exist_ok=True)
    yield app, tmp_path / "mail"
    proc.terminate()
    try:
        output, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    print(output.decode(errors="replace")[-3000:])  # shown by pytest when the test fails


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
def test_real_worker_sends_the_queued_notification_email(worker, reviewer):
    app, mail_dir = worker
    t = TranslationFactory(state=State.IN_PROGRESS, reviewer=reviewer)
    # Record the notice the way the workflow does, without running delivery in this process.
    from translations.people import notifications

    original = notifications.notifications_queue
    notifications.notifications_queue = lambda ids: None
    try:
        workflow.translation_submit(translation=t, by=t.translator)
    finally:
        notifications.notifications_queue = original
    notice = Notification.objects.get(user=reviewer)
    assert notice.emailed_at is None

    app.send_task("translations.tasks.notifications_send", args=[[notice.pk]])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notice.refresh_from_db()
        if notice.emailed_at is not None:
            break
        time.sleep(0.3)
    assert notice.emailed_at is not None, "the worker did not run the task within 60 s"
    sent = "".join(p.read_text() for p in mail_dir.iterdir())
    assert reviewer.email in sent and "Ready for review" in sent
