"""The target language is checked (``translations.assist.language``): a paragraph still in the
source language, or in another language, is an error that blocks submission; names kept in the
original (quoted, or marked with ``lang``) and short strings pass."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, TranslationFactory
from translations import editing, workflow
from translations.assist import checks
from translations.models import State
from translations.workflow.base import SubmitRefused


@pytest.fixture(autouse=True)
def _language_check_on(settings):
    settings.DESK_LANGUAGE_CHECK = True  # the desk's default (the suite turns it off for its made-up texts)


def _codes(text: str, language: str = "en") -> list[str]:
    block = {"id": "b1", "kind": "paragraph", "text": "Сотрудники МИД вышли на пикет 17 августа в 11.00."}
    return [p.code for p in checks.block_checks(block=block, entry={"text": text}, target_language=language)]


def test_a_paragraph_still_in_cyrillic_is_an_error_in_an_english_job():
    problem = checks.language_problem("EN: Сотрудники МИД вышли на пикет 17 августа в 11.00.", "en", "b1")
    assert problem is not None and problem.is_error and problem.block_id == "b1"
    assert problem.message.startswith("This is not in English: most of its letters are in another alphabet")
    assert "language" in _codes("Сотрудники МИД вышли на пикет 17 августа в 11.00.")


def test_another_language_in_latin_letters_is_an_error():
    problem = checks.language_problem(
        "Am 17. August um 11.00 Uhr gingen Mitarbeiter des Ministeriums auf die Straße.", "en"
    )
    assert problem is not None and problem.is_error
    assert problem.message.startswith("This reads as German, not English.")
    # and Russian left in a Ukrainian job, though both are Cyrillic
    assert checks.language_problem("Вода подходила к самым порогам, и неделями до соседей добирались на лодках.", "uk")


@pytest.mark.parametrize(
    "text",
    [
        "MFA staff picketed on 17 August at 11:00.",
        "The newspaper «Наша Ніва» reported the picket on 17 August at 11:00.",
        'The artist, <span lang="be">Алена Кірыловіч</span>, spoke at the picket on 17 August at 11:00.',
        "“Культурны вектар” was there on 17 August at 11:00.",
    ],
)
def test_english_with_names_kept_in_the_original_passes(text):
    assert "language" not in _codes(text)


@pytest.mark.parametrize("text", ["11:00 to 19:00", "Okay.", "Hrodna, Brest, Pinsk", "Photo: Iryna Maltsava", "Da."])
def test_short_strings_never_misfire(text):
    assert checks.language_problem(text, "en") is None


def test_a_long_untranslated_quote_is_not_a_name():
    quoted = "«Весной вода стояла до самого порога, и мы детьми прыгали из окна прямо в лодку»"
    assert checks.language_problem(f"She remembers: {quoted}.", "en") is not None


def test_submission_is_refused_with_a_sentence_and_the_job_stays_in_progress(db):
    t = TranslationFactory(
        article=ArticleFactory(blocks=["Сотрудники МИД вышли на пикет.", "Второй абзац."]),
        state=State.IN_PROGRESS,
        filled=False,
    )
    b1, b2 = (b["id"] for b in t.source_revision.blocks)
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="MFA staff picket",
        blocks={b1: {"text": "Foreign Ministry staff picketed."}, b2: {"text": "Второй абзац."}},
    )
    with pytest.raises(SubmitRefused) as refused:
        workflow.translation_submit(translation=t, by=t.translator)
    assert "must be fixed first" in str(refused.value.message)
    assert [(p.code, p.block_id) for p in refused.value.problems if p.is_error] == [("language", b2)]
    t.refresh_from_db()
    assert t.state == State.IN_PROGRESS
    # Translated (keeping a name in the original, quoted), it goes.
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        blocks={b2: {"text": "The second paragraph, as «Наша Ніва» put it."}},
    )
    assert workflow.translation_submit(translation=t, by=t.translator).state == State.IN_REVIEW


def test_the_editor_shows_the_error_on_the_paragraph(client, db):
    t = TranslationFactory(
        article=ArticleFactory(blocks=["Сотрудники МИД вышли на пикет."]), state=State.IN_PROGRESS, filled=False
    )
    b1 = t.source_revision.blocks[0]["id"]
    editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, title="T", blocks={b1: {"text": "Сотрудники МИД."}}
    )
    client.force_login(t.translator)
    html = client.get(t.get_absolute_url()).content.decode()
    assert "This is not in English: most of its letters are in another alphabet" in html
