"""Settings start nothing, say nothing they were not told, and follow PORT on this machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'testing': s.TESTING, 'debug': s.DEBUG, 'site': s.SITE_URL, 'hosts': s.ALLOWED_HOSTS, "
    "'local': s.LOCAL_DESK, 'engine': s.DATABASES['default']['ENGINE']}))"
)


def _settings(tmp_path: Path, **extra: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    drop = {"DATABASE_URL", "DESK_TESTING", "DEBUG", "SECRET_KEY", "SITE_URL", "PORT", "ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST_")}
    env.update(DJANGO_SETTINGS_MODULE="newsroom.settings", DESK_DATA_DIR=str(tmp_path / "data"), **extra)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result


def test_loading_settings_starts_no_database_and_makes_no_folders(tmp_path):
    s, _ = _settings(tmp_path, DESK_TESTING="1")
    assert s["testing"] is True and s["local"] is True
    assert s["engine"] == "newsroom.core.embedded_postgresql"
    assert not (tmp_path / "data").exists()  # no postgres/, broker/, cache/ or secret


def test_testing_and_debug_are_never_guessed(tmp_path):
    s, _ = _settings(tmp_path)
    assert s["testing"] is False and s["debug"] is False


def test_a_local_desk_follows_port_and_keeps_one_generated_secret(tmp_path):
    s, first = _settings(tmp_path, PORT="8123")
    assert s["site"] == "http://127.0.0.1:8123"
    assert s["hosts"] == ["127.0.0.1", "localhost"]
    secret = (tmp_path / "data" / "secret_key").read_text()
    assert len(secret) >= 50 and oct((tmp_path / "data" / "secret_key").stat().st_mode)[-3:] == "600"
    _settings(tmp_path)
    assert (tmp_path / "data" / "secret_key").read_text() == secret


def test_an_unreadable_secret_is_replaced_with_one_line(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_bytes(b"")
    _s, result = _settings(tmp_path)
    assert "Replaced an unreadable development secret key" in result.stderr
    assert len((tmp_path / "data" / "secret_key").read_text()) >= 50
