"""HTML the desk stores and renders: one allow-list, one sanitiser (nh3), and the helpers
that turn stored blocks into markup safely.

Translator text becomes inline HTML through :func:`sanitize_inline` (allow-listed tags only,
http(s)/mailto links, no scripts); templates mark it safe with ``trusted_html`` because it
passed here before it was stored. Links reach an ``href`` only through :func:`safe_url`. The importer's inline pass
(``sources/extraction/sanitising.py``) uses the same ``INLINE_TAGS`` and ``INLINE_ATTRIBUTES``.
"""

from __future__ import annotations

from typing import Any

import nh3

# Markers PostgreSQL's ts_headline puts around a search match; ``highlighted`` turns them into <mark>.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\ue000", "\ue001"

INLINE_TAGS = {"a", "strong", "em", "b", "i", "br", "sup", "sub", "span", "q", "cite", "abbr", "code"}
INLINE_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "span": {"lang"}, "q": {"lang"}, "abbr": {"title"}}
LINK_REL = "noopener noreferrer nofollow"


def sanitize_inline(text: str) -> str:
    """Translator text to safe inline HTML: allow-listed tags only, http(s)/mailto links, no scripts."""
    html = nh3.clean(
        text.strip(),
        tags=INLINE_TAGS,
        attributes=INLINE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
    )
    return html.replace("\n", "<br>")


def plain_text(html: str) -> str:
    return nh3.clean(html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def safe_url(value: str) -> str:
    """Only http(s) links reach an href."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else ""


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
