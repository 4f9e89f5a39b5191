"""Pictures of source stories: fetched once at import, checked, re-encoded and served by us.

Readers never load a picture from a source outlet (that would hand every reader's address to
the outlet and break when it moves its files). At import each image block's picture is
fetched through the importer's safe fetcher (``fetching.fetch(accept="image")``: the same
SSRF rules and deadline as pages, 10 MB at most, JPEG/PNG/GIF/WebP/AVIF by Content-Type,
never SVG), opened and verified by Pillow (a file Pillow cannot read is not a picture; more
than ``MAX_PIXELS`` pixels is a decompression bomb), turned upright by its EXIF orientation
and re-encoded as WebP from the pixels alone, so no EXIF, GPS, XMP or ICC data survives.
The renditions (``WIDTHS``, never wider than the original) go on Django's default storage
under a content-addressed name (``images/ab/<sha256>/<width>.webp``), so a file, once
written, never changes and may be cached for ever.

A picture is fetched once: the same source address (or, once fetched, the same bytes) reuses
the stored :class:`~newsroom.models.SourceImage`, also when a revision is fetched again.

A picture that cannot be had (dead link, too large, not a picture, a hostile address) never
fails the import: its block keeps no picture and ``attrs["image_error"]`` says why, the
desk shows that sentence on the article page, and ``article_import`` returns the sentences
for the import screen.
"""

from __future__ import annotations

import copy
import hashlib
import io
import time
import warnings
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from newsroom.core.errors import DeskError
from newsroom.models import SourceImage, SourceRevision
from newsroom.sources import fetching

__all__ = [
    "ImageRefused",
    "blocks_images_fetch",
    "image_store",
    "images_problem_summary",
    "revision_images_fetch",
]

MAX_BYTES = 10_000_000
MAX_PIXELS = 40_000_000  # 8000 × 5000; larger is refused before decoding (decompression bombs)
WIDTHS = (480, 960, 1600)
MAX_IMAGES = 40  # per story; more is a gallery page, not a story
TOTAL_SECONDS = 60.0  # for all of a story's pictures together
_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "AVIF", "MPO"}  # MPO: a JPEG from a phone camera
_WEBP_QUALITY = 80

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRefused(DeskError):
    """A picture the desk will not store; ``message`` completes "The image could not be fetched: …"."""


