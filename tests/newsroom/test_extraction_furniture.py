"""Page furniture recognised by what it is, in any language (issue 27): sign-up, log-in and
search forms, "most read" lists, paywall and subscription notices. One small page per cause,
with class names that say nothing; then the multilingual development set as a whole.

Pure extraction: no database, nothing fetched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsroom.sources.extraction import blocks_from_pasted, extract_article
from newsroom.sources.extraction.furniture import is_service_form
from newsroom.sources.extraction.sanitising import structure_tree

URL = "https://gazeta.example/news/2024/05/story.html"
MULTILINGUAL = Path(__file__).resolve().parent.parent / "fixtures" / "multilingual"

STORY = [
    "Городские власти в четверг утром закрыли для движения мост через реку: льдины, которые вынесло "
    "течением из озера, скопились у опор, и инженеры опасаются за конструкцию пролёта.",
    "По словам представителя комитета по транспорту, решение приняли после ночного осмотра, во время "
    "которого водолазы обнаружили трещины в ледорезах и повреждения одной из опор.",
    "Жители окраин жалуются, что дорога до центра теперь занимает больше часа. Городские автобусы на "
    "время ограничений будут ходить чаще, а метро продлит работу до часа ночи.",
    "Мост планируют открыть в понедельник, если ледовая обстановка на реке изменится. Специалисты "
    "напоминают, что весной ледоход обычно продолжается около двух недель.",
]


def _page(inside: str, after: str = "") -> bytes:
    """A story with `inside` set between its second and third paragraphs, `after` after it."""
    ps = [f"<p>{p}</p>" for p in STORY]
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>Мост закрыли из-за ледохода</title>"
        "</head><body><div class='b-wrap'><h1>Мост закрыли из-за ледохода</h1><div class='b-text'>"
        + "".join(ps[:2])
        + inside
        + "".join(ps[2:])
        + after
        + "</div></div><div class='b-bottom'>© Газета</div></body></html>"
    ).encode()


def _texts(content: bytes) -> list[str]:
    article = extract_article(content=content, url=URL, headers={"Content-Type": "text/html; charset=utf-8"})
    return [b["text"] for b in article.blocks if b["kind"] in {"paragraph", "heading", "quote", "list_item"}]


# --------------------------------------------------------------------------- forms

INVITATION = "Оставьте адрес электронной почты, и мы будем присылать вам самые важные новости каждое утро."


@pytest.mark.parametrize(
    "form",
    [
        f"<form action='/api/x'><p>{INVITATION}</p><input type='email' name='f1'><button>OK</button></form>",
        f"<form action='/api/x'><p>{INVITATION}</p><input name='user_email' placeholder='Ваш e-mail'></form>",
        f"<form action='https://list.example/subscribe/post'><p>{INVITATION}</p><input name='f1'></form>",
        f"<form action='/x'><p>{INVITATION}</p><input type='text' name='u'><input type='password' name='p'></form>",
    ],
    ids=["email-input", "placeholder", "action", "password"],
)
def test_a_sign_up_or_log_in_form_set_in_the_story_is_not_story(form: str) -> None:
    texts = _texts(_page(f"<div class='b-box'><div class='b-box__title'>Главное за день</div>{form}</div>"))

    assert texts == STORY


def test_a_search_form_is_known_by_its_role_or_its_query_field() -> None:
    for markup in ("<form role='search'><input name='x'></form>", "<form action='/find'><input name='q'></form>"):
        _markup, doc = structure_tree(markup)
        assert is_service_form(next(doc.iter("form")))
    _markup, doc = structure_tree("<form action='/Article.aspx?id=7'><input type='hidden' name='__VIEWSTATE'></form>")
    assert not is_service_form(next(doc.iter("form")))


def test_a_form_that_wraps_the_whole_page_keeps_the_story_and_its_search_box_goes() -> None:
    wrapper = "<form action='./Article.aspx?id=7'><div class='b-search'><input type='search' name='q'></div>"
    page = _page("").replace(b"<div class='b-wrap'>", wrapper.encode() + b"<div class='b-wrap'>")
    page = page.replace(b"<div class='b-bottom'>", b"</form><div class='b-bottom'>")

    assert _texts(page) == STORY
    pasted = blocks_from_pasted(text_or_html=wrapper + "".join(f"<p>{p}</p>" for p in STORY) + "</form>")
    assert [b["text"] for b in pasted] == STORY


# --------------------------------------------------------------------------- "most read"

MOST_READ = (
    "<div class='b-top'><div class='b-top__head'>{title}</div><ol>"
    "<li><a href='/news/1'>Суд арестовал бывшего вице-губернатора по делу о взятке в особо крупном размере</a>"
    "<p>Следствие считает, что чиновник получил деньги от подрядчика за контракт на ремонт дорог.</p></li>"
    "<li><a href='/news/2'>Цены на бензин в регионе выросли третью неделю подряд</a>"
    "<p>Аналитики связывают рост цен с ремонтом на крупнейшем нефтеперерабатывающем заводе.</p></li>"
    "<li><a href='/news/3'>В зоопарке родились два детёныша амурского тигра</a>"
    "<p>Посетители смогут увидеть тигрят в вольере уже в начале лета, обещают сотрудники.</p></li>"
    "</ol></div>"
)


@pytest.mark.parametrize(
    "title", ["Самое читаемое", "Самае чытанае", "Найпопулярніше", "Najczęściej czytane", "Meistgelesen", "Most read"]
)
def test_a_most_read_list_after_the_story_is_not_story(title: str) -> None:
    texts = _texts(_page("", after=MOST_READ.format(title=title)))

    assert texts == STORY


# --------------------------------------------------------------------------- paywall notices


@pytest.mark.parametrize(
    "notice",
    [
        "Этот материал доступен только подписчикам. Оформите подписку, чтобы продолжить чтение.",
        "Гэты матэрыял даступны толькі для падпісчыкаў. Аформіце падпіску, каб чытаць далей.",
        "Цей матеріал доступний лише передплатникам. Оформіть передплату, щоб читати далі.",
        "Ten artykuł jest dostępny tylko dla subskrybentów. Wykup subskrypcję, aby czytać dalej.",
        "Dieser Artikel ist nur für Abonnenten verfügbar. Jetzt abonnieren und weiterlesen.",
        "This article is for subscribers only. Subscribe to continue reading the whole story.",
    ],
    ids=["ru", "be", "uk", "pl", "de", "en"],
)
def test_a_paywall_notice_is_known_by_its_words(notice: str) -> None:
    texts = _texts(_page("", after=f"<div class='b-note'><p>{notice}</p></div>"))

    assert texts == STORY


def test_a_short_box_around_a_log_in_link_is_not_story_in_a_language_without_patterns() -> None:
    gate = (
        "<div class='b-note'><p>Este contenido es exclusivo para nuestra comunidad de lectores.</p>"
        "<p>¿Ya tienes cuenta? <a href='https://gazeta.example/account/login?next=/news'>Inicia sesión</a></p></div>"
    )

    assert _texts(_page("", after=gate)) == STORY


# --------------------------------------------------------------------------- the development set


def test_the_multilingual_development_set_keeps_every_story_line_and_no_furniture() -> None:
    expected = json.loads((MULTILINGUAL / "expected.json").read_text())["pages"]
    for key, page in expected.items():
        content = (MULTILINGUAL / f"{key}.html").read_bytes()
        texts = _texts(content)
        for line in page["story"]:
            assert line in texts, (key, line)
        furniture = [line for lines in page["furniture"].values() for line in lines]
        assert not [t for t in texts if any(line in t for line in furniture)], key
