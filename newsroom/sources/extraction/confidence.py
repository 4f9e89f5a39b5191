"""How sure the importer is of a story's text, from 0 to 1, so a doubtful extraction is shown
to an editor instead of accepted silently.

Two independent readings of the page are compared: our blocks and trafilatura's own text
(`agreement`: the word-level F1 between the two, words counted with repeats), and how much of
our text came from the container trafilatura's votes point at rather than from the blocks
the story was widened to (`core_share`). The score is the agreement, lowered by up to a
quarter when little of the text came from the core. Below `LOW` the desk shows "check the
extraction". Measured on the shared benchmark (bench/extraction.py prints it), pages under the
line are the ones whose F1 is low.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .blocks import TEXT_KINDS

LOW = 0.75
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Confidence:
    score: float
    agreement: float
    core_share: float

    @property
    def is_low(self) -> bool:
        return self.score < LOW

    def as_json(self) -> dict[str, float | bool]:
        """What a source revision stores (``SourceRevision.extraction_confidence``)."""
        return {"score": self.score, "agreement": self.agreement, "core_share": self.core_share, "is_low": self.is_low}


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def extraction_confidence(*, blocks: list[dict[str, Any]], reference: list[str], core_share: float) -> Confidence:
    """Our text blocks against trafilatura's lines (`reference`); see the module docstring."""
    ours = _words(" ".join(b["text"] for b in blocks if b["kind"] in TEXT_KINDS))
    theirs = _words(" ".join(reference))
    common = sum((ours & theirs).values())
    if not common:
        agreement = 0.0
    else:
        precision, recall = common / sum(ours.values()), common / sum(theirs.values())
        agreement = 2 * precision * recall / (precision + recall)
    score = agreement * (0.75 + 0.25 * core_share)
    return Confidence(score=round(score, 3), agreement=round(agreement, 3), core_share=round(core_share, 3))
