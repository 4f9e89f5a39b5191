"""Who may keep an answer: desk pages are private, and an answer that sets a cookie is never public.

Placed near the top of ``settings.MIDDLEWARE`` so it sees every answer after the session, CSRF,
messages and language middleware had their say (they set the cookies).

- The desk, the admin, the account pages and invitations (``core/surfaces.py``) carry
  ``Cache-Control: private``: a shared cache (a proxy, a CDN) must never keep one person's page
  for another.
- Any answer that sets a cookie and was marked ``public`` (a site page or an API answer that
  happened to touch the session) is made ``private`` instead: a shared cache would hand that
  cookie (a session, a CSRF token) to everyone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from newsroom.core.surfaces import is_signed_in_path


class CacheControlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        sets_cookie = bool(response.cookies) or "Set-Cookie" in response.headers
        if is_signed_in_path(request.path_info) or (
            sets_cookie and "public" in response.headers.get("Cache-Control", "")
        ):
            # (patch_cache_control drops "public" when "private" is set.)
            patch_cache_control(response, private=True)
        return response
