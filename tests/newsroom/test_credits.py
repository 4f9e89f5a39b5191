"""No source-language text on an English page, one spelling per person, picture credits apart.

A published story made from the demo's Belarusian fixture (a quote with its attribution, three
captioned pictures credited "Фота: Яўгенія Раманчук") reads in English everywhere readers look:
names left untranslated are spelt by the byline rules or as the translator spelt the same person
elsewhere, anything still in the source's script is marked with its ``lang``, each picture has
one credit line "Photo: photographer / outlet", and the outlet is named in English on every list.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import lxml.html
import pytest
from django.utils import timezone

from newsroom import bylines, publishing
from newsroom.models import Article, NameSpelling, SourceImage, SourceRevision
from newsroom.sources.extraction.article import blocks_from_pasted, extract_article
from tests.factories import ArticleFactory, OutletFactory
from tests.fixture_server import FIXTURES  # noqa: F401 - the fixture roots are set up on import
from tests.fixtures.check_fixtures import fixture_file
from translations import editing, workflow
from translations.models import Translation

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
BASE = "https://vektar.example"


@pytest.fixture
def vektar(db: Any) -> Any:
    return OutletFactory(
        name="Культурны вектар",
        slug="vektar",
        credit_name="Культурны вектар",
        name_en="Kulturny Vektar",
        language="be",
    )


def _story_from_fixture(outlet: Any, *, url: str = f"{BASE}/2020/10/vycinanka/") -> Article:
    """The demo's be-culture story as the importer stores it, each picture stored by us."""
    content = fixture_file("sources/site/be-culture.html").read_bytes().replace(b"{BASE}", BASE.encode())
    extracted = extract_article(content=content, url=url)
    article = Article.objects.create(
        outlet=outlet,
        source_url=url,
        language="be",
        authors=extracted.authors,
        source_title=extracted.title,
        source_published_at=timezone.now(),
    )
    blocks = extracted.blocks
    for n, block in enumerate(b for b in blocks if b["kind"] == "image"):
        image = SourceImage.objects.create(
            source_url=block["attrs"]["src"],
            sha256=hashlib.sha256(f"{url}-{n}".encode()).hexdigest(),
            width=800,
            height=533,
            renditions=[{"width": 800, "height": 533, "name": f"images/t/{article.pk}-{n}/800.webp"}],
        )
        block["attrs"]["image"] = image.pk
    revision = SourceRevision.objects.create(
        article=article,
        number=1,
        fetched_at=timezone.now(),
        title=extracted.title,
        blocks=blocks,
        word_count=SourceRevision.count_words(blocks),
    )
    article.current_revision = revision
    article.save(update_fields=["current_revision"])
    return article


def _translate_everything_but_names(t: Translation, by: Any, **fields: Any) -> Translation:
    """Every paragraph, caption and alt text translated; attributions and photographers left empty."""
    blocks = {}
    for b in t.source_revision.blocks:
        if b["kind"] == "image":
            blocks[b["id"]] = {"text": f"A picture, number {len(blocks)}.", "alt": "Paper cut-outs on a wall"}
        elif b["kind"] != "embed":
            blocks[b["id"]] = {"text": f"English text number {len(blocks)}."}
    return editing.translation_save(
        translation=t, by=by, based_on=t.edit_version, title="Paper gardens in Hrodna", blocks=blocks, **fields
    )


def _publish(article: Article, *, editor: Any, volunteer: Any, reviewer: Any, **fields: Any) -> Article:
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=volunteer)
    t = _translate_everything_but_names(t, volunteer, **fields)
    t = workflow.translation_submit(translation=t, by=volunteer)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article.refresh_from_db()
    return article


def _unmarked_text(html: str) -> str:
    """The page's visible text outside every element that says its own language (``lang``)."""
    doc = lxml.html.document_fromstring(html)
    for el in list(doc.iter("script", "style", "head")):
        el.drop_tree()
    body = doc.find("body")
    assert body is not None
    for el in [e for e in body.iter() if isinstance(e.tag, str) and e.get("lang")]:
        if el.getparent() is not None:
            el.drop_tree()
    return body.text_content()


