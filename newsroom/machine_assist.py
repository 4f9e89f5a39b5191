"""Machine assistance: the one rule for when readers are told a text had machine help.

A story is credited "with machine assistance" when the share of its published words that came
from a machine draft *unchanged* is at least ``DESK_MT_CREDIT_THRESHOLD`` (a fifth by default).
Per block, the published text is compared word by word with the machine draft recorded for it
(``Translation.machine_drafts``); a word counts as the machine's only inside a run of at least
:data:`MIN_RUN_WORDS` words the draft has in the same order, so the "the", "of" and names a
rewritten paragraph shares with its draft by chance do not count: a paragraph 91% rewritten
contributes almost nothing, one let through as drafted contributes every word. The share's
denominator is every published word: the title, the lead, paragraphs, captions and the
translator's notes.

``publishing.article_publish`` computes the share once, at publication, and stores it with the
live text (``Article.machine_share_<lang>``); everything readers get (the page, its JSON-LD,
the feeds, the read API, ninjs) and the desk's previews of a publication decide with
:func:`is_machine_assisted` on that one number. Publishing may not import the desk, so the rule
lives here, beside the byline rule (``bylines.py``), where both can reach it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from rapidfuzz.distance import Indel

from newsroom.core.html import plain_text
from newsroom.core.inline import MARKER

# A run of this many words, identical and in the draft's order, is the machine's text left as
# it was; shorter runs are a rewrite's coincidences ("of the", a name).
MIN_RUN_WORDS = 3

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def words(text: str) -> list[str]:
    """The words of ``text`` (inline markup and token markers such as ``[1]`` removed: a draft
    carries the source's tokens, the published text their rendering), as written: case and
    accents matter."""
    return _WORD.findall(plain_text(MARKER.sub(" ", text or "")))


def machine_words(*, draft: str, text: str) -> int:
    """How many words of ``text`` came from ``draft`` unchanged (runs of ``MIN_RUN_WORDS`` or
    more; a whole text shorter than that counts when it is the draft itself)."""
    drafted, written = words(draft), words(text)
    if not drafted or not written:
        return 0
    if drafted == written:
        return len(written)
    kept = 0
    for op in Indel.opcodes(drafted, written):
        if op.tag == "equal" and op.dest_end - op.dest_start >= MIN_RUN_WORDS:
            kept += op.dest_end - op.dest_start
    return kept


def machine_share(*, texts: Iterable[tuple[str, str]], drafts: Mapping[str, Any]) -> float:
    """The share (0–1, three decimals) of the words of ``texts`` — ``(block id, published
    text)`` pairs, the title and lead with an id no draft has — that came from the machine
    unchanged; ``drafts`` are ``Translation.machine_drafts`` (``{block id: {"draft": …}}``)."""
    total = machine = 0
    for block_id, text in texts:
        total += len(words(text))
        mark = drafts.get(block_id)
        if isinstance(mark, Mapping) and mark.get("draft"):
            machine += machine_words(draft=str(mark["draft"]), text=text)
    return round(machine / total, 3) if total else 0.0


def live_texts(*, title: str, lead: str, body: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """What readers read of a publication, as ``machine_share`` takes it: the title, the lead
    and each live block's text (``publishing.live_body``)."""
    return [("", title), ("", lead), *((str(b.get("id", "")), str(b.get("text") or "")) for b in body)]


def is_machine_assisted(share: float | None) -> bool:
    """The rule: the stored ``share`` is at least the threshold (and the desk has the credit
    on, ``DESK_MT_CREDIT``). ``None`` (nothing stored) is no."""
    if share is None or not settings.DESK_MT_CREDIT:
        return False
    return share >= settings.DESK_MT_CREDIT_THRESHOLD


def credit_words(share: float | None) -> str:
    """The words added to the translators' credit ("with machine assistance"), or ""."""
    return str(settings.DESK_MT_CREDIT_TEXT) if is_machine_assisted(share) else ""
