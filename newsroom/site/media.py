"""Serving the stored source pictures from local storage (``MEDIA_ROOT``), when no one else does.

The desk keeps pictures on Django's default storage (``newsroom/sources/images.py``). With
object storage (django-storages, docs/DEPLOYMENT.md) the bucket or its CDN serves them and this
route is not mounted. With the default local storage someone must answer ``/media/…``:
whitenoise cannot, because it lists its files once at start-up and pictures are stored while
the desk runs. So ``make run`` serves them through Django, narrowly:

* only names the importer writes (``images/<2 hex>/<sha256>/<width>.webp``) match the route, so
  there is no directory listing, no other file under ``MEDIA_ROOT`` and no ``..``;
* only a regular file whose path, once every symbolic link is resolved, is still the same path
  inside ``MEDIA_ROOT``: a link placed in the folder (to ``.data/secret_key``, say) is a 404;
* ``django.views.static.serve`` (``safe_join`` under ``MEDIA_ROOT``, ``show_indexes=False``)
  reads the file and answers conditional requests;
* the names are content hashes, so a file never changes: it is cached for a year, immutable.

A reverse proxy in front of the desk may serve ``MEDIA_ROOT`` itself with the same headers.
"""

from __future__ import annotations

import stat
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

PICTURE_PATH = r"images/[0-9a-f]{2}/[0-9a-f]{64}/[0-9]{1,5}\.webp"


@require_safe
def media_picture(request: HttpRequest, path: str) -> HttpResponseBase:
    root = Path(settings.MEDIA_ROOT).resolve()
    wanted = root / path
    try:
        is_plain_file = wanted.resolve(strict=True) == wanted and stat.S_ISREG(wanted.lstat().st_mode)
    except OSError:
        is_plain_file = False
    if not is_plain_file:
        raise Http404("No such picture.")
    response = serve(request, path, document_root=str(root), show_indexes=False)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def media_urlpatterns() -> list[URLPattern]:
    """The route for local pictures, or none when the storage (e.g. a bucket) serves them itself."""
    prefix = settings.MEDIA_URL
    if not isinstance(default_storage, FileSystemStorage) or not prefix.startswith("/") or "//" in prefix:
        return []
    return [re_path(rf"^{prefix.strip('/')}/(?P<path>{PICTURE_PATH})$", media_picture, name="media_picture")]
