"""Is a translated text in the language it should be in? One check, used by ``checks``.

Two tests, the cheap and certain one first:

1. **Script.** English, German, Polish, French and Lithuanian are written in Latin letters,
   Ukrainian in Cyrillic. A text most of whose letters (and at least ``MIN_WRONG_LETTERS``) are
   in the other script is not in the target language: typically the source paragraph, or a
   machine draft that came back untranslated. Length does not matter: one Cyrillic word in an
   English heading is still not English.
2. **Detector.** Otherwise, a text of at least ``MIN_WORDS_TO_DETECT`` words is given to
   py3langid (already used by the importer), restricted to the desk's publishing and source
   languages; only a confident verdict (``MIN_CONFIDENCE``) for another language is an error,
   so names, numbers and short strings ("11:00 to 19:00", "Okay.") never misfire.

Text a translator deliberately keeps in the original is left out of both: an element marked
with its language (``<span lang="be">Наша Ніва</span>``, ``<q lang="ru">…</q>``) and a short
quoted name («Наша Ніва», “Культурны вектар”, at most ``MAX_QUOTED_NAME_WORDS`` words).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language_info

# Languages written in Cyrillic among those the desk publishes or translates from.
CYRILLIC_LANGUAGES = frozenset({"ru", "be", "uk", "bg", "sr", "mk"})
# What the detector may answer: the publishing languages and the sources' languages.
DETECTOR_LANGUAGES = ["en", "de", "pl", "fr", "lt", "uk", "ru", "be"]
MIN_WRONG_LETTERS = 3
MIN_WORDS_TO_DETECT = 6
MIN_CONFIDENCE = 0.98
MAX_QUOTED_NAME_WORDS = 4

_MARKED = re.compile(r"<(\w+)\b[^>]*\slang\s*=\s*[\"'][^\"']*[\"'][^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_QUOTED = re.compile(r"«[^«»]*»|“[^“”]*”|„[^„“”]*[“”]|\"[^\"]*\"")
_CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Verdict:
    """Why ``text`` is not in the target language: ``script`` or ``detected`` (with ``found``,
    the language the detector read)."""

    reason: str
    found: str = ""


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name"])
    except KeyError:
        return code


def checked_text(text: str) -> str:
    """``text`` without what the translator marked as kept in the original, and without tags."""
    text = _MARKED.sub(" ", text or "")
    text = _TAG.sub(" ", text)
    return _QUOTED.sub(lambda m: " " if len(m.group(0).split()) <= MAX_QUOTED_NAME_WORDS else m.group(0), text)


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(DETECTOR_LANGUAGES)
    return identifier


@functools.lru_cache(maxsize=4096)
def _detect(text: str) -> tuple[str, float]:
    code, confidence = _identifier().classify(text)
    return str(code), float(confidence)


def wrong_language(*, text: str, language: str) -> Verdict | None:
    """A :class:`Verdict` when ``text`` is not written in ``language``; ``None`` when it is, or
    when there is too little to tell."""
    rest = checked_text(text)
    cyrillic, latin = len(_CYRILLIC.findall(rest)), len(_LATIN.findall(rest))
    wants_cyrillic = language in CYRILLIC_LANGUAGES
    wrong, right = (latin, cyrillic) if wants_cyrillic else (cyrillic, latin)
    if wrong >= MIN_WRONG_LETTERS and wrong > right:
        return Verdict("script")
    if language not in DETECTOR_LANGUAGES or len(_WORD.findall(rest)) < MIN_WORDS_TO_DETECT:
        return None
    found, confidence = _detect(" ".join(rest.split()))
    if found != language and confidence >= MIN_CONFIDENCE:
        return Verdict("detected", found)
    return None
