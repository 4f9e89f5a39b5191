"""The glossary: names and terms rendered the same way every time (Окрестина → Okrestin).

Matching tolerates simple Russian/Belarusian inflection: each word of a term is cut to its
stem (a common case ending removed when at least four letters remain) and matches any word
that starts with that stem and has at most four more letters, case-insensitively and with
ё read as е. So "Окрестина" finds "Окрестин", "Окрестина" and "Окрестиной". It is a
heuristic for a helper panel, not a morphological analyser: it may over-match a rare word.

Services (editors only) add, change and delete terms; every desk member reads them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from newsroom.core.audit import audit_record
from translations import permissions
from translations.models import GlossaryTerm

# Longest first, so "ами" is cut before "и".
_ENDINGS = sorted(
    (
        "ами ями ого его ому ему ими ыми ой ей ою ею ий ый ій ая яя ое ее ом ем ах ях ов ев ью ия ие "
        "ам ям ую юю а я о е ы і и у ю ь й"
    ).split(),
    key=len,
    reverse=True,
)
MIN_STEM = 4
MAX_SUFFIX = 4


class GlossaryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def stem(word: str) -> str:
    """``word`` lower-cased without one common case ending, keeping at least MIN_STEM letters."""
    w = _fold(word)
    for ending in _ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= MIN_STEM:
            return w[: -len(ending)]
    return w


@functools.lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """A regex finding ``term`` in folded text, each word by its stem plus a short ending."""
    words = [w for w in re.split(r"\s+", term.strip()) if w]
    parts = []
    for w in words:
        s = stem(w)
        # Words made of letters get inflection tolerance; "ГУБОПиК" or "24" stay literal-ish.
        parts.append(re.escape(s) + (r"\w{0," + str(MAX_SUFFIX) + "}" if s.isalpha() else ""))
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    source_term: str
    target_term: str
    note: str
    found: str


def find_terms(text: str, terms: Iterable[Any]) -> list[Hit]:
    """The glossary ``terms`` (GlossaryTerm or objects with source_term/target_term/note) that
    occur in ``text``, each once, in the order of ``terms``."""
    folded = _fold(text or "")
    hits: list[Hit] = []
    for term in terms:
        match = term_pattern(term.source_term).search(folded)
        if match:
            found = (text or "")[match.start() : match.end()]
            hits.append(Hit(term.source_term, term.target_term, getattr(term, "note", "") or "", found))
    return hits


def glossary_terms(*, source_language: str = "", target_language: str = "en", q: str = "") -> QuerySet[GlossaryTerm]:
    """Selector: terms for a language pair (all source languages when ``source_language`` is ""),
    optionally filtered by ``q`` in either column."""
    qs = GlossaryTerm.objects.filter(target_language=target_language)
    if source_language:
        qs = qs.filter(source_language=source_language)
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(source_term__icontains=q) | Q(target_term__icontains=q))
    return qs.order_by("source_term")


def hits_by_block(*, blocks: Sequence[dict[str, Any]], terms: Sequence[Any]) -> dict[str, list[Hit]]:
    """Glossary hits of each source block (by block id); image captions count, embeds do not."""
    out: dict[str, list[Hit]] = {}
    for block in blocks:
        if block.get("kind") == "embed":
            continue
        text = str(block.get("text") or "")
        hits = find_terms(text, terms)
        if hits:
            out[str(block["id"])] = hits
    return out


def _require_editor(by: Any) -> None:
    if not permissions.is_editor(by):
        raise PermissionDenied(_("Only editors can change the glossary."))


@transaction.atomic
def glossary_term_create(
    *, by: Any, source_term: str, target_term: str, note: str = "", source_language: str = "ru"
) -> GlossaryTerm:
    """Editors add a term. Writes the term and an audit entry; refuses a duplicate source term."""
    _require_editor(by)
    source_term, target_term = source_term.strip(), target_term.strip()
    if not source_term or not target_term:
        raise GlossaryError(_("Give both the term and its agreed rendering."))
    try:
        with transaction.atomic():
            term = GlossaryTerm.objects.create(
                source_language=source_language,
                source_term=source_term,
                target_term=target_term,
                note=note.strip(),
                created_by=by,
            )
    except IntegrityError as e:
        raise GlossaryError(_("“%(t)s” is already in the glossary.") % {"t": source_term}) from e
    audit_record(actor=by, action="glossary.add", target=term)
    return term


@transaction.atomic
def glossary_term_update(
    *, term: GlossaryTerm, by: Any, source_term: str, target_term: str, note: str = "", source_language: str = "ru"
) -> GlossaryTerm:
    """Editors change a term. Writes the term and an audit entry."""
    _require_editor(by)
    term.source_term, term.target_term = source_term.strip(), target_term.strip()
    term.note, term.source_language = note.strip(), source_language
    if not term.source_term or not term.target_term:
        raise GlossaryError(_("Give both the term and its agreed rendering."))
    try:
        with transaction.atomic():
            term.save()
    except IntegrityError as e:
        raise GlossaryError(_("“%(t)s” is already in the glossary.") % {"t": term.source_term}) from e
    audit_record(actor=by, action="glossary.change", target=term)
    return term


@transaction.atomic
def glossary_term_delete(*, term: GlossaryTerm, by: Any) -> None:
    """Editors delete a term. Writes an audit entry."""
    _require_editor(by)
    audit_record(actor=by, action="glossary.delete", target=term, term=term.source_term)
    term.delete()
