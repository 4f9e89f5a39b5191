"""Checks a translation must pass before it goes to review: pure functions over plain data.

Each problem is an *error* (blocks submission: an untranslated paragraph that is not marked
as left out, a missing title, a left-out paragraph without a reason, inline token markers that
do not fit together or that the source does not have, a paragraph or title not in the target
language — ``assist.language``: the wrong alphabet, or a detector's confident verdict on six
words or more; names kept in the original, quoted or marked with ``lang``, pass) or a *warning*
(worth a second look, never blocking: numbers that differ, a glossary term not used, a link, an
emphasis or the quotation marks dropped, a token used twice, a length far from the source's).

Numbers are compared after normalising the ways Russian and English write them: "1 200",
"1 200" (no-break space), "1,200" and "1.200" are all 1200; "3,5" and "3.5" are both 3.5.
Currency signs and codes (BYN, RUB, USD, €, ₽, $) and "%" are units around the number and
are not compared. A time of day is a value like any number: "11:00" is "11.00" is 11 (the
Belarusian and Russian sources often write "11.00 да 19.00"), so only a different value warns.

Two warnings fit the *target* language (``CONVENTIONS``): a decimal written with the other
mark ("3.5" in German, "3,5" in English; "1.200" is left alone, it may group thousands), and
quotation marks the language does not use (“…” closing with ” in German, „…“ in English, a
straight " outside English). The desk's callers are ``workspace_views`` (shown per block in the editor,
and run again by ``desk:submit``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from newsroom.core.inline import Tokenized, strip_markers
from newsroom.core.inline import problems as token_problems
from translations.assist import inline
from translations.assist.language import language_name, wrong_language

ERROR, WARNING = "error", "warning"

# Length of the target relative to the source (characters) outside which we warn.
MIN_RATIO, MAX_RATIO = 0.5, 2.0
# Short blocks ("Фото: …") vary too much in length to be worth a ratio warning.
MIN_LENGTH_FOR_RATIO = 40

# A time of day ("11:00", "9:30") first, read as the same value as "11.00" / "9.30"; then
# thousands grouped by space, no-break/narrow no-break space, comma or dot, with an optional
# decimal part; then a plain number.
_NUMBER = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])|\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")
_SOURCE_QUOTES = "«»„“"
_TARGET_QUOTES = "\"'«»“”‘’„"


@dataclass(frozen=True)
class Convention:
    """How a publishing language writes decimals and quotations."""

    name: Any
    decimal_mark: str
    quotes: str  # the double quotation marks the language uses, opening then closing
    foreign_quotes: str  # marks that betray another language's habit


CONVENTIONS: dict[str, Convention] = {
    "en": Convention(_lazy("English"), ".", "“”", "„«»"),
    "de": Convention(_lazy("German"), ",", "„“", '”"'),
    "pl": Convention(_lazy("Polish"), ",", "„”", '“"'),
    "uk": Convention(_lazy("Ukrainian"), ",", "«»", '”"'),
    "fr": Convention(_lazy("French"), ",", "«»", '„"'),
    "lt": Convention(_lazy("Lithuanian"), ",", "„“", '”"«»'),
}
# A decimal whatever the language: a mark followed by one, two or four or more digits (three
# would be ambiguous with grouped thousands).
_DECIMAL = re.compile(r"(?<![\d.,])(\d+)([.,])(\d{1,2}|\d{4,})(?![\d.,])")


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` is ERROR or WARNING; ``block_id`` is "" for the title/lead."""

    code: str
    severity: str
    message: str
    block_id: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def normalise_number(raw: str) -> str:
    """The canonical form of a written number: digits, and "." before decimals.

    A separator followed by exactly three digits after a group of one to three digits groups
    thousands ("1.200", "1,200", "1 200", "1,200.50"); any other separator is a decimal mark
    ("3,5", "2.75", "1 200,5"). "0,125" stays decimal.
    """
    parts = re.split(r"[.,]", re.sub(r"[ \u00a0\u202f]", "", raw.replace(":", ".")))
    if len(parts) == 1:
        digits = parts[0]
    else:
        *groups, last = parts
        is_grouping = len(last) == 3 and groups[0] not in {"", "0"} and len(groups[0]) <= 3
        is_grouping = is_grouping and all(len(g) == 3 for g in groups[1:])
        digits = "".join(parts) if is_grouping else "".join(groups) + "." + last
    try:
        return format(Decimal(digits).normalize(), "f")
    except InvalidOperation:
        return raw


