"""Input that arrives as junk: JSON bodies and text with characters no one types.

The form layer's helpers for what Django's forms do not cover: a JSON body (autosave) is
read here with limits on size and nesting, so a hostile or broken client gets a 400 with a
sentence instead of a RecursionError or a MemoryError, and text is cleaned of control
characters before a service stores it (PostgreSQL refuses NUL; XML feeds refuse the other C0
characters; a lone surrogate cannot be encoded at all).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _

from newsroom.core.errors import DeskError

# C0 controls except tab, newline and carriage return; DEL; lone UTF-16 surrogates.
_UNTYPABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# A desk JSON body is at most an object of objects of lists; anything deeper is not ours.
MAX_JSON_DEPTH = 20


class BadInput(DeskError):
    """Input that cannot be used; ``message`` says why, in a sentence for the person."""


def clean_text(value: str) -> str:
    """``value`` without characters nobody types (NUL, other C0 controls, DEL, lone surrogates)."""
    return _UNTYPABLE.sub("", value)


def clean_json_strings(value: Any) -> Any:
    """A parsed JSON value with :func:`clean_text` applied to every string, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json_strings(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json_strings(v) for k, v in value.items()}
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def json_body(request: HttpRequest) -> Any:
    """The request's JSON body, parsed, its strings cleaned. Raises BadInput for a body that is
    too large, not JSON, or nested deeper than any desk request is."""
    too_large = BadInput(_("This request is too large to save. Save a shorter text, or split it."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and declared > limit:
        raise too_large
    try:
        raw = request.body
    except RequestDataTooBig as e:
        raise too_large from e
    try:
        data = json.loads(raw or b"{}")
    except RecursionError as e:
        raise BadInput(_("This request is nested too deeply to read; reload the page and try again.")) from e
    except ValueError as e:  # includes UnicodeDecodeError
        raise BadInput(_("This request is not valid JSON; reload the page and try again.")) from e
    if _depth(data) > MAX_JSON_DEPTH:
        raise BadInput(_("This request is nested too deeply to read; reload the page and try again."))
    return clean_json_strings(data)
