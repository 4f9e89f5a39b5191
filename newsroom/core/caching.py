"""The desk's two caches, and the file cache a single machine keeps them in.

- ``default``: what the desk's rules stand on while it lasts: the versions every kept page is
  keyed on (``site:version`` …), the API's and the password reset's rate counters, who is
  editing what. Losing one of these is never unsafe (a lost version is a new version), but a
  lost counter lets a client start again, and a lost version throws every kept page away.
- ``pages`` (:data:`page_cache`): what readers' pages are made of, rebuilt from the database
  whenever it is missing: whole pages, API answers, listing pages and counts. A reader chooses
  its keys (every search is a new page), so it is the cache that fills up.

With Redis (a cluster, production) both are the same server, which forgets each key when it
expires. On one machine (``make run``) each is a folder of :class:`FileCache` files, so a
flood of pages can never push out a counter or a version.
"""

from __future__ import annotations

import os
import pickle
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.utils.connection import ConnectionProxy

PAGES = "pages"

page_cache = ConnectionProxy(caches, PAGES)


class FileCache(FileBasedCache):
    """Django's file cache, culled by age instead of at random, and without listing its folder
    on every write.

    Django's file cache lists its whole folder before every write (11 ms at 10,000 entries) and,
    once it holds ``MAX_ENTRIES`` files, deletes a random ``1/CULL_FREQUENCY`` of them whatever
    they are: a version as readily as a page that expired an hour ago. Here:

    - the folder is listed again only when the writes since the last listing could have filled
      it, counting every process and thread as writing as much as this one
      (:data:`WRITERS`), or after :data:`RELIST_SECONDS`;
    - a full cache deletes everything that has expired and, up to ``1/CULL_FREQUENCY`` of the
      entries, what expires, oldest written first; what was kept without a timeout (the site's
      version) goes only when nothing else is left to cull, oldest first."""

    WRITERS = 32
    RELIST_SECONDS = 60.0

    def __init__(self, dir: str, params: dict[str, Any]) -> None:  # noqa: A002 - Django's name
        super().__init__(dir, params)
        self._listed_count, self._listed_at, self._writes = 0, -self.RELIST_SECONDS, 0

    def _cull(self) -> None:
        self._writes += 1
        headroom = (self._max_entries - self._listed_count) // self.WRITERS
        if self._writes < headroom and time.monotonic() - self._listed_at < self.RELIST_SECONDS:
            return
        try:
            with os.scandir(self._dir) as found:  # type: ignore[attr-defined]  # Django's, not in django-stubs
                entries = [entry.path for entry in found if entry.name.endswith(self.cache_suffix)]
        except FileNotFoundError:
            entries = []
        self._listed_count, self._listed_at, self._writes = len(entries), time.monotonic(), 0
        if len(entries) < self._max_entries:
            return
        if self._cull_frequency == 0:
            self.clear()
            return
        now, expired, dated, kept = time.time(), [], [], []
        for path in entries:
            try:
                with open(path, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301 - the expiry time, written by this cache
                written = os.stat(path).st_mtime
            except (OSError, EOFError, pickle.UnpicklingError):
                continue  # deleted meanwhile, or being replaced
            if expiry is None:
                kept.append((written, path))
            elif expiry < now:
                expired.append(path)
            else:
                dated.append((written, path))
        victims = expired + [path for _written, path in sorted(dated) + sorted(kept)]
        victims = victims[: max(len(expired), len(entries) // self._cull_frequency)]
        for path in victims:
            self._delete(path)  # type: ignore[attr-defined]  # Django's: a file gone meanwhile is no error
        self._listed_count -= len(victims)
