"""Extraction on small pages written to show one cause of lost or extra text each.

Pure extraction: no database, nothing fetched (except the canonical check at the end, which
fetches from the fixture server on 127.0.0.1).
"""

from __future__ import annotations

import hashlib
from typing import Any

import lxml.html
import pytest

from newsroom.sources import extraction, importing
from newsroom.sources.extraction import decode_html, extract_article
from newsroom.sources.extraction.walker import Walker

URL = "https://news.example/world/2020/story.html"

_WORDS = (
    "minister council river harbour winter bridge election tram factory village doctor school "
    "market budget festival archive station museum border weather court vote strike hospital "
    "railway library printer engine garden theatre orchard ferry tunnel lighthouse"
).split()


def _sentence(seed: str, words: int = 32) -> str:
    """A distinct, ordinary-looking sentence: trafilatura judges text, so it must read like some."""
    digest = hashlib.sha256(seed.encode()).digest()
    picked = [_WORDS[b % len(_WORDS)] for b in digest[:words]]
    return f"The {' and the '.join(' '.join(picked[i : i + 4]) for i in range(0, len(picked), 4))} said {seed}."


STORY = [_sentence(f"story paragraph {n}") for n in range(8)]


def _page(body: str, head: str = "") -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Harbour story</title>"
        f"{head}</head><body><header><a href='/'>News Example</a></header>{body}"
        "<footer><p>© News Example. All rights reserved. Contact us.</p></footer></body></html>"
    ).encode()


def _texts(content: bytes, url: str = URL) -> list[str]:
    article = extract_article(content=content, url=url, headers={"Content-Type": "text/html; charset=utf-8"})
    return [b["text"] for b in article.blocks if b["kind"] in {"paragraph", "heading", "quote", "list_item"}]


