"""Inline markup through translation: the source's links and emphasis as tokens ([1]…[/1]).

From the importer to the translator's box, the checks, machine drafts, memory, the reviewer's
diff and the published page.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from newsroom.core import inline as core_inline
from newsroom.core.html import plain_text
from newsroom.models import Article
from newsroom.sources import importing
from tests.factories import ArticleFactory, TranslationFactory, pin
from tests.mt_fake import deepl_server, libre_server  # noqa: F401 - fixtures
from translations import editing, machine_drafts, workflow
from translations.assist import checks, diff, inline, memory
from translations.assist.checks import ERROR, WARNING
from translations.models import State

SOURCE_HTML = (
    'Читайте <a href="https://mfa.gov.by/x" title="Заявление">заявление</a> '
    "<em>МИД от <strong>17</strong> августа</em>."
)
SOURCE_TEXT = "Читайте заявление МИД от 17 августа."
GOOD = "Read the [1]statement[/1] of the [2]MFA of [3]17[/3] August[/2]."


def block(html: str = SOURCE_HTML, text: str = SOURCE_TEXT, bid: str = "b1") -> dict:
    return {"id": bid, "kind": "paragraph", "text": text, "html": html, "attrs": {}}


def codes(problems):
    return [(p.code, p.severity) for p in problems]


# --------------------------------------------------------------------------- the tokens


def test_inline_elements_become_numbered_tokens_in_opening_order():
    tokenized = inline.block_tokens(block())
    assert tokenized.text == "Читайте [1]заявление[/1] [2]МИД от [3]17[/3] августа[/2]."
    link, em, strong = tokenized.tokens
    assert (link.tag, link.href, dict(link.attrs)["title"]) == ("a", "https://mfa.gov.by/x", "Заявление")
    assert (em.tag, strong.tag) == ("em", "strong")
    assert inline.legend(tokenized)[0] == {"written": "[1]…[/1]", "meaning": "link to https://mfa.gov.by/x"}


def test_hostile_and_unknown_source_markup_drops_to_words():
    html = (
        '<a href="javascript:alert(1)" onclick="x()">злой</a> <span lang="ru">слово</span> '
        '<b onclick="steal()">жирный</b> <a href="https://e.x/a"></a><script>alert(1)</script>'
    )
    tokenized = core_inline.tokenize(html)
    assert tokenized.text == "злой слово [1]жирный[/1] [2/]"
    assert [(t.tag, t.attrs, t.is_empty) for t in tokenized.tokens] == [
        ("b", (), False),
        ("a", (("href", "https://e.x/a"),), True),
    ]
    # A plain paragraph is offered exactly as the importer stored it.
    assert inline.source_text(block(html="Просто текст.", text="Просто текст.")) == "Просто текст."


def test_translated_tokens_render_the_source_elements_sanitised():
    html = core_inline.render(GOOD, inline.block_tokens(block()))
    assert html == (
        'Read the <a href="https://mfa.gov.by/x" title="Заявление" rel="noopener noreferrer nofollow">statement</a>'
        " of the <em>MFA of <strong>17</strong> August</em>."
    )


def test_every_carried_element_survives_the_round_trip():
    html = (
        '<q>цитата</q> <abbr title="Министерство иностранных дел">МИД</abbr> <code>x=1</code> '
        "H<sub>2</sub>O м<sup>2</sup> <i>курсив</i> <b>жирный</b>"
    )
    tokenized = core_inline.tokenize(html)
    assert tokenized.text == "[1]цитата[/1] [2]МИД[/2] [3]x=1[/3] H[4]2[/4]O м[5]2[/5] [6]курсив[/6] [7]жирный[/7]"
    translated = "[1]quote[/1] [2]MFA[/2] [3]x=1[/3] H[4]2[/4]O m[5]2[/5] [6]italics[/6] [7]bold[/7]"
    assert core_inline.render(translated, tokenized) == (
        '<q>quote</q> <abbr title="Министерство иностранных дел">MFA</abbr> <code>x=1</code> '
        "H<sub>2</sub>O m<sup>2</sup> <i>italics</i> <b>bold</b>"
    )


def test_hostile_translator_text_never_renders_a_script_or_a_bad_link():
    tokenized = inline.block_tokens(block())
    text = (
        '[1]statement[/1]<a href="javascript:alert(1)" onclick="x()">bad</a><script>alert(2)</script>'
        '[2 onclick="y"]MFA[/2] <img src=x onerror=alert(3)>'
    )
    html = core_inline.render(text, tokenized)
    assert "javascript:" not in html and "<script" not in html and "<img" not in html
    assert not re.search(r"<[^>]*\son\w+=", html)  # no event handler on any element
    assert '[2 onclick="y"]MFA' in html  # not a marker: words as typed, escaped
    assert '<a href="https://mfa.gov.by/x"' in html


def test_unbalanced_tokens_typed_by_a_translator_keep_their_words_and_lose_their_markers():
    tokenized = inline.block_tokens(block())
    html = core_inline.render("Read [1]the [2]MFA[/1] statement[/2] [3]17 [9] now", tokenized)
    # [2]…[/2] pairs; [1] closes out of order and [3] never closes: their markers go, words stay.
    assert html == "Read the <em>MFA statement</em> 17 [9] now"


_PIECES = st.sampled_from(
    [
        "[1]",
        "[/1]",
        "[2]",
        "[/2]",
        "[3]",
        "[/3]",
        "[1/]",
        "[4]",
        "[/9]",
        " words ",
        "<",
        "&",
        '"',
        "<a href=javascript:x>",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=14))
def test_any_typed_text_renders_safely_and_well_formed_text_renders_every_token(pieces):
    tokenized = inline.block_tokens(block())
    text = "".join(pieces)
    html = core_inline.render(text, tokenized)
    # Only the source's address reaches an href, and no element carries a handler.
    assert set(re.findall(r'href="([^"]*)"', html)) <= {"https://mfa.gov.by/x"}
    assert not re.search(r"<[^>]*\son\w+=", html)
    if core_inline.problems(text, tokenized).broken:
        assert checks.has_errors(checks.block_checks(block=block(), entry={"text": text}))


_WORDS = st.text(alphabet="abc xyz", min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [
            "{0}[1]{1}[/1]{2}[2]{3}[3]{4}[/3]{5}[/2]",
            "[2]{0}[3]{1}[/3]{2}[/2]{3}[1]{4}[/1]{5}",
            "{0}[2]{1}[1]{2}[/1]{3}[3]{4}[/3][/2]{5}",
        ]
    ),
    st.lists(_WORDS, min_size=6, max_size=6),
)
def test_tokens_moved_anywhere_well_formed_render_every_element_and_keep_every_word(shape, words):
    tokenized = inline.block_tokens(block())
    text = shape.format(*words)
    assert not core_inline.problems(text, tokenized)
    html = core_inline.render(text, tokenized)
    assert html.count('<a href="https://mfa.gov.by/x"') == html.count("</a>") == 1
    assert html.count("<em>") == html.count("</em>") == html.count("<strong>") == 1
    assert plain_text(html).strip() == core_inline.strip_markers(text, tokenized).strip()


# --------------------------------------------------------------------------- checks


def test_correct_tokens_pass_the_checks():
    assert checks.block_checks(block=block(), entry={"text": GOOD}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Read the [1]statement[/1] of the [2]MFA of [3]17[/3] August.", [("tokens_broken", ERROR)]),
        ("Read the [1]statement [2]of[/1] the MFA of [3]17[/3] August[/2].", [("tokens_broken", ERROR)]),
        ("Read the [1/] [2]MFA of [3]17[/3] August[/2].", [("tokens_broken", ERROR)]),
        ("Read the [1]statement[/1] of the [2]MFA of [3]17[/3] August[/2] [4]x[/4].", [("tokens_extra", ERROR)]),
        ("Read the statement of the [2]MFA of [3]17[/3] August[/2].", [("links", WARNING)]),
        ("Read the [1]statement[/1] of the MFA of [3]17[/3] August.", [("tokens_missing", WARNING)]),
        (
            "Read the [1]statement[/1] of the [2]MFA of [3]17[/3] August[/2], [1]again[/1].",
            [("tokens_duplicated", WARNING)],
        ),
    ],
)
def test_missing_extra_duplicated_and_broken_tokens_are_reported_per_block(text, expected):
    problems = checks.block_checks(block=block(), entry={"text": text})
    assert codes(problems) == expected
    assert all(p.block_id == "b1" for p in problems)


def test_broken_tokens_say_which_marker_and_block_submission():
    problems = checks.translation_checks(
        title="A title",
        source_blocks=[block()],
        target_blocks={"b1": {"text": "Read [1]the statement of the [2]MFA of [3]17[/3] August[/2]."}},
    )
    assert checks.has_errors(problems)
    assert "[1] is opened but not closed with [/1]" in problems[0].message


def test_a_link_written_out_by_hand_still_counts_as_kept():
    text = 'Read the <a href="https://mfa.gov.by/x">statement</a> of the [2]MFA of [3]17[/3] August[/2].'
    assert checks.block_checks(block=block(), entry={"text": text}) == []


def test_token_numbers_are_not_read_as_numbers_or_words():
    # "[1]" … "[3]" are not numbers: only the 17 of the source is compared, and it is there.
    problems = checks.block_checks(block=block(), entry={"text": GOOD})
    assert "numbers" not in [p.code for p in problems]


# --------------------------------------------------------------------------- the pages


def _linked_job(**kwargs):
    article = ArticleFactory(blocks=[SOURCE_TEXT, "Второй абзац без ссылок, но длинный."])
    revision = article.current_revision
    blocks = revision.blocks
    blocks[0]["html"] = SOURCE_HTML
    revision.blocks = blocks
    revision.save(update_fields=["blocks"])
    t = TranslationFactory(article=article, **kwargs)
    return t, [b["id"] for b in blocks]


@pytest.mark.django_db
def test_editor_shows_the_source_with_tokens_marked_and_a_legend(client):
    t, (b1, _b2) = _linked_job(state=State.IN_PROGRESS, filled=False)
    client.force_login(t.translator)
    page = client.get(reverse("desk:translation", args=[t.pk])).content.decode()
    assert '<mark class="token" title="link to https://mfa.gov.by/x">[1]</mark>заявление' in page
    assert "<li><code>[2]…[/2]</code> emphasis</li>" in page


@pytest.mark.django_db
def test_review_page_shows_a_dropped_link_as_a_removed_token(client, reviewer):
    t, (b1, b2) = _linked_job(state=State.IN_PROGRESS, filled=False)
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="T",
        blocks={b1: {"text": GOOD}, b2: {"text": "Second."}},
    )
    t = workflow.translation_submit(translation=t, by=t.translator)
    t = workflow.translation_request_changes(translation=t, by=reviewer, comment="Shorter, please.")
    dropped = "Read the statement of the [2]MFA of [3]17[/3] August[/2]."
    t = editing.translation_save(
        translation=t, by=t.translator, based_on=t.edit_version, blocks={b1: {"text": dropped}}
    )
    workflow.translation_submit(translation=t, by=t.translator)
    client.force_login(reviewer)
    page = client.get(reverse("desk:review", args=[t.pk])).content.decode()
    assert '<del><mark class="token" title="link to https://mfa.gov.by/x">[1]</mark></del>' in page
    assert "the link is missing here" in page


def test_word_diff_keeps_a_marker_whole():
    html = diff.word_diff("Read [1]it[/1].", "Read it.")
    assert html == "Read <del>[1]</del>it<del>[/1]</del>."


# --------------------------------------------------------------------------- publication


@pytest.mark.django_db
def test_published_page_api_and_search_carry_the_source_links_not_the_markers(client, editor, reviewer):
    t, (b1, b2) = _linked_job(state=State.IN_REVIEW, pinned=False, title="Diplomats picket the ministry")
    t.blocks = {b1: {"text": GOOD}, b2: {"text": "Second paragraph."}}
    t.lead = ""
    t.save()
    pin(t, "submit", t.translator)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    article = Article.objects.get(pk=t.article_id)
    first = article.body_en[0]
    assert first["text"] == "Read the statement of the MFA of 17 August."
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<a href="https://mfa.gov.by/x" title="Заявление" rel="noopener noreferrer nofollow">statement</a>' in page
    assert "[1]" not in page and "[/2]" not in page
    story = client.get(f"/api/v1/stories/{article.pk}/", {"language": "en"}).json()
    assert story["body"][0]["html"].startswith('Read the <a href="https://mfa.gov.by/x"')
    assert story["body"][0]["text"] == "Read the statement of the MFA of 17 August."
    feed = client.get("/feeds/rss.xml")
    assert feed.status_code == 200 and "Diplomats picket the ministry" in feed.content.decode()
    assert "Read the statement of the MFA" in feed.content.decode() and "[1]" not in feed.content.decode()
    found = client.get("/search/", {"q": "statement"}).content.decode()
    assert "Diplomats picket the ministry" in found and "[1]" not in found


def test_a_bracketed_number_in_a_plain_paragraph_stays_as_written():
    plain = core_inline.tokenize("Простой [1] текст")
    assert plain.text == "Простой [1] текст" and not plain.tokens
    assert core_inline.render("Plain [1] text & more", plain) == "Plain [1] text &amp; more"
    assert (
        checks.block_checks(
            block=block(html="Простой [1] текст", text="Простой [1] текст"), entry={"text": "Plain [1] text"}
        )
        == []
    )


# --------------------------------------------------------------------------- import


@pytest.mark.django_db
def test_importing_a_linked_story_offers_its_links_as_tokens(fixture_server, editor, monkeypatch):
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)
    result = importing.article_import(url=f"{fixture_server}/sources/site/mfa-picket.html", by=editor)
    blocks = result.article.current_revision.blocks
    linked = [inline.block_tokens(b) for b in blocks if "видеообращении" in b["text"]]
    assert len(linked) == 1
    assert "[1]видеообращении[/1]" in linked[0].text
    assert linked[0].tokens[0].href == f"{fixture_server}/news/society/696158.html"


# --------------------------------------------------------------------------- machine drafts and memory


def test_provider_tags_are_always_well_formed_and_come_back_as_tokens():
    text = "A < B & [1]link [2]in[/2][/1] [3/] see [9] and [/4]"
    tagged = core_inline.to_tags(text)
    assert tagged == 'A &lt; B &amp; <x id="1">link <x id="2">in</x></x> <x id="3"/> see [9] and [/4]'
    assert core_inline.from_tags(tagged) == text


@pytest.mark.django_db
def test_deepl_draft_sends_tokens_as_xml_tags_and_keeps_them(
    deepl_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, b2) = _linked_job(state=State.IN_PROGRESS, filled=False)
    with django_capture_on_commit_callbacks(execute=True):
        machine_drafts.machine_draft_request(translation=t, by=t.translator)
    t.refresh_from_db()
    sent = next(r["json"] for r in deepl_server.requests if r["path"] == "/v2/translate")
    assert sent["tag_handling"] == "xml"
    assert sent["text"][0] == 'Читайте <x id="1">заявление</x> <x id="2">МИД от <x id="3">17</x> августа</x>.'
    assert t.block_text(b1) == "EN: Читайте [1]заявление[/1] [2]МИД от [3]17[/3] августа[/2]."
    assert t.block_text(b2) == "EN: Второй абзац без ссылок, но длинный."
    assert not any(
        p.code.startswith("tokens") for p in checks.block_checks(block=t.source_revision.blocks[0], entry=t.blocks[b1])
    )


@pytest.mark.django_db
def test_libretranslate_draft_sends_tokens_as_html_and_keeps_them(
    libre_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    t, (b1, _b2) = _linked_job(state=State.IN_PROGRESS, filled=False)
    with django_capture_on_commit_callbacks(execute=True):
        machine_drafts.machine_draft_request(translation=t, by=t.translator, block_ids=[b1])
    t.refresh_from_db()
    sent = libre_server.requests[0]["json"]
    assert sent["format"] == "html" and '<x id="1">заявление</x>' in sent["q"][0]
    assert t.block_text(b1) == "EN: Читайте [1]заявление[/1] [2]МИД от [3]17[/3] августа[/2]."


@pytest.mark.django_db
def test_memory_offers_the_tokens_so_a_full_match_restores_the_links(editor, reviewer):
    t, (b1, b2) = _linked_job(state=State.IN_REVIEW, pinned=False)
    t.blocks = {b1: {"text": GOOD}, b2: {"text": "Second paragraph."}}
    t.save()
    pin(t, "submit", t.translator)
    workflow.translation_approve(translation=t, by=reviewer)
    other, (o1, _o2) = _linked_job(state=State.IN_PROGRESS, filled=False)
    suggestions = memory.suggestions_by_block(translation=other, blocks=other.source_revision.blocks)
    best = suggestions[o1][0]
    assert best.source_text == "Читайте [1]заявление[/1] [2]МИД от [3]17[/3] августа[/2]."
    assert best.target_text == GOOD
    rendered = core_inline.render(best.target_text, inline.block_tokens(other.source_revision.blocks[0]))
    assert '<a href="https://mfa.gov.by/x"' in rendered