def numbers_in(text: str) -> Counter[str]:
    """The numbers written in ``text``, normalised, with how often each occurs."""
    found: Counter[str] = Counter()
    for match in _NUMBER.finditer(text or ""):
        # A group of four digits or more ("2020 300") cannot start a grouped number, so the
        # pattern reads it as two numbers.
        found[normalise_number(match.group(0))] += 1
    return found


def _source_text(block: Mapping[str, Any]) -> str:
    if block.get("kind") == "image":
        return str((block.get("attrs") or {}).get("caption") or "")
    return str(block.get("text") or "")


source_text = inline.source_text  # the text a translator (or a machine draft) works from, tokens included


def is_translatable(block: Mapping[str, Any]) -> bool:
    """Embeds are carried over as they are; images only have their caption translated."""
    if block.get("kind") == "embed":
        return False
    return bool(_source_text(block).strip())


def block_checks(
    *,
    block: Mapping[str, Any],
    entry: Mapping[str, Any] | None,
    glossary: Iterable[tuple[str, str]] = (),
    machine_mark: Mapping[str, Any] | None = None,
    target_language: str = "en",
) -> list[Problem]:
    """Problems of one block. ``entry`` is the translation's ``{"text","omitted","reason"}``;
    ``glossary`` the ``(source_term, agreed_rendering)`` pairs that occur in this block's source;
    ``machine_mark`` the block's machine-draft mark, if it began as one; ``target_language`` the
    language written (its number and quotation conventions)."""
    block_id = str(block.get("id", ""))
    if not is_translatable(block):
        return []
    entry = entry or {}
    if entry.get("omitted"):
        if not str(entry.get("reason", "")).strip():
            return [Problem("omitted_no_reason", ERROR, _("Say why this paragraph is left out."), block_id)]
        return []
    source = _source_text(block)
    target = str(entry.get("text", "") or "")
    if not target.strip():
        return [
            Problem(
                "untranslated",
                ERROR,
                _("Not translated yet. Translate it or tick “leave out” and give a reason."),
                block_id,
            )
        ]
    problems: list[Problem] = []
    wrong = language_problem(target, target_language, block_id)
    if wrong is not None:
        problems.append(wrong)
    if machine_mark and target.strip() == str(machine_mark.get("draft", "")).strip():
        problems.append(
            Problem(
                "machine_unchanged",
                WARNING,
                _("This is still the machine draft, unchanged. Read it against the source before submitting."),
                block_id,
            )
        )
    # Token markers ("[1]", "[/1]") are not words: numbers, terms and length are read without them.
    tokenized = inline.block_tokens(block)
    words = strip_markers(target, tokenized)
    source_numbers, target_numbers = numbers_in(source), numbers_in(words)
    if source_numbers != target_numbers:
        missing = sorted((source_numbers - target_numbers).elements())
        extra = sorted((target_numbers - source_numbers).elements())
        parts = []
        if missing:
            parts.append(_("in the source but not here: %(n)s") % {"n": ", ".join(missing)})
        if extra:
            parts.append(_("here but not in the source: %(n)s") % {"n": ", ".join(extra)})
        problems.append(Problem("numbers", WARNING, _("Numbers differ (%(d)s).") % {"d": "; ".join(parts)}, block_id))
    target_lower = words.lower()
    for source_term, target_term in glossary:
        if target_term and target_term.lower() not in target_lower:
            problems.append(
                Problem(
                    "glossary",
                    WARNING,
                    _("The glossary renders “%(s)s” as “%(t)s”, which is not used here.")
                    % {"s": source_term, "t": target_term},
                    block_id,
                )
            )
    problems.extend(_token_checks(tokenized=tokenized, target=target, block_id=block_id))
    if any(q in source for q in _SOURCE_QUOTES) and not any(q in target for q in _TARGET_QUOTES):
        problems.append(
            Problem("quotes", WARNING, _("The source quotes someone; the quotation marks are gone."), block_id)
        )
    problems.extend(_convention_checks(words, target_language, block_id))
    if len(source.strip()) >= MIN_LENGTH_FOR_RATIO:
        ratio = len(words.strip()) / len(source.strip())
        if ratio < MIN_RATIO or ratio > MAX_RATIO:
            problems.append(
                Problem(
                    "length",
                    WARNING,
                    _("The translation is %(pct)d%% of the source's length; is something missing or added?")
                    % {"pct": round(ratio * 100)},
                    block_id,
                )
            )
    return problems


