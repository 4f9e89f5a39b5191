"""Machine assistance, one rule (``newsroom.machine_assist``): the share of published words a
machine draft gave unchanged, stored at publication, and the same answer on the page, its
JSON-LD, the feeds, the read API, ninjs and the review page's credit preview."""

from __future__ import annotations

import json
import re

import pytest

from newsroom import machine_assist
from newsroom.distribution.ninjs import MACHINE_NOTE, story_ninjs
from tests.factories import ArticleFactory, TranslationFactory
from translations import editing, machine_drafts, workflow
from translations.assist.machine_marks import block_change
from translations.models import Credit, Role, State

pytestmark = pytest.mark.django_db

SOURCE = ["Сотрудники МИД вышли на пикет у здания министерства в понедельник.", "Второй абзац."]
DRAFT = "Employees of the Foreign Ministry came out to a picket outside the ministry building on Monday."
# The draft rewritten by the translator: 91% of its characters changed (rapidfuzz's Levenshtein,
# as the reviewer's mark says), only "the Foreign Ministry" left as the machine wrote it.
REWRITTEN = (
    "Dozens of diplomats, accountants and drivers who work for the Foreign Ministry stood silently with placards "
    "by their workplace at lunchtime, asking that police violence against people detained after the election "
    "stop at once. Several of them had served abroad for decades; one, who asked not to be named, said that she "
    "had never imagined standing in a picket line, let alone outside her own office. Passing drivers sounded "
    "their horns in support. Within an hour the protesters were asked by their superiors to go back inside, and "
    "most did, though a few stayed until the end of the day. By the evening, pictures of the silent line had "
    "been shared tens of thousands of times, and similar protests had begun at factories, hospitals and "
    "universities across the country, where workers and students demanded new elections and the release of "
    "everyone who had been arrested during the previous week, most of them still held in Minsk, their families said."
)


class EnglishMachine:
    name = "Fake MT"
    has_glossary = False

    def translate(self, *, texts: list[str], source: str, target: str, glossary: dict[str, str]) -> list[str]:
        return [DRAFT for _text in texts]


def test_only_runs_of_words_kept_from_the_draft_count():
    assert machine_assist.machine_words(draft=DRAFT, text=DRAFT) == 16
    # One word changed: the two runs around it are still the machine's.
    assert machine_assist.machine_words(draft=DRAFT, text=DRAFT.replace("picket", "protest")) == 15
    # Words shared by chance ("the", "on Monday") are not runs of three.
    assert machine_assist.machine_words(draft=DRAFT, text="On Monday the staff of the ministry protested.") == 0
    assert block_change(draft=DRAFT, text=REWRITTEN)[1] >= 91
    assert machine_assist.machine_words(draft=DRAFT, text=REWRITTEN) == 3  # "the Foreign Ministry"


def test_a_draft_carrying_the_sources_tokens_counts_as_the_text_they_render():
    """A machine draft keeps the source's link as ``[1]…[/1]``; the published text is the
    rendered words. The markers are no words of either."""
    drafted = "Read [1]the statement of the ministry[/1] published on Monday evening."
    published = "Read the statement of the ministry published on Monday evening."
    assert machine_assist.machine_words(draft=drafted, text=published) == 10


def test_the_share_counts_every_published_word_and_the_threshold_decides(settings):
    drafts = {"b1": {"draft": DRAFT}}
    texts = [("", "Title of four words"), ("b1", DRAFT), ("b2", "Four more human words.")]
    assert machine_assist.machine_share(texts=texts, drafts=drafts) == round(16 / 24, 3)
    rewritten = machine_assist.machine_share(texts=[("", "Title"), ("b1", REWRITTEN)], drafts=drafts)
    assert 0 < rewritten < 0.05
    settings.DESK_MT_CREDIT_THRESHOLD = 0.2
    assert machine_assist.is_machine_assisted(0.2) and not machine_assist.is_machine_assisted(0.199)
    assert not machine_assist.is_machine_assisted(rewritten) and not machine_assist.is_machine_assisted(None)
    settings.DESK_MT_CREDIT = False
    assert not machine_assist.is_machine_assisted(1.0)