def _ps(items: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


def test_story_split_over_sibling_containers_is_kept_whole() -> None:
    page = _page(
        "<article><div class='text-block'>" + _ps(STORY[:1]) + "</div>"
        "<div class='ad-slot'>Advertisement</div>"
        "<div class='text-block'>" + _ps(STORY[1:]) + "</div></article>"
    )

    assert _texts(page) == STORY


@pytest.mark.parametrize(
    "wrapper",
    [
        "<div class='elementor-widget-container'>{}</div>",
        "<div class='TestReport__Section--Ads'>{}</div>",
        "<div class='print-full'>{}</div>",
        "<div id='toc'>{}</div>",
    ],
)
def test_class_words_never_drop_the_container_holding_the_story(wrapper: str) -> None:
    """The story is split over two such containers, so the walker meets their classes."""
    page = _page("<main>" + wrapper.format(_ps(STORY[:4])) + wrapper.format(_ps(STORY[4:])) + "</main>")

    assert _texts(page) == STORY


def test_furniture_classes_inside_the_story_are_dropped() -> None:
    page = _page(
        "<article>"
        + _ps(STORY[:4])
        + "<div class='ad-slot'><p>Advertisement: buy the new harbour ferry season ticket today online</p></div>"
        + "<div class='jp-relatedposts'><p>Related: the winter bridge election in the village</p></div>"
        + _ps(STORY[4:])
        + "</article>"
    )

    texts = _texts(page)

    assert texts == STORY


def test_page_built_as_one_form_keeps_its_text() -> None:
    page = _page(
        "<form action='/default.aspx' method='post'><input type='hidden' name='__VIEWSTATE'>" + _ps(STORY) + "</form>"
    )

    assert _texts(page) == STORY


def test_noscript_text_is_read_and_its_duplicate_picture_skipped() -> None:
    page = _page(
        "<article>" + _ps(STORY[:4]) + "<div class='pic'><img data-src='https://news.example/lazy.jpg' src='data:,'>"
        "<noscript><img src='https://news.example/lazy.jpg'></noscript></div>"
        "<noscript>" + _ps(STORY[4:]) + "</noscript></article>"
    )

    article = extract_article(content=page, url=URL)

    assert [b["text"] for b in article.blocks if b["kind"] == "paragraph"] == STORY
    assert [b["attrs"]["src"] for b in article.blocks if b["kind"] == "image"] == ["https://news.example/lazy.jpg"]


def test_related_links_and_their_heading_are_not_the_story() -> None:
    related = "".join(
        f"<li><a href='/story/{n}'>Another harbour headline number {n} about the ferry</a></li>" for n in range(5)
    )
    page = _page(
        "<article>" + _ps(STORY[:6]) + f"<h2>More on this topic</h2><ul>{related}</ul>" + _ps(STORY[6:]) + "</article>"
    )

    texts = _texts(page)

    assert "More on this topic" not in texts
    assert not [t for t in texts if "Another harbour headline" in t]
    assert texts == STORY


def test_standfirsts_under_teaser_headlines_are_not_the_story() -> None:
    cards = "".join(
        f"<li class='card'><h3><a href='/story/{n}'>Another harbour headline number {n}</a></h3>"
        f"<h4 class='subline'>The ferry strike {n} may end soon</h4></li>"
        for n in range(4)
    )
    page = _page("<article>" + _ps(STORY) + f"<ul class='latest'>{cards}</ul></article>")

    texts = _texts(page)

    assert not [t for t in texts if "ferry strike" in t or "Another harbour headline" in t]
    assert texts == STORY


def test_site_wide_notices_are_not_the_story() -> None:
    notices = [
        "This copy is for your personal, non-commercial use only. To order copies visit the reprints desk.",
        "This slideshow requires JavaScript.",
        "Citation: Harbour story (2019, November 18) retrieved 20 November 2019 from https://news.example/a.html",
        "This document is subject to copyright. Apart from any fair dealing no part may be reproduced.",
    ]
    page = _page("<article>" + _ps(STORY[:4] + notices[:2] + STORY[4:] + notices[2:]) + "</article>")

    assert _texts(page) == STORY


def test_pop_up_card_after_a_name_is_not_paragraph_text() -> None:
    card = (
        "<span class='person'><a href='/people/jane-roe'>Jane Roe</a><span class='person-card'><span>"
        "<img src='/jane.jpg' alt=''><a href='/people/jane-roe'>Jane Roe</a>"
        "<a href='/story/9'>Council votes on the winter tram budget</a></span></span></span>"
    )
    lead = f"<p>The mayor {card} said the ferry would run again on Sunday after the long strike ended.</p>"
    page = _page("<article>" + lead + _ps(STORY) + "</article>")

    texts = _texts(page)

    assert texts[0] == "The mayor Jane Roe said the ferry would run again on Sunday after the long strike ended."
    assert texts[1:] == STORY


def test_story_cut_into_chunks_around_ads_is_kept_whole() -> None:
    def chunk(paragraphs: list[str]) -> str:
        return f"<div class='grid'><div class='body article__body'>{_ps(paragraphs)}</div></div>"

    page = _page(
        "<article><div class='chunks'>"
        + chunk(STORY[:5])
        + "<div class='ad-slot'>Advertisement</div>"
        + chunk(STORY[5:])
        + "</div></article>"
    )
    tree = lxml.html.fromstring(page)
    first = tree.xpath("//div[@class='body article__body']")[0]
    walker = Walker(base_url=URL, core=first)

    chunks, holder = walker._core_chunks()

    assert len(chunks) == 2 and holder.get("class") == "chunks"
    assert _texts(page) == STORY


def test_story_headings_and_short_list_items_stay() -> None:
    page = _page(
        "<article>" + _ps(STORY[:4]) + "<h2>What the council decided</h2>"
        "<ul><li>Fares frozen until May</li><li>A second ferry on Sundays</li></ul>" + _ps(STORY[4:]) + "</article>"
    )

    texts = _texts(page)

    assert "What the council decided" in texts
    assert "Fares frozen until May" in texts and "A second ferry on Sundays" in texts


def test_caption_and_credit_outside_a_figure_are_not_paragraphs_nor_the_lead() -> None:
    caption = "The harbour ferry in winter, seen from the old bridge at dawn"
    page = _page(
        "<h1>Harbour story</h1><div class='hero'><img src='/hero.jpg' alt=''>"
        f"<p class='summary caption'>{caption}</p><span class='image-credit'>Photo: Jane Roe / Agency</span></div>"
        "<article>" + _ps(STORY) + "</article>",
        head=f"<meta property='og:description' content='{caption}'>",
    )

    article = extract_article(content=page, url=URL)
    texts = [b["text"] for b in article.blocks if b["kind"] == "paragraph"]

    assert caption not in texts and not [t for t in texts if "Jane Roe" in t]
    assert article.lead != caption
    assert texts == STORY


def test_short_table_cells_are_kept() -> None:
    table = (
        "<table><tr><th>Route</th><th>Fare</th></tr><tr><td>Harbour</td><td>2,50</td></tr>"
        "<tr><td>Old bridge</td><td>1,90</td></tr></table>"
    )
    page = _page("<article>" + _ps(STORY[:4]) + table + _ps(STORY[4:]) + "</article>")

    texts = _texts(page)

    for cell in ("Route", "Fare", "Harbour", "2,50", "Old bridge", "1,90"):
        assert cell in texts


def test_utf8_page_with_a_few_invalid_bytes_loses_only_those_bytes() -> None:
    text = "Минск: " + "Пасажыры чакаюць паром на беразе ракі. " * 40
    content = f"<html><head><meta charset='utf-8'></head><body><p>{text}</p></body></html>".encode()
    broken = content.replace("ракі".encode(), "ракі".encode() + b"\xff", 2).replace(b"\xd0\x9c", b"\xd0", 1)

    charset, decoded = decode_html(content=broken, content_type="text/html; charset=utf-8")

    assert charset == "utf-8"
    assert "Пасажыры чакаюць паром на беразе ракі." in decoded
    assert decoded.count("ракі") == 40
    assert "\ufffd" not in decoded


def test_windows_1251_bytes_served_as_utf8_are_still_decoded_by_their_meta() -> None:
    text = "Пассажиры ждут паром на берегу реки. " * 40
    content = f"<html><head><meta charset='windows-1251'></head><body><p>{text}</p></body></html>".encode("cp1251")

    charset, decoded = decode_html(content=content, content_type="text/html; charset=utf-8")

    assert charset == "windows-1251"
    assert "Пассажиры ждут паром" in decoded


def test_control_characters_never_lose_the_page() -> None:
    """U+001D in loose text (text set directly in a div) made lxml raise."""
    loose = STORY[0].replace(" the ", " the\x1d ", 1)
    page = _page("<article><div>" + loose + _ps(STORY[1:]) + "</div></article>")

    texts = _texts(page)

    assert texts == [STORY[0]] + STORY[1:]


def test_pasted_text_with_control_characters_is_cleaned() -> None:
    blocks = extraction.blocks_from_pasted(text_or_html="<p>Ferry\x1d fares\x0b frozen until May.</p>")

    assert [b["text"] for b in blocks] == ["Ferry fares frozen until May."]


def test_paywall_selector_on_the_story_itself_keeps_the_story() -> None:
    jsonld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
        '"isAccessibleForFree":"False","hasPart":{"@type":"WebPageElement","isAccessibleForFree":"False",'
        '"cssSelector":".paywall"}}</script>'
    )
    page = _page("<article><div class='story-body paywall'>" + _ps(STORY) + "</div></article>", head=jsonld)

    article = extract_article(content=page, url=URL)

    assert article.paywalled
    assert [b["text"] for b in article.blocks if b["kind"] == "paragraph"] == STORY


