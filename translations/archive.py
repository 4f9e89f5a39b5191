"""Archive import: translations a desk already published in another CMS, brought in as published.

``manage.py import_archive FILE --json`` (the command is the only caller) reads a JSON list of
stories, each::

    {"source_url", "source_title", "source_language", "outlet": {"name", "site_url"},
     "authors": [...], "source_published", "title", "lead", "paragraphs": [...], "tags": [...],
     "published", "translator": {"name", "credit": "real"|"pseudonym"|"anonymous", "pseudonym"?},
     "reviewer": {"name"}}

Each story goes through the desk's own services: the article and its source revision are
stored as an import stores them, then :func:`translations.workflow.translation_archive_publish`
writes the published translation (revision history, an ``archive_import`` event, credits)
and ``newsroom.publishing`` writes the live fields, so the story is sanitised, slugged and
credited exactly like one published at the desk. A batch of stories goes the same way in bulk
(:meth:`ArchiveImporter.stories_import_bulk`: ``workflow.translations_archive_publish_bulk``
and ``publishing.articles_publish_bulk``, a few statements per table for the batch), with the
same rows (``tests/translations/test_archive_bulk.py``); one by one is its fallback.

Choices where the archive says little:

- The source text itself is not in the archive: the source revision has one empty paragraph
  block per translated paragraph (the translation is aligned to it) and keeps the archive
  record as its raw page (``is_manual``), so the provenance is on file.
- People: each translator and reviewer becomes an *inactive* desk account (no password, no
  role, cannot log in) with a Contributor profile carrying the archive's credit choice
  (real name, pseudonym or anonymous), so public credits read as the archive had them.
  One account per (name, credit choice, pseudonym): the same person credited two ways in the
  archive keeps both. An editor can later merge or activate them in the admin.
- A record is keyed on its normalised ``source_url``: a story already on the desk is skipped.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from newsroom.core.bulk import ids_take, rows_copy
from newsroom.distribution.receivers import BACKFILL_AGE
from newsroom.models import Article, Outlet, SourceRevision
from newsroom.site.rendering import owner as rendering
from newsroom.sources import importing
from translations import workflow
from translations.models import Contributor, CreditMode

CREDIT_MODES = {"real": CreditMode.REAL_NAME, "pseudonym": CreditMode.PSEUDONYM, "anonymous": CreditMode.ANONYMOUS}


class ArchiveRecordError(Exception):
    """A record that cannot be imported; the message names the field."""


@dataclass(frozen=True)
class Person:
    name: str
    credit_mode: str
    pseudonym: str = ""


@dataclass(frozen=True)
class ArchiveStory:
    source_url: str
    source_title: str
    source_language: str
    outlet_name: str
    outlet_site_url: str
    authors: list[str]
    source_published: dt.datetime | None
    title: str
    lead: str
    paragraphs: list[str]
    tags: list[str]
    published: dt.datetime
    translator: Person
    reviewer: Person | None
    raw: bytes


def _text(record: dict[str, Any], name: str, *, required: bool = True, limit: int = 0) -> str:
    value = record.get(name, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ArchiveRecordError(f"{name} must be a string")
    value = value.strip()
    if required and not value:
        raise ArchiveRecordError(f"{name} is missing")
    if limit and len(value) > limit:
        raise ArchiveRecordError(f"{name} is longer than {limit} characters")
    return value


def _strings(record: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    value = record.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArchiveRecordError(f"{name} must be a list of strings")
    items = [v.strip() for v in value if v.strip()]
    if required and not items:
        raise ArchiveRecordError(f"{name} is empty")
    return items


def _time(record: dict[str, Any], name: str, *, required: bool) -> dt.datetime | None:
    value = record.get(name)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str):
        raise ArchiveRecordError(f"{name} must be an ISO 8601 time with an offset")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ArchiveRecordError(f"{name} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ArchiveRecordError(f"{name} has no UTC offset")
    # In UTC, as the database gives it back: the pages the bulk path renders from the rows in
    # memory show the same times as pages rendered from rows read back.
    return parsed.astimezone(dt.UTC)


def _person(value: Any, name: str, *, with_credit: bool) -> Person:
    if not isinstance(value, dict):
        raise ArchiveRecordError(f"{name} must be an object")
    person_name = _text(value, "name", limit=150)
    if not with_credit:
        return Person(person_name, CreditMode.REAL_NAME)
    credit = value.get("credit", "real")
    if credit not in CREDIT_MODES:
        raise ArchiveRecordError(f"{name}.credit must be real, pseudonym or anonymous")
    pseudonym = _text(value, "pseudonym", required=credit == "pseudonym", limit=100) if credit == "pseudonym" else ""
    return Person(person_name, CREDIT_MODES[credit], pseudonym)


def archive_record_parse(record: Any) -> ArchiveStory:
    """Check one archive record and return it typed; :class:`ArchiveRecordError` otherwise (pure)."""
    if not isinstance(record, dict):
        raise ArchiveRecordError("a story must be a JSON object")
    source_url = importing.url_normalize(_text(record, "source_url"))
    if not source_url.startswith(("https://", "http://")) or len(source_url) > 1000:
        raise ArchiveRecordError("source_url must be an http(s) address of at most 1,000 characters")
    language = _text(record, "source_language")
    if language not in dict(settings.SOURCE_LANGUAGES):
        raise ArchiveRecordError(f"source_language {language!r} is not one the desk translates from")
    outlet = record.get("outlet")
    if not isinstance(outlet, dict):
        raise ArchiveRecordError("outlet must be an object with name and site_url")
    outlet_name = _text(outlet, "name", limit=200)
    outlet_site = _text(outlet, "site_url", required=False, limit=500)
    if outlet_site and not outlet_site.startswith(("https://", "http://")):
        raise ArchiveRecordError("outlet.site_url must be an http(s) address")
    reviewer = record.get("reviewer")
    tags = [t[:100] for t in _strings(record, "tags") if "," not in t]
    if len(", ".join(tags)) > 500:
        raise ArchiveRecordError("tags are longer than 500 characters together")
    return ArchiveStory(
        source_url=source_url,
        source_title=_text(record, "source_title", limit=1000),
        source_language=language,
        outlet_name=outlet_name,
        outlet_site_url=outlet_site,
        authors=[a[:200] for a in _strings(record, "authors")],
        source_published=_time(record, "source_published", required=False),
        title=_text(record, "title", limit=1000),
        lead=_text(record, "lead", required=False),
        paragraphs=_strings(record, "paragraphs", required=True),
        tags=tags,
        published=_time(record, "published", required=True),  # type: ignore[arg-type]
        translator=_person(record.get("translator"), "translator", with_credit=True),
        reviewer=_person(reviewer, "reviewer", with_credit=False) if reviewer else None,
        raw=json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"),
    )


class ArchiveImporter:
    """Imports parsed stories, in bulk or one by one; keeps outlets and people it made for the next."""

    def __init__(self) -> None:
        self._outlets: dict[tuple[str, str], Outlet] = {}
        self._people: dict[Person, Any] = {}
        self._known: set[str] | None = None

    def known_urls_load(self, records: list[Any]) -> None:
        """Look up, in one query, which of a batch's source URLs are already on the desk."""
        urls = set()
        for record in records:
            if isinstance(record, dict) and isinstance(record.get("source_url"), str):
                try:
                    urls.add(importing.url_normalize(record["source_url"].strip()))
                except Exception:  # noqa: S112 - a bad URL is reported when its record is parsed
                    continue
        self._known = set(Article.objects.filter(source_url__in=urls).values_list("source_url", flat=True))

    def outlet(self, story: ArchiveStory) -> Outlet:
        key = (story.outlet_name, story.outlet_site_url)
        if key not in self._outlets:
            outlet = Outlet.objects.filter(name=story.outlet_name).first()
            if outlet is None and story.outlet_site_url:
                outlet = importing.outlet_for(
                    url=story.outlet_site_url, site_name=story.outlet_name, language=story.source_language
                )
            if outlet is None:
                outlet = importing.outlet_for(
                    url=story.source_url, site_name=story.outlet_name, language=story.source_language
                )
            self._outlets[key] = outlet
        return self._outlets[key]

    def person(self, person: Person) -> Any:
        """The inactive account standing for an archive name (made on first sight)."""
        if person not in self._people:
            self.people_load([person])
        return self._people[person]

    def people_load(self, persons: Iterable[Person]) -> None:
        """Find or make the accounts of ``persons`` not met yet: two queries for those on file,
        two statements for the new ones, whatever their number."""
        wanted = {_username(person): person for person in persons if person not in self._people}
        if not wanted:
            return
        User = get_user_model()
        found = {user.username: user for user in User.objects.filter(username__in=wanted)}
        new = []
        for username, person in wanted.items():
            if username not in found:
                first, _sep, last = person.name.partition(" ")
                user = User(username=username, first_name=first[:150], last_name=last[:150], is_active=False)
                user.set_unusable_password()
                new.append(user)
        if new:
            User.objects.bulk_create(new)
            Contributor.objects.bulk_create(
                [
                    Contributor(
                        user=user,
                        credit_mode=wanted[user.username].credit_mode,
                        pseudonym=wanted[user.username].pseudonym,
                        is_volunteer=True,
                    )
                    for user in new
                ]
            )
            found.update((user.username, user) for user in new)
        profiles = {c.user_id: c for c in Contributor.objects.filter(user__in=list(found.values()))}
        for username, person in wanted.items():
            user = found[username]
            if user.pk in profiles:  # the credit name is read from the profile (names.public_name)
                user.contributor = profiles[user.pk]
            self._people[person] = user

    def story_import(self, story: ArchiveStory) -> bool:
        """Store and publish one story; False if its source_url is already on the desk.

        All or nothing: a failure anywhere rolls the whole story back (and forgets the outlets
        and people made for it, which the rollback removed).
        """
        outlets, people = dict(self._outlets), dict(self._people)
        try:
            with rendering.batch_savepoint(), transaction.atomic():
                stored = self._story_store(story)
            if stored and self._known is not None:
                self._known.add(story.source_url)  # a repeat later in the batch is skipped
            return stored
        except Exception:
            self._outlets, self._people = outlets, people
            raise

    def stories_import_bulk(self, stories: list[ArchiveStory]) -> tuple[int, int]:
        """Store and publish ``stories`` together (the bulk path): ``(imported, skipped)``.

        The same rows as :meth:`story_import` for each, written with a few statements per table
        for the whole list. All or nothing: on any failure it raises, having written nothing and
        forgotten the outlets and people made for it; the caller then imports the stories one
        by one, which reports the one at fault.
        """
        outlets, people = dict(self._outlets), dict(self._people)
        try:
            with rendering.batch_savepoint(), transaction.atomic():
                return self._stories_store(stories)
        except Exception:
            self._outlets, self._people = outlets, people
            raise

    def _stories_store(self, stories: list[ArchiveStory]) -> tuple[int, int]:
        known = self._known
        if known is None:
            known = set(
                Article.objects.filter(source_url__in=[s.source_url for s in stories]).values_list(
                    "source_url", flat=True
                )
            )
        fresh: dict[str, ArchiveStory] = {}
        for story in stories:
            if story.source_url not in known:
                fresh.setdefault(story.source_url, story)  # a repeat later in the list is skipped
        todo = list(fresh.values())
        if not todo:
            return 0, len(stories)
        recent = timezone.now() - BACKFILL_AGE
        if any(story.published > recent for story in todo):
            # News, not a backfill: partners and the outlet are told, which one by one does.
            raise ArchiveRecordError("a story published in the last day is imported one by one")
        self.people_load(p for story in todo for p in (story.translator, story.reviewer) if p is not None)
        # The articles' ids first: their source revisions and their rows are then each written once.
        ids = ids_take(Article, len(todo))
        revisions = [_source_revision(story, article_id=pk) for story, pk in zip(todo, ids, strict=True)]
        for revision, pk in zip(revisions, ids_take(SourceRevision, len(revisions)), strict=True):
            revision.pk = pk
        rows_copy(revisions)
        # Written by publishing with their live fields (a foreign key to them is checked at commit).
        articles = [
            _article(story, pk=pk, outlet=self.outlet(story), revision=revision)
            for story, pk, revision in zip(todo, ids, revisions, strict=True)
        ]
        workflow.translations_archive_publish_bulk(
            stories=[
                self._publication(story, article, revision)
                for story, article, revision in zip(todo, articles, revisions, strict=True)
            ],
            by=None,
        )
        if self._known is not None:
            self._known.update(fresh)
        return len(todo), len(stories) - len(todo)

    def _publication(self, story: ArchiveStory, article: Article, revision: Any) -> workflow.ArchivePublication:
        """What both paths publish for ``story``: its text, people and the event's comment."""
        return workflow.ArchivePublication(
            article=article,
            title=story.title,
            lead=story.lead,
            blocks=_blocks(story, revision),
            tags=", ".join(story.tags),
            translator=self.person(story.translator),
            reviewer=self.person(story.reviewer) if story.reviewer else None,
            published_at=story.published,
            comment=f"Imported from the archive: {story.source_url}",
        )

    def _story_store(self, story: ArchiveStory) -> bool:
        if self._known is None:
            if Article.objects.filter(source_url=story.source_url).exists():
                return False
        elif story.source_url in self._known:  # looked up with its batch (known_urls_load)
            return False
        article = _article(story, pk=None, outlet=self.outlet(story), revision=None)
        article.save()
        revision = _source_revision(story, article_id=article.pk)
        revision.save()
        article.current_revision = revision
        article.save(update_fields=["current_revision"])
        publication = self._publication(story, article, revision)
        workflow.translation_archive_publish(
            by=None, **{f.name: getattr(publication, f.name) for f in dataclasses.fields(publication)}
        )
        return True


