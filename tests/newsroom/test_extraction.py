"""Extraction of the fixture pages, fetched over real HTTP, against expected.json."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import pytest

from newsroom.sources import fetching
from newsroom.sources.extraction import ExtractedArticle, blocks_from_pasted, decode_html, extract_article
from tests.fixture_server import _check_fixtures

PAGES = _check_fixtures().fixture_names("sources/site", "*.html")


normalize_text = _check_fixtures().normalize_text

_cache: dict[str, tuple[fetching.FetchResult, ExtractedArticle]] = {}


def _extract(base: str, page: str) -> tuple[fetching.FetchResult, ExtractedArticle]:
    if page not in _cache:
        result = fetching.fetch(f"{base}/{page}", allow_loopback=True)
        article = extract_article(content=result.content, url=result.final_url, headers=result.headers)
        _cache[page] = (result, article)
    return _cache[page]


@pytest.fixture
def page_case(request: pytest.FixtureRequest, fixture_server: str, fixture_expected: dict[str, Any]) -> Any:
    page = request.param
    _result, article = _extract(fixture_server, page)
    return article, fixture_expected["pages"][page]


def _kind(article: ExtractedArticle, kind: str) -> list[dict[str, Any]]:
    return [b for b in article.blocks if b["kind"] == kind]


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def test_every_fixture_page_has_an_expectation(fixture_expected: dict[str, Any]) -> None:
    assert set(PAGES) == set(fixture_expected["pages"])


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_metadata_matches_expected(page_case: Any) -> None:
    article, exp = page_case
    assert article.url == exp["url"]
    assert article.canonical == exp["canonical"]
    assert article.charset == exp["charset"]
    assert article.language == exp["language"]
    assert article.site_name == exp["site_name"]
    assert article.title == exp["title"]
    assert article.published == _instant(exp["published"])
    assert article.modified == _instant(exp["modified"])
    assert article.authors == exp["authors"]
    assert article.tags == exp["tags"]
    assert (normalize_text(article.lead) if article.lead else None) == exp["lead"]
    assert article.paywalled == exp["paywalled"]


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_published_is_aware_or_none(page_case: Any) -> None:
    article, _exp = page_case
    for value in (article.published, article.modified):
        assert value is None or value.utcoffset() is not None


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_paragraphs_are_exact(page_case: Any) -> None:
    article, exp = page_case
    paragraphs = [normalize_text(b["text"]) for b in _kind(article, "paragraph")]
    assert paragraphs == exp["paragraphs"]
    assert len(paragraphs) == exp["paragraph_count"]


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_structure_matches_expected(page_case: Any) -> None:
    article, exp = page_case
    if exp["outline"] is not None:
        assert [b["kind"] for b in article.blocks] == exp["outline"]
    assert [
        {"level": b["attrs"]["level"], "text": normalize_text(b["text"])} for b in _kind(article, "heading")
    ] == exp["headings"]
    assert [{"text": normalize_text(b["text"]), "cite": b["attrs"]["cite"]} for b in _kind(article, "quote")] == exp[
        "quotes"
    ]
    assert [normalize_text(b["text"]) for b in _kind(article, "list_item")] == exp["list_items"]


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_images_and_embeds_match_expected(page_case: Any) -> None:
    article, exp = page_case
    images = [  # the photographer, named in the caption or its markup, is apart from the caption
        {
            "src": b["attrs"]["src"],
            "alt": b["attrs"]["alt"],
            "caption": b["attrs"]["caption"],
            **({"credit": b["attrs"]["credit"]} if "credit" in b["attrs"] else {}),
        }
        for b in _kind(article, "image")
    ]
    if exp.get("images_exact", True):
        assert images == exp["images"]
    else:
        for image in exp["images"]:
            assert image in images
    embeds = [(i, b["attrs"]) for i, b in enumerate(article.blocks) if b["kind"] == "embed"]
    assert len(embeds) == len(exp["embeds"])
    for (index, attrs), want in zip(embeds, exp["embeds"], strict=True):
        assert attrs["provider"] == want["provider"]
        assert attrs["src"] == want["src"]
        assert attrs.get("video_id") == want.get("video_id")
        assert index == want["block_index"]


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_links_keep_their_href(page_case: Any) -> None:
    article, exp = page_case
    markup = " ".join(b["html"] for b in article.blocks)
    for link in exp["links"]:
        pattern = rf'<a href="{re.escape(html.escape(link["href"]))}" rel="noopener noreferrer nofollow">{re.escape(link["text"])}</a>'
        assert re.search(pattern, markup), link


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_page_keeps_story_and_drops_clutter(page_case: Any) -> None:
    article, exp = page_case
    text = " ".join(normalize_text(b["text"]) for b in article.blocks)
    markup = " ".join(b["html"] for b in article.blocks)
    for sentence in exp["must_contain"]:
        assert normalize_text(sentence) in text
    for clutter in exp["must_not_contain"]:
        assert normalize_text(clutter) not in text
        assert clutter not in markup


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_block_html_uses_only_the_inline_allow_list(page_case: Any) -> None:
    article, _exp = page_case
    for block in article.blocks:
        for tag, attrs in re.findall(r"<([a-zA-Z0-9]+)([^>]*)>", block["html"]):
            assert tag in {"a", "strong", "em", "b", "i", "br", "sup", "sub", "span"}
            names = set(re.findall(r"([a-z-]+)=", attrs))
            assert names <= {"a": {"href", "rel"}, "span": {"lang"}}.get(tag, set())
        for href in re.findall(r'href="([^"]*)"', block["html"]):
            assert href.startswith(("http://", "https://"))


@pytest.mark.parametrize("page_case", PAGES, indirect=True)
def test_block_ids_are_unique_and_derived_from_kind(page_case: Any) -> None:
    article, _exp = page_case
    ids = [b["id"] for b in article.blocks]
    assert len(ids) == len(set(ids))
    prefixes = {"paragraph": "p-", "heading": "h-", "quote": "q-", "list_item": "li-", "image": "img-", "embed": "em-"}
    for block in article.blocks:
        assert re.fullmatch(r"[a-z]+-[0-9a-f]{10}(-\d+)?", block["id"])
        assert block["id"].startswith(prefixes[block["kind"]])


def test_hostile_page_has_no_payload_anywhere(fixture_server: str, fixture_expected: dict[str, Any]) -> None:
    _result, article = _extract(fixture_server, "sources/site/xss-hostile.html")
    exp = fixture_expected["pages"]["sources/site/xss-hostile.html"]
    for block in article.blocks:
        blob = f"{block['text']} {block['html']} {block['attrs']}"
        assert "fx-xss-" not in blob
        for fragment in exp["dangerous_fragments"]:
            assert fragment.lower() not in blob.lower()
            assert fragment.lower() not in html.unescape(blob).lower()


def test_hostile_page_keeps_its_eight_paragraphs_and_photo(
    fixture_server: str, fixture_expected: dict[str, Any]
) -> None:
    _result, article = _extract(fixture_server, "sources/site/xss-hostile.html")
    exp = fixture_expected["pages"]["sources/site/xss-hostile.html"]
    assert [normalize_text(b["text"]) for b in _kind(article, "paragraph")] == exp["paragraphs"]
    photo = next(b for b in _kind(article, "image") if b["attrs"]["alt"] == "Центральная аллея парка")
    assert "onload" not in str(photo)


def test_hostile_page_links_are_not_resolved_against_base_href(fixture_server: str) -> None:
    _result, article = _extract(fixture_server, "sources/site/xss-hostile.html")
    for block in article.blocks:
        assert "evil.example" not in block["html"]
        assert "evil.example" not in str(block["attrs"])
    image = next(b for b in _kind(article, "image") if b["attrs"]["alt"])
    assert image["attrs"]["src"].startswith(fixture_server)


def test_drop_cap_joins_its_word(fixture_server: str) -> None:
    _result, article = _extract(fixture_server, "sources/site/long-read.html")
    assert article.blocks[0]["text"].startswith("Еще шестьдесят")


def test_lazy_images_use_data_src_not_placeholder(fixture_server: str) -> None:
    _result, article = _extract(fixture_server, "sources/site/be-culture.html")
    for block in _kind(article, "image"):
        assert not block["attrs"]["src"].startswith("data:")


def test_no_metadata_page_never_guesses_a_date(fixture_server: str) -> None:
    result, article = _extract(fixture_server, "sources/site/no-metadata.html")
    assert "last-modified" in result.headers  # the server offers one; it is not a publication date
    assert article.published is None
    assert article.modified is None


def test_paywall_page_imports_free_paragraphs_only(fixture_server: str) -> None:
    _result, article = _extract(fixture_server, "sources/site/paywall.html")
    assert article.paywalled
    assert len(article.blocks) == 2
    assert all("подписк" not in b["text"] for b in article.blocks)


def test_cp1251_page_with_right_charset_header(fixture_server: str, fixture_expected: dict[str, Any]) -> None:
    result = fetching.fetch(f"{fixture_server}/_t/cp1251?charset=windows-1251", allow_loopback=True)
    assert result.headers["content-type"] == "text/html; charset=windows-1251"
    article = extract_article(content=result.content, url=result.final_url, headers=result.headers)
    exp = fixture_expected["pages"]["sources/site/cp1251-economy.html"]
    assert article.charset == "windows-1251"
    assert [normalize_text(b["text"]) for b in _kind(article, "paragraph")] == exp["paragraphs"]


def test_cp1251_page_with_wrong_utf8_header_is_decoded_by_its_meta(
    fixture_server: str, fixture_expected: dict[str, Any]
) -> None:
    result = fetching.fetch(f"{fixture_server}/_t/cp1251?charset=utf-8", allow_loopback=True)
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    article = extract_article(content=result.content, url=result.final_url, headers=result.headers)
    exp = fixture_expected["pages"]["sources/site/cp1251-economy.html"]
    assert article.charset == "windows-1251"
    assert article.title == exp["title"]
    assert all("\ufffd" not in b["text"] for b in article.blocks)
    assert [normalize_text(b["text"]) for b in _kind(article, "paragraph")] == exp["paragraphs"]


def test_utf8_header_wins_when_the_bytes_are_utf8_and_meta_lies() -> None:
    page = '<html><head><meta charset="windows-1251"></head><body><p>Привет, мир</p></body></html>'
    charset, text = decode_html(content=page.encode("utf-8"), content_type="text/html; charset=utf-8")
    assert charset == "utf-8"
    assert "Привет, мир" in text


@pytest.mark.parametrize("encoding", ["koi8-r", "windows-1251", "utf-8"])
def test_undeclared_cyrillic_encodings_are_detected(fixture_server: str, encoding: str) -> None:
    _result, article = _extract(fixture_server, "sources/site/no-metadata.html")
    paragraphs = [b["text"].replace("«", '"').replace("»", '"') for b in article.blocks]  # KOI8-R has no «»
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = f"<html><head><title>{article.title}</title></head><body><h1>{article.title}</h1>{body}</body></html>"
    charset, text = decode_html(content=page.encode(encoding), content_type="text/html")
    assert charset == encoding
    assert paragraphs[0] in text


def test_bom_wins_over_declarations() -> None:
    page = '<meta charset="windows-1251"><p>Беларусь</p>'.encode()
    charset, text = decode_html(content=b"\xef\xbb\xbf" + page, content_type="text/html; charset=koi8-r")
    assert charset == "utf-8"
    assert "Беларусь" in text


def test_language_detected_without_any_declaration() -> None:
    russian = (
        "<html><body>" + "<p>Приют для бездомных животных просит горожан о помощи: собакам нужны теплые будки.</p>" * 3
    )
    belarusian = (
        "<html><body>" + "<p>Выстава будзе працаваць да 15 лістапада, уваходны білет каштуе пяць рублёў.</p>" * 3
    )
    assert extract_article(content=russian.encode(), url="https://a.example/ru").language == "ru"
    assert extract_article(content=belarusian.encode(), url="https://a.example/be").language == "be"


def _page(paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<html lang="ru"><body><article><h1>Заголовок</h1><div class="text">{body}</div></article></body></html>'.encode()


PARAS = [
    "Первый абзац достаточно длинный, чтобы его сочли текстом статьи, а не мусором.",
    "Второй абзац тоже длинный и рассказывает о чем-то важном для читателей сайта.",
    "Третий абзац завершает историю и содержит еще немного текста для веса.",
]


def test_unchanged_paragraph_keeps_its_id_on_refetch() -> None:
    first = extract_article(content=_page(PARAS), url="https://a.example/x")
    edited = [PARAS[0], PARAS[1].replace("важном", "новом"), PARAS[2]]
    second = extract_article(content=_page(edited), url="https://a.example/x")
    assert first.blocks[0]["id"] == second.blocks[0]["id"]
    assert first.blocks[2]["id"] == second.blocks[2]["id"]
    assert first.blocks[1]["id"] != second.blocks[1]["id"]


def test_repeated_paragraphs_get_numbered_ids() -> None:
    article = extract_article(content=_page([PARAS[0], PARAS[1], PARAS[0], PARAS[0]]), url="https://a.example/x")
    ids = [b["id"] for b in article.blocks]
    assert ids[2] == f"{ids[0]}-2"
    assert ids[3] == f"{ids[0]}-3"


def test_pasted_plain_text_splits_on_blank_lines_with_fetch_ids() -> None:
    blocks = blocks_from_pasted(text_or_html="\n\n".join(PARAS) + "\n\n\n")
    fetched = extract_article(content=_page(PARAS), url="https://a.example/x")
    assert [b["text"] for b in blocks] == PARAS
    assert [b["id"] for b in blocks] == [b["id"] for b in fetched.blocks]


def test_pasted_html_is_sanitised_like_a_page() -> None:
    blocks = blocks_from_pasted(
        text_or_html='<p onclick="x()">Текст <a href="javascript:alert(1)">ссылки</a> и '
        '<a href="https://ok.example/">хорошей</a><script>alert(2)</script></p><h2>Раздел</h2><ul><li>пункт</li></ul>'
    )
    assert [b["kind"] for b in blocks] == ["paragraph", "heading", "list_item"]
    assert blocks[0]["text"] == "Текст ссылки и хорошей"
    assert blocks[0]["html"] == (
        'Текст ссылки и <a href="https://ok.example/" rel="noopener noreferrer nofollow">хорошей</a>'
    )
    assert blocks[1]["attrs"] == {"level": 2}
    assert blocks[2]["attrs"] == {"ordered": False}


def test_embeds_are_recognised_by_provider() -> None:
    page = (
        '<html lang="ru"><body><div class="text"><p>'
        + PARAS[0]
        + '</p><iframe src="https://player.vimeo.com/video/12345"></iframe>'
        + '<script async src="https://telegram.org/js/telegram-widget.js" data-telegram-post="channel/42"></script>'
        + '<blockquote class="twitter-tweet"><p>tweet</p><a href="https://twitter.com/user/status/987">date</a></blockquote>'
        + '<iframe src="https://tracker.example/x"></iframe><p>'
        + PARAS[1]
        + "</p></div></body></html>"
    )
    article = extract_article(content=page.encode(), url="https://a.example/x")
    embeds = [b["attrs"] for b in article.blocks if b["kind"] == "embed"]
    assert [(e["provider"], e.get("video_id") or e.get("post")) for e in embeds] == [
        ("vimeo", "12345"),
        ("telegram", "channel/42"),
        ("twitter", "987"),
    ]
