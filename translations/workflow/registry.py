"""The workflow's verbs, in one registry every route reads.

The service functions (``workflow.translation_<verb>``), the shared endpoint
(``desk:transition``), the buttons of the translation page and the route walk's list of
actions all come from here; adding a verb is one :func:`register`-ed class in ``actions.py``.
Order is registration order: the order of the buttons.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from translations.models import Translation
from translations.workflow.base import Transition

REGISTRY: dict[str, type[Transition]] = {}

V = TypeVar("V", bound=type[Transition])


def register(verb: V) -> V:
    """Class decorator: ``verb`` becomes a workflow verb under its ``name``."""
    if verb.name in REGISTRY and REGISTRY[verb.name] is not verb:
        raise ValueError(f"A workflow verb named {verb.name!r} is already registered.")
    REGISTRY[verb.name] = verb
    return verb


@contextmanager
def registered(verb: type[Transition]) -> Iterator[type[Transition]]:
    """``verb`` registered for the duration of a ``with`` block (tests)."""
    register(verb)
    try:
        yield verb
    finally:
        REGISTRY.pop(verb.name, None)


def verb(name: str) -> type[Transition] | None:
    """The verb called ``name``, or None."""
    return REGISTRY.get(name)


def verbs() -> list[type[Transition]]:
    return list(REGISTRY.values())


def available(*, user: Any, translation: Translation) -> list[type[Transition]]:
    """The verbs ``user`` may take on ``translation`` now, in button order."""
    return [v for v in REGISTRY.values() if v.is_available(user=user, translation=translation)]