# ----------------------------------------------------------------------- unit: the rules


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Пано «Дрэва роду». Фота: Яўгенія Раманчук", ("Пано «Дрэва роду».", "Яўгенія Раманчук")),
        ("Фото: ИА «Минск»", ("", "ИА «Минск»")),
        ("Фото – Ирина Мальцева. Люди на площади.", ("Люди на площади.", "Ирина Мальцева")),
        ("Люди на площади (Фото: Сергей Иванов)", ("Люди на площади", "Сергей Иванов")),
        ("The square at noon. Photo: Yauheniya Ramanchuk", ("The square at noon.", "Yauheniya Ramanchuk")),
        ("Фотография города ночью", ("Фотография города ночью", "")),
        ("Фото из семейного архива Василия Пашко", ("Фото из семейного архива Василия Пашко", "")),
    ],
)
def test_a_captions_credit_is_told_apart_from_its_words(caption: str, expected: tuple[str, str]) -> None:
    assert bylines.credit_split(caption) == expected


@pytest.mark.parametrize(
    ("markup", "caption", "credit"),
    [
        (
            '<figure><img src="https://o.example/a.jpg" alt="x"><figcaption>Пано. '
            '<span class="photo-credit">Фота: Яўгенія Раманчук</span></figcaption></figure>',
            "Пано.",
            "Яўгенія Раманчук",
        ),
        (
            '<figure data-credit="Ирина Мальцева"><img src="https://o.example/a.jpg" alt="x">'
            "<figcaption>Канал в пойме Припяти.</figcaption></figure>",
            "Канал в пойме Припяти.",
            "Ирина Мальцева",
        ),
        (
            '<figure itemscope itemtype="https://schema.org/ImageObject"><img src="https://o.example/a.jpg" alt="x">'
            '<figcaption>Торфяник. <span itemprop="creator" itemscope itemtype="https://schema.org/Person">'
            '<span itemprop="name">Ирина Мальцева</span></span></figcaption></figure>',
            "Торфяник.",
            "Ирина Мальцева",
        ),
        (
            '<figure><img src="https://o.example/a.jpg" alt="x"><figcaption>Торфяник. '
            '<meta itemprop="copyrightHolder" content="БелаПАН"></figcaption></figure>',
            "Торфяник.",
            "БелаПАН",
        ),
        (
            '<figure><img src="https://o.example/a.jpg" alt="x"><figcaption>Люди на площади. Фото: Сергей Иванов'
            "</figcaption></figure>",
            "Люди на площади.",
            "Сергей Иванов",
        ),
    ],
)
def test_the_importer_keeps_the_photographer_apart_from_the_caption(markup: str, caption: str, credit: str) -> None:
    [image] = [b for b in blocks_from_pasted(text_or_html=markup) if b["kind"] == "image"]
    assert image["attrs"]["caption"] == caption
    assert image["attrs"]["credit"] == credit
    assert credit not in image["text"]


def test_a_remembered_spelling_wins_over_the_transliteration() -> None:
    spellings = {"Яўгенія Раманчук": "Yauheniya Ramanchuk"}
    assert bylines.name_spelling("Яўгенія Раманчук", source_language="be", target_language="en") == "Jaŭhenija Ramančuk"
    assert (
        bylines.name_spelling("Яўгенія  Раманчук", source_language="be", target_language="en", spellings=spellings)
        == "Yauheniya Ramanchuk"
    )
    assert bylines.name_spelling("Яўгенія Раманчук", source_language="be", target_language="uk") == "Яўгенія Раманчук"


# ------------------------------------------------------------------ the published page


def test_the_english_page_has_no_unmarked_source_text_and_one_spelling_per_person(
    client: Any, vektar: Any, editor: Any, volunteer: Any, reviewer: Any
) -> None:
    article = _story_from_fixture(vektar)
    assert article.authors == ["Яўгенія Раманчук"]
    # The translator spells the author in the byline; the pictures' credits are left empty.
    article = _publish(article, editor=editor, volunteer=volunteer, reviewer=reviewer, byline="Yauheniya Ramanchuk")

    html = client.get(article.get_absolute_url()).content.decode()

    leftover = CYRILLIC.findall(_unmarked_text(html))
    assert not leftover, _unmarked_text(html)
    assert re.search(r'<p class="byline">\s*By Yauheniya Ramanchuk, Kulturny Vektar\.', html)
    credits = re.findall(r'<span class="credit">(.*?)</span>(?=</figcaption>)', html)
    assert credits == ["Photo: Yauheniya Ramanchuk / Kulturny Vektar"] * 3  # one line each, one spelling
    assert html.count("Photo:") == 3 and "Jaŭhenija" not in html
    # The quote's attribution, left untranslated, is spelt by the byline rules.
    assert "<footer>— Alena Kirylovič</footer>" in html
    # The original names stay in the source credit, marked with their language.
    assert '<span lang="be">Яўгенія Раманчук</span>' in html