def _token_checks(*, tokenized: Tokenized, target: str, block_id: str) -> list[Problem]:
    """The source's inline tokens in the translated text (``newsroom.core.inline``).

    Broken markup cannot be rendered and a number the source does not have would reach readers
    as typed: both are errors. A dropped link or emphasis, or one used twice, renders fine and
    may be a choice: a warning, as a dropped link always was. A link written out by hand
    (``<a href="…">``) counts as kept.
    """
    found = token_problems(target, tokenized)
    problems: list[Problem] = []
    if found.broken:
        sentences = {
            "unclosed": _("%(m)s is opened but not closed with [/%(n)d]"),
            "stray": _("%(m)s closes nothing that is open"),
            "crossed": _("%(m)s closes before [/%(other)d] inside it; close [/%(other)d] first"),
            "empty": _("%(m)s stands for words: write [%(n)d]…[/%(n)d] around them"),
        }
        forms = {"unclosed": "[%d]", "stray": "[/%d]", "crossed": "[/%d]", "empty": "[%d/]"}
        faults = [
            sentences[fault] % {"m": forms[fault] % number, "n": number, "other": other}
            for fault, number, other in found.broken
        ]
        problems.append(
            Problem(
                "tokens_broken",
                ERROR,
                _("The markers do not fit together, so the paragraph cannot be published as it is: %(faults)s.")
                % {"faults": "; ".join(faults)},
                block_id,
            )
        )
    if found.extra:
        problems.append(
            Problem(
                "tokens_extra",
                ERROR,
                _("%(markers)s is not a marker of this paragraph's source; readers would see it as typed.")
                % {"markers": ", ".join(found.extra)},
                block_id,
            )
        )
    dropped_links = [t for t in found.missing if t.is_link and t.href not in target]
    if dropped_links:
        problems.append(
            Problem(
                "links",
                WARNING,
                _("The source links to %(urls)s; the link is missing here (put %(tokens)s around the words).")
                % {
                    "urls": ", ".join(t.href for t in dropped_links),
                    "tokens": ", ".join(t.written for t in dropped_links),
                },
                block_id,
            )
        )
    dropped = [t for t in found.missing if not t.is_link]
    if dropped:
        problems.append(
            Problem(
                "tokens_missing",
                WARNING,
                _("The source's %(tokens)s is missing here.")
                % {"tokens": ", ".join(f"{t.written} ({inline.describe(t)})" for t in dropped)},
                block_id,
            )
        )
    if found.duplicated:
        problems.append(
            Problem(
                "tokens_duplicated",
                WARNING,
                _("%(tokens)s is used more than once; the source has it once.")
                % {"tokens": ", ".join(t.opening for t in found.duplicated)},
                block_id,
            )
        )
    return problems


