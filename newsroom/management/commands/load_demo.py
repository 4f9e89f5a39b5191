"""Load the demo desk: the seed story published with its credits, and jobs in every state.

Idempotent: people, outlets and articles are keyed on username / slug / source URL, and a
story that already has its translation is left alone, so running it twice gives the same
data. Passwords are ``DEMO_PASSWORD`` or a random one printed at the end (reset each run so
the printed one works).

Every story readers, feeds, search and translation memory can see is real English, written for
the demo from its source (``demo/seed/<name>.en.txt``, one paragraph per source block), so the
demo passes the same checks as anyone's work, the language check included.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from newsroom import publishing
from newsroom.models import Article, Feed, Outlet
from newsroom.sources import extraction, importing
from translations import editing, workflow
from translations.assist import checks
from translations.models import Contributor, CreditMode, GlossaryTerm, MemoryEntry, State, Translation

DEMO = Path(__file__).resolve().parents[2] / "demo"


def left_out_rest(blocks: list[dict[str, Any]], translated: dict[str, Any], reason: str) -> dict[str, Any]:
    """``translated`` plus every other translatable block marked as left out with ``reason``,
    so the demo's jobs pass the same submission checks as anyone's."""
    rest = {
        b["id"]: {"text": "", "omitted": True, "reason": reason}
        for b in blocks
        if checks.is_translatable(b) and b["id"] not in translated
    }
    return {**rest, **translated}


def english_seed(name: str, blocks: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """The demo's English of the story ``name`` (``demo/seed/<name>.en.txt``: the title, then
    one paragraph per translatable source block, in order, separated by blank lines): the title
    and ``{block id: text}``. A file that does not match the page's blocks is refused."""
    parts = [p.strip() for p in (DEMO / "seed" / f"{name}.en.txt").read_text(encoding="utf-8").split("\n\n")]
    translatable = [b["id"] for b in blocks if checks.is_translatable(b)]
    if len(parts) - 1 != len(translatable):
        raise CommandError(f"demo/seed/{name}.en.txt has {len(parts) - 1} paragraphs for {len(translatable)} blocks")
    return parts[0], dict(zip(translatable, parts[1:], strict=True))


# How the demo's translators spell the people their stories name, as a translator would choose:
# one spelling across the byline, the photographers and the quotes' attributions (a story
# spelling one person two ways is refused at submission).
SPELLINGS = {
    "Яўгенія Раманчук": "Yauheniya Ramanchuk",
    "Алена Кірыловіч": "Alena Kirylovich",
    "Ирина Мальцева": "Irina Maltseva",
}
# Outlets the demo imports, as English readers know them.
OUTLET_NAMES_EN = {"Культурны вектар": "Kulturny Vektar", "Долгие истории": "Long Stories"}


def spelt_names(translation: Translation) -> tuple[dict[str, dict[str, str]], str | None]:
    """The demo translator's spelling of every attribution and photographer of ``translation``
    (``{block id: {part: spelling}}``) and of its byline, when every author has one."""
    parts = {
        block_id: {name["part"]: SPELLINGS[name["source"]]}
        for block_id, name in publishing.block_names(translation=translation).items()
        if name["source"] in SPELLINGS
    }
    authors = list(translation.article.authors or [])
    byline = ", ".join(SPELLINGS[a] for a in authors) if authors and all(a in SPELLINGS for a in authors) else None
    return parts, byline


