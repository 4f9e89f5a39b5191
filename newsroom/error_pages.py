"""Error pages people can act on: 403, 404 and 405 in the frame of the surface they were using.

A desk address (``/desk/``, ``/accounts/``, ``/join/``, ``/admin/``) gets the desk's frame, with
its navigation, the sentence the server refused with and a way back; a public address gets the
site's frame (rendered without the session, as every site page). No page here has inline
style or script, so the CSP holds on errors too.

A GET on a POST-only desk address (a reload of ``/desk/t/<pk>/submit/`` after a refused submit,
a bookmarked action) is sent back to the page the action belongs to, the address one level
up, with a message saying nothing was changed; only when there is no such page the styled 405
is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from newsroom.core import factors
from newsroom.core.surfaces import is_signed_in_path

logger = logging.getLogger(__name__)


TITLES = {
    403: "You cannot do this",
    404: "Page not found",
    405: "This address does not take that request",
}


def is_desk_path(path: str) -> bool:
    return is_signed_in_path(path)


def _desk_error(request: HttpRequest, *, status: int, sentence: str, back: str, reverify: str = "") -> HttpResponse:
    try:
        return render(
            request, "desk/error.html",
            {"status": status, "title": TITLES[status], "sentence": sentence, "back": back, "reverify": reverify},
            status=status,
        )  # fmt: skip
    except Exception:  # an error page must never become a 500
        logger.exception("%s page failed to render", status)
        return HttpResponse(sentence, status=status, content_type="text/plain; charset=utf-8")


def _site_error(request: HttpRequest, *, status: int, sentence: str) -> HttpResponse:
    from newsroom.site import views as site_views

    try:
        return site_views.error_page(request, status=status, title=TITLES[status], sentence=sentence)
    except Exception:
        logger.exception("%s page failed to render", status)
        return HttpResponse(sentence, status=status, content_type="text/plain; charset=utf-8")


def _back(request: HttpRequest) -> str:
    return "/desk/" if request.path.startswith("/desk/") else "/"


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the refusal's own sentence ("Only reviewers and editors can preview.")."""
    sentence = str(exception or "").strip() or _("You do not have permission to see this page.")
    if is_desk_path(request.path):
        reverify = ""
        if isinstance(exception, factors.FactorStale):
            # Back to the page the refused form was on once verified (a POST address cannot be reloaded).
            referer = request.META.get("HTTP_REFERER", "")
            came_from = referer if url_has_allowed_host_and_scheme(referer, {request.get_host()}) else request.path
            reverify = factors.verify_url(came_from)
        return _desk_error(request, status=403, sentence=sentence, back=_back(request), reverify=reverify)
    return _site_error(request, status=403, sentence=sentence)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the desk's frame for desk addresses, the site's styled 404 otherwise."""
    if is_desk_path(request.path):
        sentence = _("There is nothing at this address on the desk. It may have been removed, or mistyped.")
        return _desk_error(request, status=404, sentence=sentence, back=_back(request))
    from newsroom.site import views as site_views

    return site_views.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page has inline style, which the CSP blocks."""
    sentence = _(
        "The form had expired or was sent from another site, so nothing was changed. Reload the page and try again."
    )
    return _desk_error(request, status=403, sentence=sentence, back=request.path if request.path else "/")


def _parent_page(path: str) -> str | None:
    """The page a desk action address belongs to: ``/desk/t/5/submit/`` → ``/desk/t/5/``."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 2:
        parts = parts[:-1]
        candidate = "/".join(parts) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate  # if it is POST-only too, its own GET climbs one level further
    return None


class MethodNotAllowedMiddleware:
    """Turns the bare 405 of ``require_POST`` / ``require_safe`` into something a person can use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False):
            return response
        if not is_desk_path(request.path):
            styled = _site_error(request, status=405, sentence=_("This page can only be read, not sent to."))
        else:
            parent = _parent_page(request.path) if request.method in ("GET", "HEAD") else None
            if parent is not None and parent != request.path:
                if request.method == "GET":
                    messages.info(request, _("That action needs its button on this page; nothing was changed."))
                return HttpResponseRedirect(parent)
            styled = _desk_error(
                request,
                status=405,
                sentence=_("This address only takes a form sent from its page; nothing was changed."),
                back=_back(request),
            )
        if "Allow" in response.headers:
            styled.headers["Allow"] = response.headers["Allow"]
        # The bare answer was logged where it was made ("Method Not Allowed (DELETE): …"): once is enough.
        styled._has_been_logged = getattr(response, "_has_been_logged", False)  # type: ignore[attr-defined]
        return styled
