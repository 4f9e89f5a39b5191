"""Log refusals as one line each; keep tracebacks for real errors.

Django logs every refused request (403 ``PermissionDenied``, 400 ``BadRequest``, a bad ``Host``
and other ``SuspiciousOperation``) with the exception's traceback. A desk refuses people all day
by design, and a log full of tracebacks hides the errors that matter. This filter, on the
console handler, turns a record of an answer below 500 (and every ``django.security.*``
record) into one line that names the reason; a 5xx keeps its traceback.
"""

from __future__ import annotations

import logging


class RefusalsOnOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        refused = (isinstance(status, int) and status < 500) or record.name.startswith("django.security.")
        if not refused or not record.exc_info:
            return True
        exc = record.exc_info[1]
        line = record.getMessage()
        reason = " ".join(str(exc).split()) if exc is not None else ""
        if exc is not None:
            line = f"{line} (refused: {type(exc).__name__}{': ' + reason if reason and reason not in line else ''})"
        record.msg, record.args = line, ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
