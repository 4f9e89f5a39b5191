"""The Celery application. Tasks live in ``newsroom/tasks.py`` and ``translations/tasks.py``."""

import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import beat_init, before_task_publish, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_folders_made = False


@before_task_publish.connect
@worker_init.connect
@beat_init.connect
def broker_folders_ensure(**_kwargs: Any) -> None:
    """The filesystem broker needs its folders: made by the first process that publishes or consumes."""
    global _folders_made
    if _folders_made:
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    _folders_made = True
