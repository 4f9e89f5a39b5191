"""``{% source_picture block %}``: an image block's stored picture, served from our own origin.

Used by ``site/_blocks.html`` (rendered once at publication by ``newsroom.site.rendering.render.body_render``, and
by the desk's preview). A block without a stored picture (``attrs["image"]``), e.g. one
published before pictures were stored or whose picture could not be fetched, renders nothing:
the outlet's address in ``attrs["src"]`` is never given to a reader's browser.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join

from newsroom.models import SourceImage

register = template.Library()

# The story column is at most 44rem wide with 1rem padding (site.css ``main``).
SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2rem)"


def picture_data(block: dict[str, Any], *, image: SourceImage | None = None) -> dict[str, Any] | None:
    """What the template needs to show ``block``'s picture, or None when there is no stored one."""
    attrs = block.get("attrs") or {}
    pk = attrs.get("image")
    if image is None:
        if not isinstance(pk, int) or isinstance(pk, bool):
            return None
        image = SourceImage.objects.filter(pk=pk).first()
    if image is None or not image.renditions:
        return None
    renditions = [{**r, "url": default_storage.url(r["name"])} for r in image.renditions]
    default = next((r for r in reversed(renditions) if r["width"] <= 960), renditions[0])
    largest = renditions[-1]
    # One credit line: the photographer (in the page's language, spelt at publication) / the
    # outlet. ``SourceImage.credit`` is the source's own words, never shown to readers as it is.
    outlet = str(attrs.get("source_credit") or "")
    photographer = str(attrs.get("photographer") or "")
    credit = " / ".join(part for part in (photographer, outlet) if part)
    lang = str(attrs.get("photographer_lang") or "")
    parts: list[tuple[str]] = []
    if photographer:  # a name still in the source's script is marked with its language
        parts.append((format_html('<span lang="{}">{}</span>', lang, photographer) if lang else photographer,))
    if outlet:
        parts.append((outlet,))
    credit_html = format_html_join(" / ", "{}", parts)
    return {
        "src": default["url"],
        "srcset": ", ".join(f"{r['url']} {r['width']}w" for r in renditions),
        "sizes": SIZES,
        "width": largest["width"],
        "height": largest["height"],
        "largest": largest["url"],
        "src_small": renditions[0]["url"],
        "alt": str(attrs.get("alt") or ""),
        "caption": str(attrs.get("caption") or ""),
        "credit": credit,
        "credit_html": credit_html,
        "photographer": photographer,
        "outlet": outlet,
    }


@register.inclusion_tag("site/_picture.html")
def source_picture(block: dict[str, Any]) -> dict[str, Any]:
    return {"picture": picture_data(block)}


@register.simple_tag
def source_picture_url(block: dict[str, Any]) -> str:
    """The smallest stored copy of ``block``'s picture (for the desk's thumbnails), or ""."""
    picture = picture_data(block)
    return picture["src_small"] if picture else ""
