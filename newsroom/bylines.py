"""Bylines in the reader's language: the source authors' and the outlet's names, transliterated.

A translation carries its own byline (``Translation.byline``, ``Translation.byline_outlet``):
the translator may edit it; it starts from the defaults here. The one rule for a default is
:func:`byline_default` (authors) and :func:`outlet_name_default` (outlet): names in Cyrillic
are transliterated to Latin when the target language is written in Latin script: Russian by
the Wikipedia/English-press system (iuliia's ``wikipedia`` schema: "Ольга Ставицкая" → "Olga
Stavitskaya", the spelling English newsrooms print), Belarusian and Ukrainian by their national
systems as cyrtranslit implements them; names already in
Latin script, and every name for a Cyrillic-script target (Ukrainian), stay as written.

Pure functions over plain values, so the data migration that fills live bylines uses them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import cyrtranslit
import iuliia

# The desk's source language codes → cyrtranslit's (it says "by" for Belarusian, "ua" for Ukrainian);
# Russian goes through iuliia instead (cyrtranslit's Russian gives "Staviczkaya", "Shherbakov").
TRANSLIT_CODES: dict[str, str] = {"be": "by", "uk": "ua"}
# Publishing languages written in Cyrillic: their readers get the names as the source wrote them.
CYRILLIC_TARGETS = frozenset({"uk"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _word_case(source: str, latin: str) -> str:
    """ "Щербаков" → "Shherbakov", not "SHHerbakov": a capital letter that becomes two or three
    Latin letters keeps the word's own case (capitalised, not all capitals)."""
    if len(source) > 1 and source[0].isupper() and source[1:] == source[1:].lower() and latin[:1].isupper():
        return latin[0] + latin[1:].lower()
    return latin


def transliterate(text: str, *, source_language: str) -> str:
    """``text`` in Latin script by the standard for ``source_language``; unchanged when
    it has no Cyrillic letter or the language has no transliteration here."""
    if not _CYRILLIC.search(text):
        return text
    if source_language == "ru":
        return str(iuliia.WIKIPEDIA.translate(text))
    code = TRANSLIT_CODES.get(source_language)
    if code is None:
        return text
    parts = re.split(r"(\s+|-)", text)
    return "".join(
        _word_case(part, cyrtranslit.to_latin(part, code)) if _CYRILLIC.search(part) else part for part in parts
    )


def byline_default(
    *,
    authors: Sequence[str],
    source_language: str,
    target_language: str,
    spellings: Mapping[str, str] | None = None,
) -> str:
    """The authors' names as readers of ``target_language`` see them, comma-separated ("" for
    none): each by :func:`name_spelling` (a spelling the desk chose before, in ``spellings``,
    else the standard transliteration)."""
    names = [a.strip() for a in authors if a and a.strip()]
    return ", ".join(
        name_spelling(a, source_language=source_language, target_language=target_language, spellings=spellings)
        for a in names
    )


def outlet_name_default(*, name_en: str, credit_name: str, source_language: str, target_language: str) -> str:
    """The outlet's name for ``target_language``: its English (Latin-script) name set on the
    outlet, else its credit name transliterated; a Cyrillic-script target keeps the credit name."""
    if target_language in CYRILLIC_TARGETS:
        return credit_name.strip()
    return name_en.strip() or transliterate(credit_name.strip(), source_language=source_language)


def byline_fallback(*, authors: str, outlet: str, default: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    """The one byline fallback rule (publication, the live page, the desk's byline field).

    A byline with neither authors nor outlet (a job opened, or a row written, before bylines
    existed) is the standard one, ``default()``; an empty author list next to an outlet name is
    the translator's choice and stays empty; an empty outlet name falls back to the standard one.
    """
    authors, outlet = (authors or "").strip(), (outlet or "").strip()
    if authors and outlet:
        return authors, outlet
    default_authors, default_outlet = default()
    return (authors or ("" if outlet else default_authors)), (outlet or default_outlet)


def name_spelling(
    name: str, *, source_language: str, target_language: str, spellings: Mapping[str, str] | None = None
) -> str:
    """One person's (or outlet's) name as ``target_language`` writes it: the spelling a translator
    chose before (``spellings``: source name → spelling, from :class:`newsroom.models.NameSpelling`
    or the story's own choices), else the standard transliteration; a Cyrillic-script target
    keeps the name as written."""
    name = " ".join((name or "").split())
    if not name or target_language in CYRILLIC_TARGETS:
        return name
    chosen = (spellings or {}).get(name, "").strip()
    return chosen or transliterate(name, source_language=source_language)


def is_cyrillic(text: str) -> bool:
    """``text`` has a Cyrillic letter."""
    return bool(_CYRILLIC.search(text or ""))


def is_source_script(text: str, *, target_language: str) -> bool:
    """``text`` is still in the source's (Cyrillic) script on a page in ``target_language``:
    readers get it marked with the source's ``lang``."""
    return target_language not in CYRILLIC_TARGETS and bool(_CYRILLIC.search(text or ""))


# "Фота: Яўгенія Раманчук", "Фото – ИА «Минск»", "Photo: …", "Foto: …", "Fot. …", "Photo by …"
# at the start or the end of a caption: the picture's credit, not its description.
_CREDIT_PREFIX = r"(?:(?:Фота|Фото|Фотаздымак|Photo(?:graph)?|Foto|Zdjęcie|Credit)\s*(?:[:—–-]|by\b)|Fot\.)"
_CREDIT_AT_END = re.compile(
    rf"(?:^|(?<=[\s.!?…»\"”)]))\(?{_CREDIT_PREFIX}\s*(?P<name>[^:\n.!?]{{2,120}}?)\.?\)?\s*$", re.I
)
_CREDIT_AT_START = re.compile(rf"^\(?{_CREDIT_PREFIX}\s*(?P<name>[^:\n.!?]{{2,120}}?)\s*(?:[.|/]\s+|\)\s*)", re.I)


def credit_split(text: str) -> tuple[str, str]:
    """A caption's description and its picture credit, told apart: ("Пано «Дрэва роду».",
    "Яўгенія Раманчук") for "Пано «Дрэва роду». Фота: Яўгенія Раманчук"; ("…", "") without one.
    Used by the importer (a caption's credit becomes the picture's photographer) and by
    publication (a credit typed into a translated caption joins the one credit line)."""
    text = " ".join((text or "").split())
    for pattern in (_CREDIT_AT_END, _CREDIT_AT_START):
        match = pattern.search(text)
        if match:
            name = match.group("name").strip(" .,;()")
            rest = (text[: match.start()] + " " + text[match.end() :]).strip()
            if name:
                return rest, name
    return text, ""
