"""Queueing Celery tasks from services, by the task's dotted path.

Tasks sit above services (a task takes ids and calls a service), so a service that must queue
follow-up work never imports a ``tasks`` module: it names the task. The task object is looked
up when the work is queued, so eager mode in tests and retries on the worker behave as usual.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string


def enqueue(task: str, *args: Any, **kwargs: Any) -> Any:
    """``task.delay(*args, **kwargs)`` for the task at dotted path ``task``."""
    return import_string(task).delay(*args, **kwargs)
