import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from newsroom.models import Article
from translations.models import State, Translation


def _snapshot():
    counts = {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"newsroom", "translations", "auth", "reversion"}
    }
    states = sorted(Translation.objects.values_list("article__source_url", "state"))
    return counts, states


def test_load_demo_publishes_the_seed_with_attribution_and_is_idempotent(db, client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    call_command("load_demo", force=True, quiet_accounts=True)
    first = _snapshot()
    call_command("load_demo", force=True, quiet_accounts=True)
    assert _snapshot() == first
    assert {s for _url, s in first[1]} == set(State.values)

    seed = Article.objects.get(source_url__endswith="mfa-picket.html")
    assert seed.title_en == "MFA Employees Hold Picket Lines Against Police Brutality In Belarus"
    page = client.get(seed.get_absolute_url()).content.decode()
    assert "Source: " in page and "TUT.BY</a>" in page
    assert "The text was translated by Veranika Papkouskaya" in page
    assert "Please, turn on English subtitles" in page
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="volunteer").check_password("demo-password-123")


def test_load_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses"):
        call_command("load_demo")


def test_demo_credits_honour_pseudonym_and_anonymity(db, client):
    call_command("load_demo", force=True, quiet_accounts=True)
    pseudonymous = Article.objects.get(source_url__contains="be-culture")
    anonymous = Article.objects.get(source_url__contains="cp1251-economy")
    page = client.get(pseudonymous.get_absolute_url()).content.decode()
    assert "The text was translated by A. Minsker" in page and "Kavalenka" not in page
    page = client.get(anonymous.get_absolute_url()).content.decode()
    assert "The text was translated by a volunteer translator" in page and "Hrynevich" not in page


def test_load_demo_publishes_the_seed_in_german_credited_to_the_german_demo_volunteer(db, client):
    call_command("load_demo", force=True, quiet_accounts=True)
    seed = Article.objects.get(source_url__endswith="mfa-picket.html")
    assert seed.title_de == "Mitarbeiter des Außenministeriums protestieren in Belarus gegen Polizeigewalt"
    german = Translation.objects.get(article=seed, language="de")
    assert german.state == State.PUBLISHED and german.translator.username == "volunteer_de"
    page = client.get(f"/de/articles/{seed.slug_de}/").content.decode()
    assert "Übersetzt von Lena Beispiel" in page and "Geprüft von Pavel Lis" in page
    assert "Papkouskaya" not in page  # she translated the English version only
    assert "Quelle: " in page and "TUT.BY</a>" in page
    english = client.get(f"/articles/{seed.slug_en}/").content.decode()
    assert "Lena Beispiel" not in english and 'hreflang="de"' in english


def test_the_demo_and_the_tests_share_one_copy_of_the_source_pages():
    """The demo's pages and seed are kept once (newsroom/demo/); tests/fixtures holds only the
    test-only files, and the fixture lookup finds the demo's there."""
    from pathlib import Path

    from tests.fixture_server import fixture_file

    root = Path(__file__).resolve().parents[2]
    demo = {p.name for p in (root / "newsroom" / "demo").rglob("*") if p.is_file()}
    fixtures = {p.name for p in (root / "tests" / "fixtures").rglob("*") if p.is_file()}
    assert "mfa-picket.html" in demo and "mfa-picket.en.txt" in demo
    assert demo.isdisjoint(fixtures), demo & fixtures
    assert fixture_file("sources/site/mfa-picket.html") == root / "newsroom/demo/sources/site/mfa-picket.html"
