"""The files the desk keeps between runs under ``.data/``, and how each survives a hard kill.

Every writer here writes atomically (a temporary file in the same folder, fsync, rename), so a
kill leaves either the old file or the new one. Every reader validates what it finds and
rebuilds what it cannot read, saying so in one line on stderr. ``state_repair`` runs the
checks ``make run`` needs before it starts its processes:

- the generated development secret (``.data/secret_key``): written atomically, regenerated
  when empty or unreadable (sessions made with the old one end);
- the Celery beat schedule (``.data/celerybeat-schedule*``): a shelve; removed when it cannot
  be read, beat rebuilds it from the settings;
- the filesystem broker's queue (``.data/broker/in``): a message file that is not a whole JSON
  message is moved to ``.data/broker/damaged`` (its work is redone by the periodic sweeps,
  which read the database, so nothing acknowledged is lost);
- the caches (``.data/cache`` and ``.data/cache/pages``, ``newsroom/core/caching.py``): Django
  writes each entry atomically; an entry that does not unpickle is deleted;
- the static files manifest (``.data/static/staticfiles.json``): removed when it is not valid
  JSON; ``collectstatic`` writes it again on every start.

The embedded database keeps its own files; ``newsroom/core/embedded_db.py`` checks those.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import secrets
import shutil
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

Say = Callable[[str], None]

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name
_SECRET_MIN_LENGTH = 50


def say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a kill at any moment leaves the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def dev_secret(data_dir: Path, *, say: Say = say_on_stderr) -> str:
    """The development desk's secret key, generated once and kept in ``data_dir``."""
    path = data_dir / SECRET_FILE_NAME
    try:
        value: str | None = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = None
    except (OSError, UnicodeDecodeError):
        value = ""
    if value and len(value) >= _SECRET_MIN_LENGTH and value.isprintable() and " " not in value:
        return value
    new = secrets.token_urlsafe(50)
    atomic_write(path, new.encode("ascii"))
    if value is not None:  # there was a file, and it was damaged
        say(f"Replaced an unreadable development secret key in {path} (everyone must log in again).")
    return new


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def beat_schedule_check(schedule: Path, *, say: Say = say_on_stderr) -> bool:
    """Remove the beat schedule when it cannot be read; True when something was repaired."""
    import dbm
    import shelve

    files = [p for p in schedule.parent.glob(schedule.name + "*") if p.is_file()]
    if not files:
        return False
    try:
        with shelve.open(str(schedule), flag="r") as db:  # noqa: S301 - our own file
            for key in list(db.keys()):
                db[key]
    except (dbm.error[0], Exception):  # noqa: B014 - any failure to read it is damage
        for p in files:
            _remove(p)
        say(f"Removed an unreadable Celery beat schedule ({schedule.name}); beat rebuilds it from the settings.")
        return True
    return False


def broker_queue_check(broker_dir: Path, *, say: Say = say_on_stderr) -> int:
    """Move queue files that are not whole messages aside; return how many were moved."""
    inbox = broker_dir / "in"
    if not inbox.is_dir():
        return 0
    damaged = broker_dir / "damaged"
    moved = 0
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or not path.name.endswith(".msg"):
            continue
        try:
            message = json.loads(path.read_bytes().decode("utf-8"))
            ok = isinstance(message, dict) and "body" in message
        except (OSError, ValueError):
            ok = False
        if not ok:
            damaged.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.replace(path, damaged / path.name)
                moved += 1
    if moved:
        say(
            f"Moved {moved} damaged message file(s) from the task queue to {damaged}; "
            "the periodic sweeps redo their work."
        )
    return moved


def page_cache_check(cache_dir: Path, *, say: Say = say_on_stderr) -> int:
    """Delete page cache entries that cannot be read; return how many."""
    if not cache_dir.is_dir():
        return 0
    removed = 0
    for path in cache_dir.glob("*.djcache"):
        try:
            with path.open("rb") as f:
                pickle.load(f)  # noqa: S301 - the expiry time, written by Django's file cache
                pickle.loads(zlib.decompress(f.read()))  # noqa: S301
        except FileNotFoundError:
            continue
        except Exception:  # noqa: BLE001 - any failure to read it is damage
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed += 1
    for path in cache_dir.glob("*.tmp"):
        _remove(path)
    if removed:
        say(f"Deleted {removed} unreadable page cache file(s) in {cache_dir}.")
    return removed


def static_manifest_check(static_root: Path, *, say: Say = say_on_stderr) -> bool:
    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return False
    try:
        ok = isinstance(json.loads(manifest.read_text(encoding="utf-8")).get("paths"), dict)
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        _remove(manifest)
        say(f"Removed an unreadable static files manifest ({manifest}); collectstatic writes it again.")
        return True
    return False


def state_repair(*, say: Say = say_on_stderr) -> None:
    """Check every state file ``make run`` relies on (see the module docstring)."""
    from django.conf import settings
    from django.core.cache.backends.filebased import FileBasedCache
    from django.utils.module_loading import import_string

    beat_schedule_check(Path(settings.CELERY_BEAT_SCHEDULE_FILENAME), say=say)
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if settings.CELERY_BROKER_URL == "filesystem://" and options.get("data_folder_in"):
        broker_queue_check(Path(options["data_folder_in"]).parent, say=say)
    for cache in settings.CACHES.values():
        if issubclass(import_string(str(cache["BACKEND"])), FileBasedCache):
            page_cache_check(Path(str(cache["LOCATION"])), say=say)
    static_manifest_check(Path(settings.STATIC_ROOT), say=say)
