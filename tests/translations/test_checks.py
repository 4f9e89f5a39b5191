"""Pre-submit checks: pure functions over source blocks and target entries."""

from __future__ import annotations

import pytest

from translations.assist import checks, glossary
from translations.assist.checks import ERROR, WARNING


def block(text, *, kind="paragraph", html=None, bid="b1", attrs=None):
    return {"id": bid, "kind": kind, "text": text, "html": html if html is not None else text, "attrs": attrs or {}}


def codes(problems):
    return [(p.code, p.severity) for p in problems]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("1 200", "1200"),
        ("1\u00a0200", "1200"),
        ("1\u202f200", "1200"),
        ("1,200", "1200"),
        ("1.200", "1200"),
        ("3,5", "3.5"),
        ("3.5", "3.5"),
        ("3.50", "3.5"),
        ("0,125", "0.125"),
        ("1,200.50", "1200.5"),
        ("1 200,5", "1200.5"),
        ("12 500 000", "12500000"),
        ("2020", "2020"),
    ],
)
def test_numbers_are_normalised(raw, normal):
    assert checks.normalise_number(raw) == normal


def test_numbers_in_text_ignore_currency_and_percent_units():
    assert checks.numbers_in("Цена 1 200 BYN, рост 3,5%, 50 ₽ и €20") == checks.numbers_in(
        "The price is BYN 1,200, up 3.5 percent, RUB 50 and 20 euros"
    )


def test_a_year_followed_by_a_number_is_two_numbers():
    assert dict(checks.numbers_in("в 2020 300 человек")) == {"2020": 1, "300": 1}


def test_matching_translation_has_no_problems():
    source = block("В Минске 17 августа на пикет вышли 1 200 человек.")
    assert checks.block_checks(block=source, entry={"text": "On 17 August 1,200 people picketed in Minsk."}) == []


def test_number_mismatch_is_a_warning_naming_the_numbers():
    problems = checks.block_checks(block=block("Пришли 1 200 человек."), entry={"text": "1,300 people came."})
    assert codes(problems) == [("numbers", WARNING)]
    assert "1200" in problems[0].message and "1300" in problems[0].message


def test_decimal_comma_matches_decimal_point():
    problems = checks.block_checks(block=block("Рост составил 3,5%."), entry={"text": "Growth was 3.5%."})
    assert problems == []


def test_untranslated_block_is_an_error():
    assert codes(checks.block_checks(block=block("Текст."), entry=None)) == [("untranslated", ERROR)]
    assert codes(checks.block_checks(block=block("Текст."), entry={"text": "   "})) == [("untranslated", ERROR)]


def test_left_out_block_with_reason_is_fine_without_reason_is_an_error():
    assert checks.block_checks(block=block("Реклама."), entry={"omitted": True, "reason": "Advert"}) == []
    assert codes(checks.block_checks(block=block("Реклама."), entry={"omitted": True})) == [
        ("omitted_no_reason", ERROR)
    ]


def test_embed_needs_no_translation_image_caption_does():
    assert checks.block_checks(block=block("", kind="embed"), entry=None) == []
    image = block("Пикет", kind="image", attrs={"caption": "Пикет у МИД"})
    assert codes(checks.block_checks(block=image, entry=None)) == [("untranslated", ERROR)]
    bare = block("", kind="image", attrs={"src": "x.jpg", "caption": None})
    assert checks.block_checks(block=bare, entry=None) == []


def test_glossary_term_not_used_is_a_warning():
    problems = checks.block_checks(
        block=block("Их отвезли на Окрестина."),
        entry={"text": "They were taken to Akrestsin."},
        glossary=[("Окрестина", "Okrestin")],
    )
    assert codes(problems) == [("glossary", WARNING)]
    ok = checks.block_checks(
        block=block("Их отвезли на Окрестина."),
        entry={"text": "They were taken to okrestin."},
        glossary=[("Окрестина", "Okrestin")],
    )
    assert ok == []


def test_dropped_link_is_a_warning():
    source = block("Читайте заявление.", html='Читайте <a href="https://mfa.gov.by/x">заявление</a>.')
    assert codes(checks.block_checks(block=source, entry={"text": "Read the statement."})) == [("links", WARNING)]
    kept = {"text": 'Read the <a href="https://mfa.gov.by/x">statement</a>.'}
    assert checks.block_checks(block=source, entry=kept) == []


def test_dropped_quotes_is_a_warning():
    source = block("Он сказал: «Мы против насилия».")
    assert codes(checks.block_checks(block=source, entry={"text": "He said he was against violence."})) == [
        ("quotes", WARNING)
    ]
    assert checks.block_checks(block=source, entry={"text": "He said: “We are against violence.”"}) == []


def test_length_far_off_is_a_warning_but_short_blocks_are_exempt():
    source = block("Сотрудники министерства вышли на пикет против насилия в центре столицы.")
    assert codes(checks.block_checks(block=source, entry={"text": "Picket."})) == [("length", WARNING)]
    assert codes(checks.block_checks(block=source, entry={"text": "word " * 60})) == [("length", WARNING)]
    assert checks.block_checks(block=block("Фото: ТАСС"), entry={"text": "Photo: TASS agency, archive"}) == []


