"""Template helpers for rendering stored blocks. Block HTML was sanitised when it was stored.

Used by the public site and the desk preview: ``trusted_html``, ``embed_src`` and ``safe_url``
keep their meaning for both.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from newsroom.core import times
from newsroom.core.html import HIGHLIGHT_START, HIGHLIGHT_STOP, body_groups, safe_url

register = template.Library()
register.filter("safe_url", safe_url)
register.filter("body_groups", body_groups)

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
VIMEO_ID = re.compile(r"^[0-9]{3,15}$")
# As django.utils.html.json_script: nothing in the data can close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def trusted_html(value: str) -> SafeString:
    """Mark block HTML safe: it passed nh3 on the way in (importing.py / publishing.py)."""
    return mark_safe(value or "")  # noqa: S308 - sanitised with nh3 before it was stored


@register.simple_tag
def embed_src(attrs: dict[str, Any]) -> str:
    """A privacy-friendly iframe address for an allowed embed, or "" to show a link instead."""
    provider = attrs.get("provider")
    video_id = str(attrs.get("video_id") or "")
    if provider == "youtube" and YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{quote(video_id)}"
    if provider == "vimeo" and VIMEO_ID.match(video_id):
        return f"https://player.vimeo.com/video/{quote(video_id)}?dnt=1"
    return ""


@register.filter
def ld_json(value: Any) -> SafeString:
    """JSON for a ``<script type="application/ld+json">``: "<", ">" and "&" are escaped."""
    return mark_safe(json.dumps(value, ensure_ascii=False, default=str).translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308


@register.filter
def highlighted(value: str) -> SafeString:
    """A search snippet: the text escaped, then PostgreSQL's match markers turned into <mark>."""
    text = escape(value or "")
    return mark_safe(text.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>"))  # noqa: S308


@register.filter(expects_localtime=True)
def html_datetime(value: Any) -> str:
    """A ``<time datetime>`` value: ISO 8601 to the second (HTML allows at most milliseconds)."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""


@register.filter
def desk_time(value: Any, fmt: str = times.DEFAULT_FORMAT) -> str:
    """A time on the desk: in the desk's zone, labelled — ``{{ t.due_at|desk_time:"j M H:i" }}``
    gives "27 Nov 07:43 (Minsk time)". The one place templates format a time."""
    if not isinstance(value, dt.datetime):
        return ""
    return times.desk_time(value, fmt)


_SITE_URLS: dict[tuple[str, ...], str] = {}


@register.simple_tag
def site_url(name: str) -> str:
    """``{% url name %}`` for the site's argument-free addresses (the frame's navigation),
    reversed once per language and script prefix instead of on every page view."""
    key = (name, get_language() or "", get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    if key not in _SITE_URLS:
        _SITE_URLS[key] = reverse(name)
    return _SITE_URLS[key]