PEOPLE: list[tuple[str, str, str, list[str], dict[str, Any]]] = [
    # username, first, last, groups, contributor fields
    ("editor", "Hanna", "Marchuk", ["editor"], {"is_volunteer": False, "credit_mode": CreditMode.REAL_NAME}),
    ("reviewer", "Pavel", "Lis", ["reviewer"], {"is_volunteer": False, "credit_mode": CreditMode.REAL_NAME}),
    ("translator", "Iryna", "Sadouskaya", ["translator"], {"is_volunteer": False, "credit_mode": CreditMode.REAL_NAME}),
    (
        "volunteer",
        "Veranika",
        "Papkouskaya",
        ["translator"],
        {"has_public_profile": True, "public_slug": "veranika-papkouskaya", "credit_mode": CreditMode.REAL_NAME},
    ),
    (
        "volunteer2",
        "Andrei",
        "Kavalenka",
        ["translator"],
        {"credit_mode": CreditMode.PSEUDONYM, "pseudonym": "A. Minsker"},
    ),
    ("volunteer3", "Maryia", "Hrynevich", ["translator"], {"credit_mode": CreditMode.ANONYMOUS}),
    # A made-up demo volunteer who translates into German: the seed story's German version is
    # credited to this account (never to a real person who did not translate it).
    (
        "volunteer_de",
        "Lena",
        "Beispiel",
        ["translator"],
        {"languages": ["ru", "en", "de"], "credit_mode": CreditMode.REAL_NAME},
    ),
]