def test_a_name_left_in_the_source_script_is_marked_with_its_language(
    client: Any, vektar: Any, editor: Any, volunteer: Any, reviewer: Any
) -> None:
    article = _story_from_fixture(vektar, url=f"{BASE}/2020/10/marked/")
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=volunteer)
    t = _translate_everything_but_names(t, volunteer)
    quote = next(b for b in t.source_revision.blocks if b["kind"] == "quote")
    entry = {**t.blocks[quote["id"]], "cite": "Алена Кірыловіч, мастачка"}  # typed as the source wrote it
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, blocks={quote["id"]: entry})
    t = workflow.translation_submit(translation=t, by=volunteer)
    workflow.translation_publish(translation=workflow.translation_approve(translation=t, by=reviewer), by=editor)
    article.refresh_from_db()

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<footer>— <span lang="be">Алена Кірыловіч, мастачка</span></footer>' in html
    assert not CYRILLIC.findall(_unmarked_text(html))


def test_the_translators_spelling_is_remembered_and_offered_on_the_next_story(
    vektar: Any, editor: Any, volunteer: Any, reviewer: Any
) -> None:
    article = _story_from_fixture(vektar)
    _publish(article, editor=editor, volunteer=volunteer, reviewer=reviewer, byline="Yauheniya Ramanchuk")
    assert NameSpelling.objects.get(source_name="Яўгенія Раманчук", language="en").spelling == "Yauheniya Ramanchuk"

    next_story = ArticleFactory(outlet=vektar, language="be", authors=["Яўгенія Раманчук"])
    t = workflow.translation_create(article=next_story, by=editor)

    assert t.byline == "Yauheniya Ramanchuk"
    assert next_story.default_byline("en") == ("Yauheniya Ramanchuk", "Kulturny Vektar")


def test_a_credit_typed_into_the_caption_makes_one_credit_line(
    client: Any, vektar: Any, editor: Any, volunteer: Any, reviewer: Any
) -> None:
    article = _story_from_fixture(vektar, url=f"{BASE}/2020/10/typed/")
    t = workflow.translation_create(article=article, by=editor)
    t = workflow.translation_assign(translation=t, by=editor, translator=volunteer)
    t = _translate_everything_but_names(t, volunteer)
    first = next(b for b in t.source_revision.blocks if b["kind"] == "image")
    entry = {**t.blocks[first["id"]], "text": "The Family Tree panel. Photo: Yauheniya Ramanchuk"}
    t = editing.translation_save(translation=t, by=volunteer, based_on=t.edit_version, blocks={first["id"]: entry})

    [picture, *_] = [b for b in publishing.live_body(translation=t) if b["kind"] == "image"]

    assert picture["attrs"]["caption"] == "The Family Tree panel."
    assert picture["attrs"]["photographer"] == "Yauheniya Ramanchuk"
    assert picture["attrs"]["source_credit"] == "Kulturny Vektar"


# ------------------------------------------------------------- the outlet in English


def test_the_outlet_is_named_in_english_on_every_list_feed_and_the_api(
    client: Any, vektar: Any, editor: Any, volunteer: Any, reviewer: Any
) -> None:
    article = _publish(
        _story_from_fixture(vektar),
        editor=editor,
        volunteer=volunteer,
        reviewer=reviewer,
        byline="Yauheniya Ramanchuk",
        tags="Folk art",
    )
    tag = article.tags.get()
    pages = {
        "home": "/",
        "search": "/search/?q=paper",
        "tag page": tag.get_absolute_url(),
        "outlet page": vektar.get_absolute_url(),
        "RSS": "/feeds/rss.xml",
        "outlet RSS": f"/outlets/{vektar.slug}/rss.xml",
        "API list": "/api/v1/stories/",
        "API outlets": "/api/v1/outlets/",
    }
    for what, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, what
        text = response.content.decode()
        assert "Kulturny Vektar" in text, what
        assert "Культурны вектар" not in text, what
    story = client.get(f"/api/v1/stories/{article.pk}/").json()
    assert story["outlet"]["name"] == story["byline_outlet"] == "Kulturny Vektar"
    assert story["attribution"]["source_name"] == "Kulturny Vektar"
    assert story["attribution"]["original_source_name"] == "Культурны вектар"  # the original, as labelled
    pictures = [b for b in story["body"] if b["type"] == "image"]
    assert [(p["photographer"], p["outlet"], p["credit"]) for p in pictures] == [
        ("Yauheniya Ramanchuk", "Kulturny Vektar", "Yauheniya Ramanchuk / Kulturny Vektar")
    ] * 3
