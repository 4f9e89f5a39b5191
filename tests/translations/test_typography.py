"""Clean paste: what text_clean removes, keeps and turns into a plain space."""

from __future__ import annotations

import pytest

from translations.assist.typography import text_clean


@pytest.mark.parametrize(
    ("pasted", "stored"),
    [
        ("para\u00adsites", "parasites"),
        ("a\u200bb\u200cc\u200dd\u2060e\ufefff", "abcdef"),
        ("in\u00a0Minsk", "in Minsk"),
        ("end\u202f", "end "),
        ("5\u00a0km, 20\u00a0%, 1\u202f200, €\u00a030", "5\u00a0km, 20\u00a0%, 1\u202f200, €\u00a030"),
        ("•\tone\n  ·\ttwo\n–\tthree", "one\ntwo\nthree"),
        ("a – b\nx •\ty", "a – b\nx •\ty"),  # a dash or bullet inside a line is text
    ],
)
def test_text_clean(pasted, stored):
    assert text_clean(pasted) == stored
