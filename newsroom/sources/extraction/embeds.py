"""Players translators need to see (YouTube, Vimeo, Telegram, X/Twitter), from a URL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit


def _youtube_id(parts: Any) -> str | None:
    host = (parts.hostname or "").lower()
    if host.endswith("youtu.be"):
        return parts.path.strip("/").split("/")[0] or None
    if host.endswith(("youtube.com", "youtube-nocookie.com")):
        match = re.match(r"/(?:embed|shorts|live|v)/([\w-]{6,})", parts.path)
        if match:
            return match.group(1)
        ids = parse_qs(parts.query).get("v")
        return ids[0] if ids else None
    return None


def embed_from_url(src: str) -> dict[str, Any] | None:
    """Recognise the players translators need to see; anything else is dropped."""
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    video_id = _youtube_id(parts)
    if video_id:
        return {
            "provider": "youtube",
            "src": src,
            "video_id": video_id,
            "url": f"https://www.youtube.com/watch?v={video_id}",
        }
    if host.endswith("vimeo.com"):
        match = re.search(r"/(?:video/)?(\d+)", parts.path)
        if match:
            vid = match.group(1)
            return {"provider": "vimeo", "src": src, "video_id": vid, "url": f"https://vimeo.com/{vid}"}
    if host in {"t.me", "telegram.me"}:
        match = re.match(r"/(?:s/)?([\w]+/\d+)", parts.path)
        if match:
            post = match.group(1)
            return {
                "provider": "telegram",
                "src": f"https://t.me/{post}?embed=1",
                "post": post,
                "url": f"https://t.me/{post}",
            }
    if host.endswith(("twitter.com", "x.com")):
        match = re.match(r"/(\w+)/status(?:es)?/(\d+)", parts.path)
        if match:
            url = f"https://twitter.com/{match.group(1)}/status/{match.group(2)}"
            return {"provider": "twitter", "src": url, "post": match.group(2), "url": url}
    return None
