"""Shared test set-up: PostgreSQL only (the embedded one unless DATABASE_URL is set)."""

from pathlib import Path

import pytest

# The fixture web server (real HTTP on 127.0.0.1) lives in its own plugin module.
pytest_plugins = ["tests.fixture_server"] if (Path(__file__).parent / "fixture_server.py").exists() else []


@pytest.fixture(scope="session", autouse=True)
def _celery_config_loaded_once():
    """Celery reads Django settings lazily, once per process: read them before any test can
    override a setting, so the app keeps running tasks eagerly under test."""
    from newsroom.celery import app

    assert app.conf.task_always_eager is True


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    """Each test gets empty caches of its own, both aliases in one memory (so that clearing the
    default cache clears the pages too, as on one Redis)."""
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
        for alias in ("default", "pages")
    }


@pytest.fixture
def rate_clock_held(monkeypatch):
    """The API counts requests per window of the clock (``api:rate:{client}:{slot}``): hold the
    limiter's clock still, so that a test slowed by a busy machine never crosses into the next
    window and starts its count again."""
    import time
    import types

    from newsroom.site import api_http

    held = time.time()
    monkeypatch.setattr(api_http, "time", types.SimpleNamespace(time=lambda: held))


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Stored pictures go to the test's own folder, never to the desk's data folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _reset_axes_and_roles(db):
    """Transactional tests (browser, worker) flush every table, role groups included: put them back."""
    from axes.models import AccessAttempt
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    AccessAttempt.objects.all().delete()
    ContentType.objects.clear_cache()  # ids change when a transactional test flushed the table
    if Group.objects.filter(name__in=["editor", "reviewer", "translator"]).count() < 3:
        from importlib import import_module

        import_module("translations.migrations.0002_roles").create_roles(apps, None)


@pytest.fixture
def editor(db):
    from tests.factories import UserFactory

    return UserFactory(username="ed", roles=["editor"])


@pytest.fixture
def reviewer(db):
    from tests.factories import UserFactory

    return UserFactory(username="rev", roles=["reviewer"])


@pytest.fixture
def translator(db):
    from tests.factories import UserFactory

    return UserFactory(username="tr", roles=["translator"], contributor__is_volunteer=False)


@pytest.fixture
def volunteer(db):
    from tests.factories import UserFactory

    return UserFactory(username="vol", roles=["translator"])


# Debian's chromium, driven by Playwright (its own browser downloads are not possible here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_for(browser, live_server):
    """``page_for(user)``: a new browser context on the live server, logged in as ``user``
    (``None`` for a reader) with a session made by the test client."""
    from django.test import Client

    def make(user):
        context = browser.new_context(base_url=live_server.url)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
            context.add_cookies([cookie])
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    return make


# Slow tests (`make test-fast` leaves them out): a real browser, a real worker, the drills.
SLOW_MARKERS = {"e2e", "worker"}
SLOW_MODULES = {"test_faults", "test_cluster", "test_run_desk", "test_api_schemathesis", "test_celery_worker"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if SLOW_MARKERS & {m.name for m in item.iter_markers()} or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's default language, whatever a previous test activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
