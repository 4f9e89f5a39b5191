"""source_diff: paragraph-by-paragraph alignment of two source revisions."""

from __future__ import annotations

from newsroom.sources.diff import source_diff
from tests.factories import make_blocks

A = "Первый абзац про пикет у здания министерства семнадцатого августа."
B = "Второй абзац: на пикет вышли 1 200 человек, милиция не вмешивалась."
C = "Третий абзац о заявлениях дипломатов и послов в Словакии."
D = "Совершенно новый абзац, добавленный редакцией позже."


def statuses(changes: list[dict]) -> list[str]:
    return [c["status"] for c in changes]


def test_identical_revisions_are_all_same() -> None:
    blocks = make_blocks([A, B, C])

    assert statuses(source_diff(blocks, blocks)) == ["same", "same", "same"]


def test_edited_paragraph_is_changed_not_removed_and_added() -> None:
    old = make_blocks([A, B, C])
    new = make_blocks([A, B.replace("1 200", "1 500"), C])

    changes = source_diff(old, new)

    assert statuses(changes) == ["same", "changed", "same"]
    assert changes[1]["old"]["text"] == B and "1 500" in changes[1]["new"]["text"]


def test_inserted_and_removed_paragraphs() -> None:
    old = make_blocks([A, B, C])
    new = make_blocks([A, D, C])

    assert statuses(source_diff(old, new)) == ["same", "removed", "added", "same"]
    assert statuses(source_diff(make_blocks([A, C]), make_blocks([A, D, C]))) == ["same", "added", "same"]
    assert statuses(source_diff(make_blocks([A, B, C]), make_blocks([A, C]))) == ["same", "removed", "same"]


def test_edit_next_to_insertion_keeps_the_pairing() -> None:
    old = make_blocks([A, B, C])
    new = make_blocks([A, D, B + " Обновлено.", C])

    changes = source_diff(old, new)

    assert statuses(changes) == ["same", "added", "changed", "same"]
    assert changes[2]["old"]["text"] == B
