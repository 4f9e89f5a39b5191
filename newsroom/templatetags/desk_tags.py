"""Template helpers for rendering stored blocks. Block HTML was sanitised when it was stored.

Used by the public site and the desk preview: ``trusted_html``, ``embed_src`` and ``safe_url``
keep their meaning for both.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from newsroom.site.search import HIGHLIGHT_START, HIGHLIGHT_STOP

register = template.Library()

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
def safe_url(value: str) -> str:
    """Only http(s) links reach an href."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else ""


@register.filter
def body_groups(body: Any) -> list[dict[str, Any]]:
    """Live blocks grouped for rendering: consecutive list items become one list.

    Returns ``[{"kind": "list", "ordered": bool, "items": [block, …]} | block, …]``. Heading
    levels are clamped so the outline never skips a level below the page's h1.
    """
    groups: list[dict[str, Any]] = []
    last_level = 1
    for block in body if isinstance(body, list) else []:
        if not isinstance(block, dict):
            continue
        kind = block.get("kind")
        raw_attrs = block.get("attrs")
        attrs: dict[str, Any] = raw_attrs if isinstance(raw_attrs, dict) else {}
        if kind == "list_item":
            ordered = bool(attrs.get("ordered"))
            previous = groups[-1] if groups else None
            if previous is not None and previous.get("kind") == "list" and previous["ordered"] == ordered:
                previous["items"].append(block)
            else:
                groups.append({"kind": "list", "ordered": ordered, "items": [block]})
            continue
        if kind == "heading":
            try:
                wanted = int(attrs.get("level") or 2)
            except (TypeError, ValueError):
                wanted = 2
            level = max(2, min(wanted, last_level + 1, 6))
            last_level = level
            block = {**block, "level": level}
        groups.append(block)
    return groups


@register.filter
def ld_json(value: Any) -> SafeString:
    """JSON for a ``<script type="application/ld+json">``: "<", ">" and "&" are escaped."""
    return mark_safe(json.dumps(value, ensure_ascii=False, default=str).translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308


@register.filter
def highlighted(value: str) -> SafeString:
    """A search snippet: the text escaped, then PostgreSQL's match markers turned into <mark>."""
    text = escape(value or "")
    return mark_safe(text.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>"))  # noqa: S308
