"""Publishing languages: the schema never depends on which ones a desk turns on,
and asking for one the desk cannot publish in stops the start-up with a sentence."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
EXTRA = [code for code in settings.SUPPORTED_PUBLISHING_LANGUAGES if code != settings.LANGUAGE_CODE]


def _run(args: list[str], extra_languages: str = "", timeout: int = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    # Never connected to: makemigrations only warns that it could not read the applied history.
    env.update(DESK_TESTING="1", DATABASE_URL="postgres://x@127.0.0.1:1/x", EXTRA_PUBLISHING_LANGUAGES=extra_languages)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-W", "ignore", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_supported_languages_are_the_documented_six():
    assert list(settings.SUPPORTED_PUBLISHING_LANGUAGES) == ["en", "de", "pl", "uk", "fr", "lt"]


def test_test_settings_publish_in_a_second_language():
    assert settings.PUBLISHING_LANGUAGES == ["en", "de"]
    assert [code for code, _name in settings.LANGUAGES] == ["en", "de"]


def test_schema_is_the_same_for_every_combination_of_publishing_languages():
    combinations = [",".join(combo) for size in range(len(EXTRA) + 1) for combo in itertools.combinations(EXTRA, size)]
    assert len(combinations) == 2 ** len(EXTRA) == 32
    # ~0.3 s of CPU per combination; generous for a machine loaded by parallel test runs.
    result = _run(["-m", "tests.schema_per_languages", *combinations], timeout=900)
    statuses = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines() if line.strip())
    assert statuses == {extra or "-": "0" for extra in combinations}, result.stdout + result.stderr
    assert result.returncode == 0


def test_an_unsupported_language_is_a_clear_start_up_error():
    result = _run(["manage.py", "check"], "de,xx")
    assert result.returncode != 0
    assert "ImproperlyConfigured: EXTRA_PUBLISHING_LANGUAGES asks for 'xx', which the desk cannot publish in." in (
        result.stderr
    )
    assert "Supported: de, pl, uk, fr, lt (English is always on)." in result.stderr


def test_every_supported_language_has_its_live_and_search_columns():
    from newsroom.models import Article

    columns = {f.column for f in Article._meta.get_fields() if hasattr(f, "column")}
    for code in settings.SUPPORTED_PUBLISHING_LANGUAGES:
        for name in ("title", "lead", "body", "slug", "published_at", "seo_description", "search"):
            assert f"{name}_{code}" in columns


def test_every_supported_language_has_the_site_words_compiled():
    from django.utils import translation

    words = ["Related stories", "Skip to content", "Translated and published here", "The text was translated by"]
    for code in EXTRA:
        assert (ROOT / "locale" / code / "LC_MESSAGES" / "django.po").exists()
        with translation.override(code):
            translated = [translation.gettext(w) for w in words]
        assert all(t and t != w for t, w in zip(translated, words, strict=True)), (code, translated)
