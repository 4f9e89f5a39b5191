"""The desk's side of inline tokens (``newsroom.core.inline``): what a translator and a reviewer see.

A source paragraph with links or emphasis is offered as text with numbered tokens
(``[1]заявление[/1]``); the translator types them in a plain textarea where the words go. This
module gives the desk's pages the tokenised source of a block (:func:`block_tokens`,
:func:`source_text`) and marks tokens in escaped HTML (:func:`marked`): each marker is a
``<mark class="token">`` whose ``title`` says what it stands for ("link to https://…"), and
:func:`legend` lists them under the source for people who cannot hover. Checks are in
``checks.py``; publication renders tokens with ``newsroom.core.inline.render``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from newsroom.core.inline import MARKER, Token, Tokenized, tokenize


def block_tokens(block: Mapping[str, Any]) -> Tokenized:
    """The tokens of a source block: its inline HTML read as tokens, or its plain text when it
    has none (images, embeds and plain paragraphs keep their text exactly)."""
    kind = block.get("kind")
    if kind in ("image", "embed"):
        return Tokenized(text=str((block.get("attrs") or {}).get("caption") or "") if kind == "image" else "")
    tokenized = tokenize(str(block.get("html") or ""))
    if not tokenized.tokens:
        return Tokenized(text=str(block.get("text") or ""))
    return tokenized


def source_text(block: Mapping[str, Any]) -> str:
    """The text a translator, a machine draft and the memory work from (tokens included)."""
    return block_tokens(block).text


def describe(token: Token) -> str:
    """What a token stands for, in a few words."""
    if token.is_link:
        return _("link to %(url)s") % {"url": token.href}
    title = dict(token.attrs).get("title", "")
    names = {
        "em": _("emphasis"),
        "i": _("italics"),
        "strong": _("strong emphasis"),
        "b": _("bold"),
        "q": _("quotation"),
        "abbr": _("abbreviation"),
        "code": _("code"),
        "sub": _("subscript"),
        "sup": _("superscript"),
    }
    name = str(names.get(token.tag, token.tag))
    return f"{name}: {title}" if title else name


def _mark(escaped: str, tokenized: Tokenized) -> str:
    def one(m: re.Match[str]) -> str:
        token = tokenized.by_number.get(int(m.group(2)))
        if token is None:
            return m.group(0)
        return f'<mark class="token" title="{escape(describe(token))}">{m.group(0)}</mark>'

    return MARKER.sub(one, escaped)


def marked(text: str, tokenized: Tokenized) -> SafeString:
    """``text`` escaped, line breaks kept, each known token marker highlighted."""
    return mark_safe(_mark(str(escape(text or "")), tokenized).replace("\n", "<br>"))  # noqa: S308 - escaped above


def marked_html(escaped_html: str, tokenized: Tokenized) -> SafeString:
    """Markers highlighted inside HTML whose text is already escaped (a word diff)."""
    return mark_safe(_mark(escaped_html, tokenized))  # noqa: S308 - the caller escaped every text piece


def legend(tokenized: Tokenized) -> list[dict[str, str]]:
    """One row per token for the list under the source: how it is typed and what it stands for."""
    return [{"written": t.written, "meaning": describe(t)} for t in tokenized.tokens]