def test_translation_checks_empty_title_is_error_and_order_follows_source():
    blocks = [block("Раз.", bid="a"), block("Два 2.", bid="b")]
    problems = checks.translation_checks(title=" ", source_blocks=blocks, target_blocks={"b": {"text": "Two 3."}})
    assert [(p.code, p.block_id) for p in problems] == [("title", ""), ("untranslated", "a"), ("numbers", "b")]
    assert checks.has_errors(problems)
    assert set(checks.by_block(problems)) == {"", "a", "b"}


def test_only_warnings_do_not_block():
    problems = checks.translation_checks(
        title="T", source_blocks=[block("Два 2.")], target_blocks={"b1": {"text": "Two 3."}}
    )
    assert problems and not checks.has_errors(problems)


# --- glossary matching (pure) ----------------------------------------------------------------


class Term:
    def __init__(self, source_term, target_term="X", note=""):
        self.source_term, self.target_term, self.note = source_term, target_term, note


@pytest.mark.parametrize("text", ["на Окрестина", "на Окрестиной", "в Окрестине", "ОКРЕСТИН", "изолятор окрестина"])
def test_glossary_matches_inflected_forms_case_insensitively(text):
    assert [h.source_term for h in glossary.find_terms(text, [Term("Окрестина")])] == ["Окрестина"]


def test_glossary_does_not_match_inside_other_words_or_far_endings():
    assert glossary.find_terms("Заокрестинский район", [Term("Окрестина")]) == []
    assert glossary.find_terms("Окрестинаааааааа", [Term("Окрестина")]) == []


def test_glossary_multiword_term_and_yo():
    hits = glossary.find_terms(
        "Встреча с Светланой Тихановской прошла", [Term("Светлана Тихановская", "Sviatlana Tsikhanouskaya")]
    )
    assert [h.target_term for h in hits] == ["Sviatlana Tsikhanouskaya"]
    assert glossary.find_terms("Ещё раз", [Term("еще")])


def test_stem_keeps_short_words_whole():
    assert glossary.stem("МИД") == "мид"
    assert glossary.stem("Окрестина") == "окрестин"


# --- conventions of the target language ------------------------------------------------------


def test_decimals_written_the_other_languages_way_are_a_warning():
    source = block("Рост составил 3,5%.")
    german = checks.block_checks(block=source, entry={"text": "Das Wachstum betrug 3.5 %."}, target_language="de")
    assert codes(german) == [("number_format", WARNING)]
    assert "3,5" in german[0].message
    assert checks.block_checks(block=source, entry={"text": "Das Wachstum betrug 3,5 %."}, target_language="de") == []
    english = checks.block_checks(block=source, entry={"text": "Growth was 3,5%."}, target_language="en")
    assert codes(english) == [("number_format", WARNING)]
    # "1.200" may group thousands in German: never flagged.
    grouped = block("Пришли 1 200 человек.")
    assert checks.block_checks(block=grouped, entry={"text": "1.200 Menschen kamen."}, target_language="de") == []


@pytest.mark.parametrize(
    ("language", "good", "bad"),
    [
        ("de", "Er sagte: „Wir sind gegen Gewalt.“", "Er sagte: “Wir sind gegen Gewalt.”"),
        ("pl", "Powiedział: „Jesteśmy przeciw przemocy”.", 'Powiedział: "Jesteśmy przeciw przemocy".'),
        ("uk", "Він сказав: «Ми проти насильства».", "Він сказав: “Ми проти насильства”."),
        ("fr", "Il a dit : « Nous sommes contre la violence. »", "Il a dit : „Nous sommes contre la violence.“"),
        ("lt", "Jis pasakė: „Mes prieš smurtą.“", "Jis pasakė: «Mes prieš smurtą.»"),
        ("en", "He said: “We are against violence.”", "He said: „We are against violence.“"),
    ],
)
def test_quotation_marks_fit_the_target_language(language, good, bad):
    source = block("Он сказал: «Мы против насилия».")
    assert checks.block_checks(block=source, entry={"text": good}, target_language=language) == []
    problems = checks.block_checks(block=source, entry={"text": bad}, target_language=language)
    assert codes(problems) == [("quote_style", WARNING)]
    assert checks.CONVENTIONS[language].quotes[0] in problems[0].message


def test_whole_translation_checks_use_the_target_language():
    problems = checks.translation_checks(
        title="T",
        source_blocks=[block("Рост 3,5%.")],
        target_blocks={"b1": {"text": "Wachstum 3.5 %."}},
        target_language="de",
    )
    assert codes(problems) == [("number_format", WARNING)]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Выстава працуе з 11.00 да 19.00.", "The exhibition is open from 11:00 to 19:00."),
        ("Курс — 2,58 рубля.", "The rate is 2.58 roubles."),
        ("Прыйшлі 1 000 чалавек.", "1,000 people came."),
        ("Прыйшлі 1 000 чалавек.", "1000 people came."),
        ("Пачатак а 9.30.", "It starts at 9:30."),
    ],
)
def test_numbers_compare_by_value_whatever_the_writing(source, target):
    assert checks.block_checks(block=block(source), entry={"text": target}) == []


def test_a_real_difference_still_warns_times_included():
    assert codes(checks.block_checks(block=block("Было 12 чалавек."), entry={"text": "13 people were there."})) == [
        ("numbers", WARNING)
    ]
    problems = checks.block_checks(block=block("З 11.00 да 19.00."), entry={"text": "From 11:00 to 18:00."})
    assert codes(problems) == [("numbers", WARNING)] and "19" in problems[0].message and "18" in problems[0].message