def _decoded(data: bytes) -> Image.Image:
    """The picture in ``data``, upright, as RGB(A) pixels without any metadata; or ImageRefused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in _FORMATS:
                    raise ImageRefused(_("it is not a photo or picture the site can show"))
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageRefused(_("it has too many pixels"))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation
                image.load()
                upright = ImageOps.exif_transpose(image)
                alpha = upright.mode in {"RGBA", "LA", "PA"} or (upright.mode == "P" and "transparency" in upright.info)
                pixels = upright.convert("RGBA" if alpha else "RGB")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(_("it has too many pixels")) from None
        except ImageRefused:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
            raise ImageRefused(_("the file is not a picture, or it is damaged")) from None
    clean = Image.new(pixels.mode, pixels.size)  # a new image: no info, EXIF or profile carried over
    clean.paste(pixels)
    return clean


def _widths(width: int) -> list[int]:
    return sorted({w for w in WIDTHS if w < width} | {min(width, WIDTHS[-1])})


def image_store(*, data: bytes, source_url: str, credit: str = "") -> SourceImage:
    """Check, re-encode and store the picture in ``data``; the stored one if these bytes were seen.

    Writes the renditions on the default storage and one :class:`SourceImage`. Raises
    :class:`ImageRefused` when the bytes are not a picture the desk accepts.
    """
    sha = hashlib.sha256(data).hexdigest()
    existing = SourceImage.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    if len(data) > MAX_BYTES:
        raise ImageRefused(_("the file is larger than %(mb)s MB") % {"mb": MAX_BYTES // 1_000_000})
    image = _decoded(data)
    renditions = []
    for width in _widths(image.width):
        height = max(1, round(image.height * width / image.width))
        sized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        sized.save(buffer, "WEBP", quality=_WEBP_QUALITY, method=2)  # 4 costs twice the time for ~1% smaller files
        name = f"images/{sha[:2]}/{sha}/{width}.webp"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(buffer.getvalue()))
        renditions.append({"width": width, "height": height, "name": name})
    try:
        with transaction.atomic():
            return SourceImage.objects.create(
                source_url=source_url[:2000],
                sha256=sha,
                width=image.width,
                height=image.height,
                renditions=renditions,
                credit=credit[:300],
            )
    except IntegrityError:  # another worker stored the same bytes a moment ago
        return SourceImage.objects.get(sha256=sha)


def _reason(exc: fetching.FetchError) -> str:
    """Why a picture could not be fetched, as the end of "The image could not be fetched: …"."""
    if isinstance(exc, fetching.HTTPStatusError):
        return _("the site answered %(status)s") % {"status": exc.status}
    if isinstance(exc, fetching.TooLarge):
        return _("the file is larger than %(mb)s MB") % {"mb": MAX_BYTES // 1_000_000}
    if isinstance(exc, fetching.BadContentType):
        return _("the address does not serve a photo or picture (SVG and other files are not taken)")
    if isinstance(exc, fetching.BlockedURL):
        return _("the address is not a public web address")
    if isinstance(exc, fetching.TooSlow):
        return _("the site took too long to send it")
    if isinstance(exc, fetching.TooManyRedirects):
        return _("the address redirects too many times")
    return _("the site could not be reached")


def _image_for(src: str, *, credit: str, deadline: float) -> SourceImage:
    stored = SourceImage.objects.filter(source_url=src).order_by("-fetched_at").first()
    if stored is not None:
        return stored
    remaining = deadline - time.monotonic()
    if remaining <= 1:
        raise ImageRefused(_("the story's pictures took too long to fetch"))
    try:
        fetched = fetching.fetch(src, accept="image", max_bytes=MAX_BYTES, timeout=min(15.0, remaining))
    except fetching.FetchError as exc:
        raise ImageRefused(_reason(exc)) from exc
    return image_store(data=fetched.content, source_url=src, credit=credit)


def blocks_images_fetch(*, blocks: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """``blocks`` with each image block's picture fetched and stored (a copy; the input is kept).

    Each image block gets ``attrs["image"]`` (a :class:`SourceImage` id) or, when the picture
    could not be had, ``attrs["image_error"]`` (why). Returns the blocks and the reasons of the
    failures, in order. Never raises for a picture: the story is imported without it.
    """
    out = copy.deepcopy(blocks)
    problems: list[str] = []
    deadline = time.monotonic() + TOTAL_SECONDS
    count = 0
    for block in out:
        if block.get("kind") != "image":
            continue
        attrs = block.setdefault("attrs", {})
        attrs.pop("image", None)
        attrs.pop("image_error", None)
        src = str(attrs.get("src") or "")
        count += 1
        try:
            if not src.startswith(("http://", "https://")):
                raise ImageRefused(_("it has no web address"))
            if count > MAX_IMAGES:
                raise ImageRefused(_("the story has more than %(n)s pictures") % {"n": MAX_IMAGES})
            stored = _image_for(src, credit=str(attrs.get("credit") or ""), deadline=deadline)
        except ImageRefused as exc:
            attrs["image_error"] = exc.message
            problems.append(exc.message)
        else:
            attrs["image"] = stored.pk
    return out, problems


def images_problem_summary(problems: list[str]) -> str:
    """One sentence for the editor: "1 image could not be fetched: the site answered 404."."""
    if not problems:
        return ""
    reasons = "; ".join(dict.fromkeys(problems))
    return ngettext(
        "%(count)d image could not be fetched: %(reasons)s.",
        "%(count)d images could not be fetched: %(reasons)s.",
        len(problems),
    ) % {"count": len(problems), "reasons": reasons}


def revision_images_fetch(*, revision: SourceRevision) -> list[str]:
    """Fetch and store the pictures of a revision stored before pictures were (its blocks gain
    ``attrs["image"]`` or ``attrs["image_error"]``; texts and block ids are unchanged).

    Who: ``manage.py fetch_source_pictures``. Image blocks that already have either are left
    alone. Returns why pictures could not be fetched.
    """
    pending = [
        b
        for b in revision.blocks
        if b.get("kind") == "image" and not {"image", "image_error"} & set(b.get("attrs") or {})
    ]
    if not pending:
        return []
    fetched, problems = blocks_images_fetch(blocks=pending)
    by_id = {b["id"]: b for b in fetched}
    blocks = [by_id.get(b.get("id"), b) if b.get("kind") == "image" else b for b in revision.blocks]
    SourceRevision.objects.filter(pk=revision.pk).update(blocks=blocks)
    revision.blocks = blocks
    return problems
