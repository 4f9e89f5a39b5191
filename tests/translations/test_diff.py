"""The word diff: escaped HTML with <ins>/<del>, word-level, any script."""

from __future__ import annotations

from translations.assist import diff


def test_tokens_join_back_to_the_text():
    text = "Сотрудники МИД вышли, 17 августа —  на пикет!\nNext line."
    assert "".join(diff.tokenize(text)) == text


def test_unchanged_text_has_no_markup():
    assert diff.word_diff("Same words here.", "Same words here.") == "Same words here."


def test_changed_word_is_deleted_and_inserted():
    html = diff.word_diff("The quick brown fox", "The slow brown fox")
    assert html == "The <del>quick</del><ins>slow</ins> brown fox"


def test_added_and_removed_words():
    assert diff.word_diff("one two", "one two three") == "one two<ins> three</ins>"
    assert diff.word_diff("one two three", "one three") == "one <del>two </del>three"


def test_script_is_escaped_in_every_part():
    html = diff.word_diff("<b>old</b> & safe", 'new <script>alert("x")</script> & safe')
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;" in html and "script" in html
    assert "&quot;x&quot;" in html
    assert "&amp; safe" in html
    added = diff.word_diff("", "<script>x</script>")
    assert added == "<ins>&lt;script&gt;x&lt;/script&gt;</ins>"


def test_unicode_words_are_diffed_as_words():
    html = diff.word_diff("Окрестина — изолятор", "Окрестин — изолятор")
    assert html == "<del>Окрестина</del><ins>Окрестин</ins> — изолятор"
    assert diff.word_diff("Мінск", "Мінск і Гомель") == "Мінск<ins> і Гомель</ins>"


def test_empty_sides():
    assert diff.word_diff("", "") == ""
    assert diff.word_diff("", "new") == "<ins>new</ins>"
    assert diff.word_diff("old", "") == "<del>old</del>"


def test_omitted_block_reads_as_left_out():
    assert diff.block_text({"a": {"text": "x", "omitted": True, "reason": "ad"}}, "a") == "[left out: ad]"
    assert diff.block_text({}, "missing") == ""


def test_source_changes_by_block_id():
    old = [{"id": "a", "text": "Один"}, {"id": "b", "text": "Два"}, {"id": "c", "text": "Три"}]
    new = [{"id": "a", "text": "Один"}, {"id": "b", "text": "Два с половиной"}, {"id": "d", "text": "Четыре"}]
    rows = {r["id"]: r for r in diff.source_changes(old, new)}
    assert set(rows) == {"b", "c", "d"}
    assert rows["b"]["change"] == "changed"
    assert "<ins> с половиной</ins>" in rows["b"]["diff"]
    assert rows["c"]["change"] == "removed"
    assert rows["d"]["change"] == "added"