def _username(person: Person) -> str:
    """The account name standing for an archive name: one per (name, credit choice, pseudonym)."""
    digest = hashlib.sha256(f"{person.name}|{person.credit_mode}|{person.pseudonym}".encode()).hexdigest()[:10]
    return f"archive-{slugify(person.name)[:100] or 'person'}-{digest}"


@functools.cache
def _article_defaults() -> dict[str, Any]:
    """Every field's default, taken once: modeltranslation's constructor would otherwise take
    each language's default of each live field (switching the active language) per story."""
    return {
        f.attname: f.get_default()
        for f in Article._meta.concrete_fields
        if not f.primary_key and not f.is_relation and not getattr(f, "generated", False)
    }


def _article(story: ArchiveStory, *, pk: int | None, outlet: Outlet, revision: SourceRevision | None) -> Article:
    values = {name: copy.copy(value) for name, value in _article_defaults().items()}  # no list shared
    values.update(
        source_url=story.source_url,
        language=story.source_language,
        authors=story.authors,
        source_title=story.source_title,
        source_published_at=story.source_published,
        triage=Article.Triage.ACCEPTED,
    )
    return Article(**values, pk=pk, outlet=outlet, current_revision=revision)


def _source_revision(story: ArchiveStory, *, article_id: int) -> SourceRevision:
    """The archive record kept as the raw page, with one empty paragraph block per translated one."""
    return SourceRevision(
        article_id=article_id,
        number=1,
        fetched_at=story.published,
        final_url=story.source_url,
        raw_compressed=SourceRevision.compress(story.raw),
        charset="utf-8",
        title=story.source_title,
        blocks=[
            {"id": f"p{n}", "kind": "paragraph", "text": "", "html": "", "attrs": {}}
            for n in range(1, len(story.paragraphs) + 1)
        ],
        word_count=0,
        is_manual=True,
    )


def _blocks(story: ArchiveStory, revision: SourceRevision) -> dict[str, dict[str, Any]]:
    return {b["id"]: {"text": text} for b, text in zip(revision.blocks, story.paragraphs, strict=True)}