class Command(BaseCommand):
    help = "Load demo content: the seed story published, jobs in every state, demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a live desk).")
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("load_demo refuses to run with DEBUG off; pass --force if this really is a demo desk.")
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        if not self.loaded_with(password):
            with transaction.atomic():  # all or nothing: a kill mid-way leaves no half demo
                people = self.people(password)
                outlet = self.outlet()
                self.glossary(people["editor"])
                self.seed_story(people, outlet)
                if "de" in settings.PUBLISHING_LANGUAGES:
                    self.seed_story_german(people, outlet)
                self.more_jobs(people)
        if not options["quiet_accounts"]:
            self.stdout.write(f"\nDemo accounts (password: {password}):")
            for username, first, last, groups, _extra in PEOPLE:
                self.stdout.write(f"  {username:<11} {first} {last} ({', '.join(groups)})")

    def loaded_with(self, password: str) -> bool:
        """True when an earlier run loaded the whole demo with this password (a quick restart)."""
        User = get_user_model()
        editor = User.objects.filter(username="editor").first()
        if User.objects.filter(username__in=[p[0] for p in PEOPLE]).count() < len(PEOPLE) or editor is None:
            return False
        jobs = Translation.objects.filter(article__source_url__startswith="https://demo.source.example/").count()
        return jobs >= 3 and Translation.objects.count() >= 9 and editor.check_password(password)

    def people(self, password: str) -> dict[str, Any]:
        User = get_user_model()
        people: dict[str, Any] = {}
        hashed = make_password(password)  # one hash for every demo account: hashing is slow on purpose
        for username, first, last, groups, extra in PEOPLE:
            user, _created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@desk.example"},
            )
            user.password = hashed
            user.is_staff = "editor" in groups
            user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            Contributor.objects.update_or_create(user=user, defaults={"languages": ["ru", "be", "en"], **extra})
            people[username] = User.objects.get(pk=user.pk)  # fresh, without cached groups
        return people

    def outlet(self) -> Outlet:
        outlet, _created = Outlet.objects.get_or_create(
            slug="tut-by",
            defaults={
                "name": "TUT.BY",
                "credit_name": "TUT.BY",
                "site_url": "https://news.tut.by",
                "language": "ru",
                "credit_terms": "Credit TUT.BY with a link to the original.",
            },
        )
        Feed.objects.get_or_create(
            url="https://news.tut.by/rss/all.rss",
            defaults={"outlet": outlet, "title": "TUT.BY — all news", "is_active": False},
        )
        return outlet

    def glossary(self, editor: Any) -> None:
        for ru, en in [("Окрестина", "Okrestin"), ("МИД", "MFA"), ("силовики", "security forces"), ("Макей", "Makei")]:
            GlossaryTerm.objects.get_or_create(
                source_language="ru",
                target_language="en",
                source_term=ru,
                defaults={"target_term": en, "created_by": editor},
            )

    def article(self, name: str, editor: Any, outlet: Outlet | None = None) -> Article:
        # The same pages the tests import (tests/fixtures/check_fixtures.py finds them here),
        # with the origin the test server would put for {BASE} made up per outlet.
        base = "https://news.tut.by" if name == "mfa-picket" else f"https://{name}.source.example"
        content = (DEMO / "sources" / "site" / f"{name}.html").read_bytes().replace(b"{BASE}", base.encode())
        url = f"{base}/sources/site/{name}.html"
        stored = Article.objects.filter(source_url=url).first()
        if stored is not None:  # loaded by an earlier run: no need to extract it again
            return stored
        extracted = extraction.extract_article(content=content, url=url, headers={"content-type": "text/html"})
        article = importing.article_store(extracted=extracted, by=editor, outlet=outlet, raw=content).article
        if article.outlet is not None and not article.outlet.name_en:
            english = OUTLET_NAMES_EN.get(article.outlet.credit_name) or OUTLET_NAMES_EN.get(article.outlet.name)
            if english:  # as an editor sets it on the outlet's page
                Outlet.objects.filter(pk=article.outlet.pk).update(name_en=english)
                article.outlet.name_en = english
        return article

    def seed_story(self, people: dict[str, Any], outlet: Outlet) -> None:
        editor, reviewer, volunteer = people["editor"], people["reviewer"], people["volunteer"]
        article = self.article("mfa-picket", editor, outlet)
        if Translation.objects.filter(article=article, language="en").exists():
            return
        parts = (DEMO / "seed" / "mfa-picket.en.txt").read_text(encoding="utf-8").split("\n\n")
        blocks = article.blocks
        # Alignment of the seed (tests/fixtures/expected.json "seed" "roles"): English part → source block index.
        aligned = {1: 0, 2: 1, 4: 2, 6: 4, 7: 5, 8: 6, 9: 7, 10: 8, 11: 9, 12: 10, 13: 11}
        t = workflow.translation_create(article=article, by=editor, due_at=timezone.now() + dt.timedelta(days=2))
        t = workflow.translation_assign(translation=t, by=editor, translator=volunteer, reviewer=reviewer)
        # The seed's tag line ("MFA picket lines belarus violence …") leaked from the English site
        # without separators; these are its tags, as the Russian page's five tags map to them.
        tags = "MFA, picket lines, Belarus, violence, protests, election 2020"
        t = editing.translation_save(
            translation=t,
            by=volunteer,
            based_on=t.edit_version,
            title=parts[0],
            blocks=left_out_rest(
                blocks,
                {blocks[ru]["id"]: {"text": parts[en]} for en, ru in aligned.items()},
                "Not in the English version this desk published.",
            ),
            notes=[{"id": "subtitles", "after": blocks[2]["id"], "text": parts[5], "keep": True}],
            tags=tags,
            as_version=True,
            comment="First full draft",
        )
        t = workflow.translation_submit(translation=t, by=volunteer)
        t = workflow.translation_approve(translation=t, by=reviewer, comment="Checked against the original.")
        workflow.translation_publish(translation=t, by=editor)
        for en, ru in aligned.items():
            MemoryEntry.objects.get_or_create(
                source_language="ru",
                target_language="en",
                source_text=blocks[ru]["text"],
                defaults={"target_text": parts[en], "translation": t},
            )

    def seed_story_german(self, people: dict[str, Any], outlet: Outlet) -> None:
        """The seed story in German too (when the desk publishes in German), through the workflow."""
        editor, reviewer, translator = people["editor"], people["reviewer"], people["volunteer_de"]
        article = self.article("mfa-picket", editor, outlet)
        if Translation.objects.filter(article=article, language="de").exists():
            return
        parts = (DEMO / "seed" / "mfa-picket.de.txt").read_text(encoding="utf-8").split("\n\n")
        blocks = article.blocks
        aligned = {1: 0, 2: 1, 4: 2, 6: 4, 7: 5, 8: 6, 9: 7, 10: 8, 11: 9, 12: 10, 13: 11}
        t = workflow.translation_create(article=article, by=editor, language="de")
        t = workflow.translation_assign(translation=t, by=editor, translator=translator, reviewer=reviewer)
        english = Translation.objects.filter(article=article, language="en").values_list("tags", flat=True).first()
        t = editing.translation_save(
            translation=t,
            by=translator,
            based_on=t.edit_version,
            title=parts[0],
            blocks={blocks[ru]["id"]: {"text": parts[de].strip()} for de, ru in aligned.items()},
            notes=[{"id": "subtitles", "after": blocks[2]["id"], "text": parts[5], "keep": True}],
            # Tags are shared by every language version (English names): keep the English ones.
            tags=english or "",
            as_version=True,
            comment="Deutsche Fassung",
        )
        t = workflow.translation_submit(translation=t, by=translator)
        t = workflow.translation_approve(translation=t, by=reviewer, comment="Checked against the original.")
        workflow.translation_publish(translation=t, by=editor)

    def more_jobs(self, people: dict[str, Any]) -> None:
        editor, reviewer = people["editor"], people["reviewer"]
        now = timezone.now()
        plan = [
            ("be-culture", State.PUBLISHED, people["volunteer2"]),
            ("cp1251-economy", State.PUBLISHED, people["volunteer3"]),
            ("long-read", State.IN_PROGRESS, people["translator"]),
            ("no-metadata", State.OPEN, None),
            ("paywall", State.IN_REVIEW, people["volunteer"]),
        ]
        for name, target, translator in plan:
            article = self.article(name, editor)
            if Translation.objects.filter(article=article).exists():
                continue
            t = workflow.translation_create(article=article, by=editor, due_at=now + dt.timedelta(days=3))
            if translator is None:
                continue
            t = workflow.translation_assign(translation=t, by=editor, translator=translator, reviewer=reviewer)
            title, texts = english_seed(name, article.blocks)
            names, byline = spelt_names(t)
            t = editing.translation_save(
                translation=t,
                by=translator,
                based_on=t.edit_version,
                title=title,
                tags="Belarus, demo",
                blocks={block_id: {"text": text, **names.get(block_id, {})} for block_id, text in texts.items()},
                byline=byline,
                as_version=True,
                comment="Draft",
            )
            if target == State.IN_PROGRESS:
                continue
            t = workflow.translation_submit(translation=t, by=translator)
            if target == State.IN_REVIEW:
                continue
            t = workflow.translation_approve(translation=t, by=reviewer)
            if target == State.PUBLISHED:
                workflow.translation_publish(translation=t, by=editor)
        # A scheduled, an approved and a spiked job, made from pasted text (manual import).
        for title, target in [
            ("Демо: запланированная публикация", State.SCHEDULED),
            ("Демо: одобренный перевод", State.APPROVED),
            ("Демо: снятая с работы заметка", State.SPIKED),
        ]:
            result = importing.manual_import(
                by=editor,
                title=title,
                url=f"https://demo.source.example/{target}",
                language="ru",
                text_or_html="Первый абзац демонстрационной заметки.\n\nВторой абзац.",
                outlet=None,
            )
            if Translation.objects.filter(article=result.article).exists():
                continue
            t = workflow.translation_create(article=result.article, by=editor)
            if target == State.SPIKED:
                workflow.translation_spike(translation=t, by=editor, reason="Duplicate of another story")
                continue
            t = workflow.translation_assign(
                translation=t, by=editor, translator=people["translator"], reviewer=reviewer
            )
            first, second = (b["id"] for b in result.article.blocks[:2])
            t = editing.translation_save(
                translation=t,
                by=people["translator"],
                based_on=t.edit_version,
                title="Demo: a scheduled story" if target == State.SCHEDULED else "Demo: an approved story",
                blocks={
                    first: {"text": "The first paragraph of a demo story."},
                    second: {"text": "The second paragraph."},
                },
                as_version=True,
            )
            t = workflow.translation_submit(translation=t, by=people["translator"])
            t = workflow.translation_approve(translation=t, by=reviewer)
            if target == State.SCHEDULED:
                workflow.translation_schedule(translation=t, by=editor, at=now + dt.timedelta(days=1))
