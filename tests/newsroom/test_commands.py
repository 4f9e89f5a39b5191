"""The command-line contracts scripts rely on: import_article and poll_feed."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from newsroom.models import Article, Feed, FeedItem, Outlet

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.DESK_IMPORT_ALLOW_LOOPBACK", True)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_import_article_json_contract(db: Any, loopback: None, fixture_server: str) -> None:
    url = f"{fixture_server}/sources/site/mfa-picket.html"

    code, out, err = run("import_article", url, "--json")

    assert code == 0, err
    data = json.loads(out)
    # the keys scripts rely on, exactly and in order; "confidence" was added after them
    assert list(data) == ["id", "created", "url", "title", "language", "published", "authors", "blocks", "confidence"]
    assert 0.75 <= data["confidence"] <= 1
    assert data["created"] is True
    assert data["id"] == Article.objects.get().pk
    assert data["url"] == url
    assert data["title"] == "Сотрудники МИД вышли на пикет против насилия силовиков"
    assert data["language"] == "ru"
    assert dt.datetime.fromisoformat(data["published"]) == dt.datetime.fromisoformat("2020-08-17T13:47:00+03:00")
    assert data["authors"] == ["Алеся Шумейко"]
    assert len(data["blocks"]) == 12
    assert set(data["blocks"][0]) == {"id", "kind", "text", "html"}
    assert data["blocks"][3]["kind"] == "embed"


def test_import_article_again_returns_existing_not_created(db: Any, loopback: None, fixture_server: str) -> None:
    url = f"{fixture_server}/sources/site/be-culture.html"
    _code, first, _err = run("import_article", url, "--json")

    code, out, _err = run("import_article", url + "?utm_source=rss#top", "--json")

    assert code == 0
    assert json.loads(out)["created"] is False
    assert json.loads(out)["id"] == json.loads(first)["id"]
    assert json.loads(out)["language"] == "be"
    assert Article.objects.count() == 1


def test_import_article_files_under_given_outlet(db: Any, loopback: None, fixture_server: str) -> None:
    outlet = Outlet.objects.create(name="Regional", slug="regional", credit_name="Regional")

    code, _out, _err = run("import_article", f"{fixture_server}/sources/site/no-metadata.html", "--outlet", "regional")

    assert code == 0
    assert Article.objects.get().outlet == outlet


@pytest.mark.parametrize(
    "args",
    [
        ["{base}/sources/site/mfa-picket.html", "--outlet", "nope"],  # unknown outlet
        ["{base}/_t/status?code=404"],  # HTTP error
        ["{base}/_t/json"],  # not a web page
        ["{base}/_t/status?code=200"],  # no article text
        ["file:///etc/passwd"],  # refused scheme
    ],
)
def test_import_article_refusal_is_one_line_and_saves_nothing(
    args: list[str], db: Any, loopback: None, fixture_server: str
) -> None:
    code, out, err = run("import_article", *[a.format(base=fixture_server) for a in args], "--json")

    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.strip()
    assert "Traceback" not in err
    assert not Article.objects.exists() and not Outlet.objects.exists()


def test_import_article_subprocess_refuses_loopback_with_one_line(db: Any, fixture_server: str) -> None:
    s = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DESK_IMPORT_ALLOW_LOOPBACK"}
    env.update(DESK_TESTING="1", DATABASE_URL=f"postgres://{s['USER']}@/{s['NAME']}?host={s['HOST']}")

    proc = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "import_article", f"{fixture_server}/sources/site/mfa-picket.html", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "loopback" in lines[0]


def test_poll_feed_list_json_contract(db: Any, loopback: None, fixture_server: str) -> None:
    url = f"{fixture_server}/sources/feeds/outlet.rss"

    code, out, err = run("poll_feed", url, "--list", "--json")

    assert code == 0, err
    data = json.loads(out)
    assert data["url"] == url
    assert [i["url"] for i in data["items"]] == [
        f"{fixture_server}/sources/site/{name}.html"
        for name in ("paywall", "long-read", "be-culture", "cp1251-economy", "mfa-picket")
    ]
    first = data["items"][0]
    assert set(first) == {"url", "title", "published"}
    assert first["title"] == "Почему в Минске пустеют офисные центры и кто от этого выиграет"
    assert dt.datetime.fromisoformat(first["published"]) == dt.datetime.fromisoformat("2020-12-02T08:00:00+03:00")
    assert not FeedItem.objects.exists()


@pytest.mark.parametrize("name", ["billion-laughs.rss", "malformed.rss", "not-a-feed.rss"])
def test_poll_feed_list_rejected_feed_exits_with_one_line(
    name: str, db: Any, loopback: None, fixture_server: str
) -> None:
    code, out, err = run("poll_feed", f"{fixture_server}/sources/feeds/{name}", "--list", "--json")

    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_poll_feed_polls_stored_feed(db: Any, loopback: None, fixture_server: str) -> None:
    outlet = Outlet.objects.create(name="TUT.BY", slug="tut-by", credit_name="TUT.BY")
    url = f"{fixture_server}/sources/feeds/outlet.atom"
    Feed.objects.create(outlet=outlet, url=url)

    code, out, err = run("poll_feed", url, "--json")

    assert code == 0, err
    assert json.loads(out)["new_items"] == 3
    assert FeedItem.objects.filter(status=FeedItem.Status.NEW).count() == 3


def test_poll_feed_unknown_stored_feed_fails(db: Any, loopback: None, fixture_server: str) -> None:
    code, _out, err = run("poll_feed", f"{fixture_server}/sources/feeds/outlet.rss")

    assert code != 0 and len(err.strip().splitlines()) == 1
