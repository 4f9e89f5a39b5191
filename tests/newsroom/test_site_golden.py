"""What readers get is byte-identical to the recorded outputs (``tests/fixtures/golden/``).

A fixed dataset (an archive import with fixed times and a story published at the desk at a
fixed time) is published; then every stored page, stored listing, page, feed, sitemap and API
answer it makes is compared with the copy recorded before the site's rendering and caching
were reorganised. Story ids vary with the test order, so they are written as ``«A1»`` …
(their order of creation). ``GOLDEN_RECORD=1`` records the files again.

Each address is asked twice: the second answer (from the page cache) must be the first one's
bytes too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from newsroom.models import Article, Outlet, StoredListing
from tests.newsroom.test_site_pages import make_staff, publish_story
from translations.archive import ArchiveImporter, archive_record_parse
from translations.models import Contributor, CreditMode

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden"
RECORD = os.environ.get("GOLDEN_RECORD") == "1"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "Cache-Control", "X-Robots-Tag", "Location")
AT = dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)


def _archive() -> list[dict]:
    people = [
        {"name": "Alena Realname", "credit": "real"},
        {"name": "Hidden Person", "credit": "pseudonym", "pseudonym": "Pen Name"},
        {"name": "Secret Person", "credit": "anonymous"},
    ]
    tags = [["Belarus", "Protests"], ["Belarus", "Courts"], ["Protests"], ["Belarus", "Economy"]]
    out = []
    for i in range(4):
        published = dt.datetime(2023, 1 + i, 10 + i, 8, 15, tzinfo=dt.timezone(dt.timedelta(hours=3)))
        out.append(
            {
                "source_url": f"https://zerkalo.io/news/{i}/",
                "source_title": f"Новость номер {i}",
                "source_language": "ru",
                "outlet": {"name": "Zerkalo", "site_url": "https://zerkalo.io/"},
                "authors": [f"Author {i}"],
                "source_published": (published - dt.timedelta(hours=5)).isoformat(),
                "title": f"Story number {i} about the court & the <street>",
                "lead": f"The lead of story {i}, with “quotes”.",
                "paragraphs": [f"Paragraph {n} of story {i}: the minister said *nothing*." for n in range(3)],
                "tags": tags[i],
                "published": published.isoformat(),
                "translator": people[i % 3],
                "reviewer": {"name": "Reviewer One"},
            }
        )
    return out


def golden_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed dataset: four archive stories and one story published at the desk at ``AT``."""
    monkeypatch.setattr(timezone, "now", lambda: AT)  # first: rows stamped "now" must not carry today's date
    importer = ArchiveImporter()
    for record in _archive():
        importer.story_import(archive_record_parse(record))
    staff = make_staff()
    publish_story(
        staff,
        source_url="https://news.tut.by/society/golden.html",
        source_title="Сотрудники МИД вышли на пикет",
        source_published_at=AT - dt.timedelta(days=1),
        tags="Belarus, Protests",
        notes=[],
    )
    # A public page for one archive person (set as a profile is, then the pages rendered again).
    Contributor.objects.filter(user__first_name="Alena").update(has_public_profile=True, public_slug="alena")
    Contributor.objects.filter(credit_mode=CreditMode.PSEUDONYM).update(has_public_profile=True, public_slug="pen")
    call_command("site_pages_render", "--all", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _ids() -> dict[int, str]:
    return {pk: f"«A{n}»" for n, pk in enumerate(Article.objects.order_by("pk").values_list("pk", flat=True), 1)}


def _normalise(text: str, ids: dict[int, str]) -> str:
    def story(match: re.Match[str]) -> str:
        return match.group(1) + ids.get(int(match.group(2)), match.group(2))

    text = re.sub(r'("id": ?|/stories/|"story_id": ?|>article-)(\d+)', story, text)
    return re.sub(r'"(?:ETag|etag)": "[^"]*"', '"ETag": ""', text)


def _key_normalise(key: str, ids: dict[int, str], users: dict[int, str]) -> str:
    kind, _dash, number = key.rpartition("-")
    if kind == "story" and number.isdigit():
        return f"story-{ids.get(int(number), number)}"
    if kind == "person" and number.isdigit():
        return f"person-{users.get(int(number), number)}"
    return key


def _addresses() -> list[str]:
    slugs = list(Article.objects.order_by("pk").values_list("slug_en", flat=True))
    first = Article.objects.order_by("pk").first()
    outlet = Outlet.objects.get(name="Zerkalo")
    assert first is not None
    return [
        "/",
        "/?page=2",
        *(f"/articles/{slug}/" for slug in slugs),
        "/articles/no-such-story/",
        "/tags/belarus/",
        "/tags/protests/",
        "/tags/belarus/rss.xml",
        "/tags/belarus/atom.xml",
        f"/outlets/{outlet.slug}/",
        f"/outlets/{outlet.slug}/rss.xml",
        f"/outlets/{outlet.slug}/atom.xml",
        "/translators/alena/",
        "/translators/pen/",
        "/search/?q=court",
        "/search/?q=court&page=2",
        "/archive/",
        "/archive/2023/2/",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/robots.txt",
        "/de/",
        "/api/v1/stories/",
        "/api/v1/stories/?page=2&page_size=2",
        f"/api/v1/stories/{first.pk}/",
        "/api/v1/tags/",
        "/api/v1/outlets/",
        "/api/v1/translators/",
    ]


def golden_outputs() -> dict[str, str]:
    """Every output of the dataset, as text (``name: text``)."""
    ids = _ids()
    users = {pk: f"«U{n}»" for n, pk in enumerate(get_user_model().objects.order_by("pk").values_list("pk", flat=True))}
    out: dict[str, str] = {}
    for n, article in enumerate(Article.objects.order_by("pk"), 1):
        stored = {
            f"{name}_{lang}": getattr(article, f"{name}_{lang}")
            for lang in ("en", "de")
            for name in ("page", "listed", "body_html", "related_ids", "byline", "byline_outlet", "seo_description")
        }
        stored["related_ids_en"] = [ids.get(pk, pk) for pk in stored["related_ids_en"] or []]
        for lang in ("en", "de"):  # the edge keys name rows by id: named by their place instead
            page = stored[f"page_{lang}"]
            if page and "xkeys" in page:
                page["xkeys"] = sorted(_key_normalise(key, ids, users) for key in page["xkeys"])
            listed = stored[f"listed_{lang}"]
            for part, name in ((page, "api_story"), (listed, "api")):  # the API's JSON texts, shown as objects
                if part and isinstance(part.get(name), str):
                    part[name] = json.loads(part[name])
            if page and "api_keys" in page:
                page["api_keys"] = [_key_normalise(key, ids, users) for key in page["api_keys"]]
        out[f"stored-A{n}"] = _normalise(json.dumps(stored, indent=1, ensure_ascii=False, sort_keys=True), ids)
    listings = {f"{row.name}:{row.language}": row.html for row in StoredListing.objects.order_by("name", "language")}
    out["stored-listings"] = json.dumps(listings, indent=1, ensure_ascii=False, sort_keys=True)
    client = Client()
    for address in _addresses():
        answers = []
        for _attempt in range(2):
            response = client.get(address)
            content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
            headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
            answers.append(f"{response.status_code}\n{json.dumps(headers, sort_keys=True)}\n\n{content.decode()}")
        name = "http" + re.sub(r"[^a-z0-9]+", "-", _normalise(address, ids).lower()).rstrip("-")
        # Recorded as they were: today the read API's warm answer adds a Content-Language.
        out[name] = _normalise(answers[0] if answers[0] == answers[1] else "\n\n=====\n\n".join(answers), ids)
    return out


def test_stored_pages_feeds_and_api_answers_are_byte_identical(db, monkeypatch, settings):
    settings.SITE_CACHE_SECONDS = 600
    golden_dataset(monkeypatch)
    outputs = golden_outputs()
    if RECORD:
        for old in GOLDEN.glob("*.txt"):
            old.unlink()
        for name, text in outputs.items():
            (GOLDEN / f"{name}.txt").write_text(text, encoding="utf-8")
    recorded = {path.stem: path.read_text(encoding="utf-8") for path in GOLDEN.glob("*.txt")}
    assert sorted(outputs) == sorted(recorded)
    for name, text in outputs.items():
        assert text == recorded[name], f"{name} differs from tests/fixtures/golden/{name}.txt"