def _submitted(first_paragraph: str):
    t = TranslationFactory(article=ArticleFactory(blocks=SOURCE), state=State.IN_PROGRESS, filled=False)
    Credit.objects.create(translation=t, user=t.translator, role=Role.TRANSLATOR)
    b1, b2 = (b["id"] for b in t.source_revision.blocks)
    machine_drafts.machine_draft_fill(translation=t, by=t.translator, block_ids=[b1], provider=EnglishMachine())
    t.refresh_from_db()
    t = editing.translation_save(
        translation=t,
        by=t.translator,
        based_on=t.edit_version,
        title="MFA staff picket",
        blocks={b1: {"text": first_paragraph}, b2: {"text": "The second paragraph, written by a person."}},
    )
    return workflow.translation_submit(translation=t, by=t.translator)


def _everything_readers_get(client, t, editor, reviewer) -> dict[str, object]:
    """What each surface says of machine assistance, from the review page to the ninjs."""
    client.force_login(reviewer)
    review = client.get(f"/desk/t/{t.pk}/review/").content.decode()
    preview_credit = re.search(r'<h2 id="credits-h">.*?</section>', review, re.S).group(0)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    client.logout()
    t.article.refresh_from_db()
    page = client.get(f"/articles/{t.article.slug_en}/").content.decode()
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    rss = client.get("/feeds/rss.xml").content.decode()
    atom = client.get("/feeds/atom.xml").content.decode()
    detail = client.get(f"/api/v1/stories/{t.article.pk}/").json()
    listed = client.get("/api/v1/stories/").json()["results"][0]
    return {
        "share": t.article.machine_share_en,
        "review": "with machine assistance" in preview_credit,
        "page": "with machine assistance</p>" in page,
        "json_ld": "with machine assistance" in ld.get("creditText", ""),
        "rss": re.search(r"<dc:creator[^>]*>[^<]*with machine assistance</dc:creator>", rss) is not None,
        "atom": re.search(r"<name>[^<]*with machine assistance</name>", atom) is not None,
        "api": (detail["machine_assisted"], detail["machine_share"]),
        "api_list": (listed["machine_assisted"], listed["machine_share"]),
        "ninjs": story_ninjs(article=t.article, language="en").get("ednote") == MACHINE_NOTE,
    }


def test_a_kept_machine_draft_is_credited_alike_everywhere(client, editor, reviewer):
    t = _submitted(DRAFT)
    seen = _everything_readers_get(client, t, editor, reviewer)
    share = round(16 / (3 + 16 + 7), 3)
    assert seen == {
        "share": share,
        "review": True,
        "page": True,
        "json_ld": True,
        "rss": True,
        "atom": True,
        "api": (True, share),
        "api_list": (True, share),
        "ninjs": True,
    }


def test_a_draft_rewritten_91_percent_is_credited_nowhere(client, editor, reviewer):
    t = _submitted(REWRITTEN)
    mark = next(iter(t.machine_drafts.values()))
    assert mark["changed"] >= 91  # what the reviewer's mark says
    seen = _everything_readers_get(client, t, editor, reviewer)
    share = seen["share"]
    assert isinstance(share, float) and 0 < share < 0.05
    assert seen == {
        "share": share,
        "review": False,
        "page": False,
        "json_ld": False,
        "rss": False,
        "atom": False,
        "api": (False, share),
        "api_list": (False, share),
        "ninjs": False,
    }


def test_stories_published_before_the_rule_get_their_share_from_the_migration(editor, reviewer):
    import importlib

    from django.apps import apps

    from newsroom.models import Article

    backfill = importlib.import_module("translations.migrations.0012_assist_machine_share_backfill").backfill
    t = _submitted(DRAFT)
    t = workflow.translation_approve(translation=t, by=reviewer)
    workflow.translation_publish(translation=t, by=editor)
    plain = workflow.translation_publish(
        translation=TranslationFactory(state=State.APPROVED), by=editor
    ).article  # no machine draft at all
    Article.objects.filter(pk__in=[t.article_id, plain.pk]).update(machine_share_en=None)  # as before the rule
    backfill(apps, None)
    assert Article.objects.get(pk=t.article_id).machine_share_en == round(16 / (3 + 16 + 7), 3)
    assert Article.objects.get(pk=plain.pk).machine_share_en == 0.0
