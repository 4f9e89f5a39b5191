"""Run ``makemigrations --check --dry-run`` once per combination of publishing languages.

Usage: ``python -m tests.schema_per_languages de,pl de ...`` (an empty argument is English
only). Each combination runs in its own forked child, so settings and models are built afresh
from the environment, while the parent imports Django's heavy modules only once. Prints one
``<combination> <exit status>`` line each; exits 1 if any combination needs a migration.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout


def _check(extra: str) -> int:
    os.environ["EXTRA_PUBLISHING_LANGUAGES"] = extra
    import django
    from django.core.management import call_command

    django.setup()
    out = io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            call_command("makemigrations", check=True, dry_run=True, verbosity=1)
    except SystemExit as e:
        return int(e.code or 0)
    return 0 if "No changes detected" in out.getvalue() else 1


def main(combinations: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # Imported before forking: they do not read settings, and each child reuses them.
    import django.contrib.postgres.fields  # noqa: F401
    import django.db.migrations.autodetector  # noqa: F401
    import django.db.models  # noqa: F401
    import psycopg  # noqa: F401

    failed = 0
    for extra in combinations:
        pid = os.fork()
        if pid == 0:
            try:
                code = _check(extra)
            except BaseException as e:  # noqa: BLE001 - report any failure as a status
                print(f"{extra or '-'} error {e!r}", flush=True)
                code = 2
            os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(f"{extra or '-'} {code}", flush=True)
        failed |= code != 0
    return int(failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
