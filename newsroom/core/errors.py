"""The desk's refusals: one base for every error a person is meant to read.

A service that refuses raises a :class:`DeskError` subclass whose ``message`` is a sentence
for the person (what went wrong and what to do); views show that sentence and write nothing.
``PermissionDenied`` stays Django's own, for "you may not".
"""

from __future__ import annotations


class DeskError(Exception):
    """A refusal the person can act on; ``message`` is the sentence shown to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
