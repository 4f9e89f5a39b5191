"""Template helpers for rendering stored blocks. Block HTML was sanitised when it was stored."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
VIMEO_ID = re.compile(r"^[0-9]{3,15}$")


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