def language_problem(text: str, language: str, block_id: str = "") -> Problem | None:
    """An error when ``text`` is not in ``language`` (``assist.language``: the script, then a
    detector on longer texts; names marked or quoted are allowed). ``DESK_LANGUAGE_CHECK`` off:
    never (the test run's made-up "English for: <source>" texts; the desk has it on)."""
    if not settings.DESK_LANGUAGE_CHECK:
        return None
    verdict = wrong_language(text=text, language=language)
    if verdict is None:
        return None
    convention = CONVENTIONS.get(language)
    name = str(convention.name) if convention else language_name(language)
    if verdict.reason == "script":
        message = _(
            "This is not in %(language)s: most of its letters are in another alphabet (is it still the source "
            "text?). Translate it; a name kept in the original goes in quotation marks or is marked with its "
            "language."
        ) % {"language": name}
    else:
        message = _(
            "This reads as %(found)s, not %(language)s. Translate it; a passage kept in the original is marked "
            "with its language."
        ) % {"found": language_name(verdict.found), "language": name}
    return Problem("language", ERROR, message, block_id)


def _convention_checks(target: str, language: str, block_id: str) -> list[Problem]:
    """Decimals and quotation marks written the way of another language than ``language``."""
    convention = CONVENTIONS.get(language)
    if convention is None:
        return []
    problems: list[Problem] = []
    mark = convention.decimal_mark
    wrong = [f"{m.group(1)}{mark}{m.group(3)}" for m in _DECIMAL.finditer(target) if m.group(2) != mark]
    if wrong:
        problems.append(
            Problem(
                "number_format",
                WARNING,
                _("%(language)s writes decimals with “%(mark)s”: %(numbers)s.")
                % {
                    "language": convention.name,
                    "mark": mark,
                    "numbers": ", ".join(wrong),
                },
                block_id,
            )
        )
    foreign = sorted({q for q in target if q in convention.foreign_quotes})
    if foreign:
        problems.append(
            Problem(
                "quote_style",
                WARNING,
                _("%(language)s quotes with %(open)s…%(close)s; this has %(found)s.")
                % {
                    "language": convention.name,
                    "open": convention.quotes[0],
                    "close": convention.quotes[1],
                    "found": " ".join(foreign),
                },
                block_id,
            )
        )
    return problems


def translation_checks(
    *,
    title: str,
    source_blocks: Sequence[Mapping[str, Any]],
    target_blocks: Mapping[str, Any],
    glossary_by_block: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    machine_drafts: Mapping[str, Any] | None = None,
    target_language: str = "en",
) -> list[Problem]:
    """Every problem of a whole translation, title first, then block by block in source order."""
    problems: list[Problem] = []
    if not (title or "").strip():
        problems.append(Problem("title", ERROR, _("Give the translation a title.")))
    else:
        wrong = language_problem(title, target_language)
        if wrong is not None:
            problems.append(wrong)
    glossary_by_block = glossary_by_block or {}
    machine_drafts = machine_drafts or {}
    for block in source_blocks:
        block_id = str(block.get("id", ""))
        problems.extend(
            block_checks(
                block=block,
                entry=target_blocks.get(block_id),
                glossary=glossary_by_block.get(block_id, ()),
                machine_mark=machine_drafts.get(block_id),
                target_language=target_language,
            )
        )
    return problems


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


def by_block(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for p in problems:
        grouped.setdefault(p.block_id, []).append(p)
    return grouped


def name_spelling_checks(*, uses: Iterable[tuple[str, str, str]]) -> list[Problem]:
    """One spelling per person: a source name the translator spelt two ways in one story (the
    byline, a quote's attribution, a picture's credit; ``uses`` are ``(source name, spelling,
    block id)``, "" for the byline) is an error on each place that differs from the first."""
    first: dict[str, str] = {}
    problems: list[Problem] = []
    for name, spelling, block_id in uses:
        chosen = first.setdefault(name, spelling)
        if spelling.casefold() != chosen.casefold():
            problems.append(
                Problem(
                    "name_spelling",
                    ERROR,
                    _(
                        "%(name)s is spelt “%(chosen)s” elsewhere in this story and “%(spelling)s” here: give readers one spelling."
                    )
                    % {"name": name, "chosen": chosen, "spelling": spelling},
                    block_id,
                )
            )
    return problems