def test_page_without_a_story_gives_no_blocks_rather_than_raising() -> None:
    article = extract_article(content=b"<html><body><nav><a href='/'>Home</a></nav></body></html>", url=URL)

    assert [b for b in article.blocks if b["kind"] == "paragraph"] == []


@pytest.mark.parametrize(
    ("href", "adopted"),
    [
        ("/world/2020/story.html", None),
        ("story.html", None),
        ("https://other.example/world/2020/story.html", None),
        ("https://www.news.example/world/2020/story-amp.html", "https://www.news.example/world/2020/story-amp.html"),
        ("https://news.example/world/2020/story.html?utm=1", "https://news.example/world/2020/story.html?utm=1"),
    ],
)
def test_canonical_is_adopted_only_if_absolute_and_same_site(href: str, adopted: str | None) -> None:
    page = _page("<article>" + _ps(STORY) + "</article>", head=f"<link rel='canonical' href='{href}'>")

    article = extract_article(content=page, url=URL)

    assert article.canonical == adopted
    assert article.url == (adopted or URL)


def _extracted(canonical: str, url: str) -> Any:
    page = _page("<article>" + _ps(STORY) + "</article>", head=f"<link rel='canonical' href='{canonical}'>")
    return extract_article(content=page, url=url)


def test_canonical_that_does_not_load_is_not_the_story_address(
    monkeypatch: pytest.MonkeyPatch, fixture_server: str
) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)
    page_url = f"{fixture_server}/sources/site/mfa-picket.html?share=1"
    extracted = _extracted(f"{fixture_server}/no/such/story.html", page_url)
    assert extracted.canonical == f"{fixture_server}/no/such/story.html"

    checked = importing.canonical_checked(extracted=extracted, final_url=page_url)

    assert checked.canonical is None
    assert checked.url == page_url


def test_canonical_that_loads_stays_the_story_address(monkeypatch: pytest.MonkeyPatch, fixture_server: str) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)
    canonical = f"{fixture_server}/sources/site/mfa-picket.html"
    extracted = _extracted(canonical, f"{canonical}?share=1")

    checked = importing.canonical_checked(extracted=extracted, final_url=f"{canonical}?share=1")

    assert checked.canonical == canonical
    assert checked.url == canonical


def test_pasted_paragraph_with_pictures_among_its_words_is_one_paragraph_then_the_pictures() -> None:
    blocks = extraction.blocks_from_pasted(
        text_or_html='<p>Ferry fares <img src="https://img.example/a.jpg"> are frozen '
        '<a href="https://img.example/"><img src="https://img.example/b.jpg" alt="Pier"></a>until May.</p>'
    )

    assert [(b["kind"], b["text"]) for b in blocks] == [
        ("paragraph", "Ferry fares are frozen until May."),
        ("image", ""),
        ("image", "Pier"),
    ]
