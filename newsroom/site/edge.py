"""The edge cache (Varnish with ``xkey``, ``deploy/varnish/desk.vcl``): the keys a public answer
depends on and the purges that forget them. The mechanism only, as ``cache.py`` is for the page
cache; *which* keys a page carries is decided where it is rendered (``rendering.render``, the
views, feeds, sitemaps and API) and *which* a change purges by the one owner
(``rendering.owner``).

- **Tagging.** While a public view runs, :func:`collecting` gathers the keys it reads
  (:func:`keys_add`); the view wrappers (``cache.site_page``, ``api_http.ApiMiddleware``) write
  them as one ``xkey`` header on a cacheable 200. The page cache keeps that header with the page,
  so a warm answer carries the same keys. An answer without the header is never kept by Varnish
  (search, errors, desk pages, anything that set a cookie): tagging is what makes it cacheable.
- **Keys** (space-separated in the header): ``story-<id>`` (its page in every language, and every
  page showing it: its teaser in a tag, outlet, month or translator listing, its neighbours'
  related lists, its API answer), ``person-<user id>`` (every answer naming that person: story
  pages and API answers crediting them, their translator page), ``people`` (who has a public
  page: the API's translators, the sitemap), and one key per listing and language:
  ``home-<lang>``, ``archive-<lang>``, ``month-<lang>-<yyyy>-<mm>``, ``tag-<id>-<lang>``,
  ``outlet-<id>-<lang>``, ``feeds-<lang>``, ``api-<lang>`` (the API's lists) and ``sitemap``.
- **Purging.** :func:`edge_purge` queues keys for every edge in ``EDGE_PURGE_URLS`` (empty: off)
  and sends them once the surrounding transaction commits (one callback per transaction, after
  the page cache's own on-commit forgetting, so the edge's next fetch gets the new bytes): a
  ``PURGE`` with ``xkey-purge: <keys>`` (a hard purge: the objects are gone, grace cannot serve
  them), sent directly from the committing process with a short timeout (``EDGE_PURGE_TIMEOUT``,
  1 s) and one retry. Chosen over a Celery task: a purge must land within a second, and a queue
  behind a busy or killed worker would not; an edge that cannot be reached twice in a row is
  down (its memory cache is gone with it) or cut off (its objects expire within the edge TTL,
  ``EDGE_TTL`` in the VCL), and the failure is logged.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import http.client
import logging
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse

log = logging.getLogger(__name__)

HEADER = "xkey"
PURGE_HEADER = "xkey-purge"
PEOPLE = "people"
SITEMAP = "sitemap"
# Keys per PURGE request: Varnish's default limit for a request header is 8 KB.
CHUNK = 200


def story(pk: int) -> str:
    return f"story-{pk}"


def person(user_id: int) -> str:
    return f"person-{user_id}"


def home(lang: str) -> str:
    return f"home-{lang}"


def archive(lang: str) -> str:
    return f"archive-{lang}"


def month(lang: str, when: dt.date | dt.datetime) -> str:
    return f"month-{lang}-{when.year:04d}-{when.month:02d}"


def tag(pk: int, lang: str) -> str:
    return f"tag-{pk}-{lang}"


def outlet(pk: int, lang: str) -> str:
    return f"outlet-{pk}-{lang}"


def feeds(lang: str) -> str:
    return f"feeds-{lang}"


def api(lang: str) -> str:
    return f"api-{lang}"


# --------------------------------------------------------------------------- tagging

_collected: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("edge_keys", default=None)


@contextmanager
def collecting() -> Iterator[set[str]]:
    """Gather the keys :func:`keys_add` is given while the block runs (a view's answer)."""
    keys: set[str] = set()
    token = _collected.set(keys)
    try:
        yield keys
    finally:
        _collected.reset(token)


def keys_add(*keys: str) -> None:
    """The answer being made depends on ``keys`` (a no-op outside :func:`collecting`)."""
    collected = _collected.get()
    if collected is not None:
        collected.update(k for k in keys if k)


def response_tag(response: HttpResponse, keys: Iterable[str]) -> None:
    """Write ``keys`` as the ``xkey`` header of a cacheable answer (none: the edge keeps nothing)."""
    keys = sorted(set(keys))
    if keys:
        response.headers[HEADER] = " ".join(keys)


def stories_keys(items: Iterable[Any]) -> list[str]:
    """The story keys of a listing page's items (stories, or stored teasers with their ``pk``)."""
    found = []
    for item in items:
        pk = item.get("pk") if isinstance(item, dict) else getattr(item, "pk", None)
        if pk:
            found.append(story(int(pk)))
    return found


# --------------------------------------------------------------------------- purging


class _Pending:
    """The keys one transaction purges, sent once by its on-commit callback."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.sent = False

    def send(self) -> None:
        self.sent = True
        edge_purge_now(keys=self.keys)


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("edge_pending", default=None)


def edge_purge(*, keys: Iterable[str]) -> None:
    """Purge ``keys`` from every edge once the surrounding transaction commits (at once outside one).

    Keys queued one after the other in a transaction go out together in one callback (a new one
    when other on-commit work was queued in between, so the purge always follows the page
    cache's forgetting). A transaction rolled back drops its callback, and the next purge starts
    a new one.
    """
    if not _urls():
        return
    keys = {k for k in keys if k}
    if not keys:
        return
    pending = _pending.get()
    if pending is None or not _registered(pending):
        pending = _Pending()
        _pending.set(pending)
        pending.keys |= keys
        transaction.on_commit(pending.send, robust=True)  # at once in autocommit; never fails the change
        return
    pending.keys |= keys


def _registered(pending: _Pending) -> bool:
    """Is ``pending``'s callback the last one waiting for this connection's commit? Only then
    are more keys added to it: a callback registered since (the page cache's forgetting of a
    later change) must run before these keys are purged, so they go in a new one after it."""
    queued = connection.run_on_commit
    return not pending.sent and connection.in_atomic_block and bool(queued) and queued[-1][1] == pending.send


def is_enabled() -> bool:
    """Is any edge configured (``EDGE_PURGE_URLS``)? Callers skip computing keys when not."""
    return bool(_urls())


def _urls() -> list[str]:
    return [url for url in getattr(settings, "EDGE_PURGE_URLS", []) if url]


def edge_purge_now(*, keys: Iterable[str]) -> int:
    """Send ``PURGE`` with ``xkey-purge`` for ``keys`` to every configured edge now (a short
    timeout and one retry each); returns how many requests an edge answered with a 2xx."""
    keys = sorted(set(keys))
    done = 0
    if not keys:
        return 0
    timeout = float(getattr(settings, "EDGE_PURGE_TIMEOUT", 1.0))
    for url in _urls():
        for start in range(0, len(keys), CHUNK):
            chunk = " ".join(keys[start : start + CHUNK])
            for attempt in (1, 2):
                try:
                    status = _purge_request(url, chunk, timeout=timeout)
                except (OSError, http.client.HTTPException) as exc:
                    status, error = 0, str(exc) or type(exc).__name__
                else:
                    error = f"HTTP {status}"
                if 200 <= status < 300:
                    done += 1
                    break
                if attempt == 2:
                    log.error("Edge purge failed at %s (%s); keys: %s", url, error, chunk)
                else:
                    time.sleep(0.1)
    return done


def _purge_request(url: str, keys: str, *, timeout: float) -> int:
    parts = urllib.parse.urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("PURGE", parts.path or "/", headers={PURGE_HEADER: keys})
        response = conn.getresponse()
        response.read()
        return int(response.status)
    finally:
        conn.close()
