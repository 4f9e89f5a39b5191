"""Bytes to text: the charset precedence described in the package docstring (`decode_html`)."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels browsers read differently from Python (WHATWG Encoding Standard).
_LABEL_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "iso8859-1": "windows-1252",
    "x-user-defined": "windows-1252",
}


def _canonical_charset(label: str | None) -> str | None:
    """A Python-decodable charset name spelt the way the web spells it, or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    name = _LABEL_ALIASES.get(name, name)
    match = re.fullmatch(r"cp(125\d)", name)
    if match:
        return f"windows-{match.group(1)}"
    if name in {"utf-16", "utf-32"}:  # a meta cannot truthfully say this: the bytes are ASCII-compatible
        return "utf-8"
    return name


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:1024])
    return match.group(1).decode("ascii", "replace") if match else None


def _decodes(content: bytes, charset: str) -> str | None:
    try:
        return content.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(content: bytes) -> str | None:
    """UTF-8 text of bytes that are UTF-8 but for a few stray bytes, those bytes dropped.

    A page that declares UTF-8 and carries a handful of invalid bytes (a truncated paste, one
    byte from a legacy template) is still UTF-8: reading it as a single-byte charset would garble
    every letter to save three. Accepted when the valid multi-byte sequences outnumber the
    invalid bytes twenty to one; windows-1251 text served as UTF-8 has almost no valid sequence.
    """
    invalid = 0
    position = 0
    while True:
        try:
            content[position:].decode("utf-8")
            break
        except UnicodeDecodeError as error:
            invalid += error.end - error.start
            position += error.end
            if invalid > 64:
                return None
    text = content.decode("utf-8", "ignore")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F)
    return text if multibyte >= 20 * invalid else None


def decode_html(*, content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return `(charset, text)` for HTML bytes; see the package docstring for precedence."""
    for bom, charset in _BOMS:
        if content.startswith(bom):
            return ("utf-8" if charset == "utf-8" else charset), content[len(bom) :].decode(charset, "replace")
    candidates = [
        c for c in (_canonical_charset(_header_charset(content_type)), _canonical_charset(_meta_charset(content))) if c
    ]
    if "utf-8" in candidates and not content.isascii():
        text = _decodes(content, "utf-8")
        if text is not None:
            return "utf-8", text
        text = _mostly_utf8(content)
        if text is not None:
            return "utf-8", text
    for charset in candidates:
        text = _decodes(content, charset)
        if text is not None:
            return charset, text
    best = charset_normalizer.from_bytes(content).best()
    if best is not None:
        charset = _canonical_charset(best.encoding) or "utf-8"
        text = _decodes(content, charset)
        if text is not None:
            return charset, text
    charset = candidates[0] if candidates else "utf-8"
    return charset, content.decode(charset, "replace")
