"""The production settings pass ``manage.py check --deploy`` and set every security header."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "desk.example",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example",
    # A URL that is never connected to: no embedded PostgreSQL starts for a check.
    "DATABASE_URL": "postgres://x@localhost/x",
    "CELERY_BROKER_URL": "redis://localhost:6379/0",
}


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DESK_HTTPS", "DESK_TESTING", "EMAIL_BACKEND"}}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update(PRODUCTION_ENV)
    env["DESK_TESTING"] = "0"
    return env


def _run(code: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *code], cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=60
    )


def test_check_deploy_reports_no_warnings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "?: (security" not in output, output
    assert "no issues" in output


def test_production_settings_are_secure():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "csp = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(json.dumps({'debug': s.DEBUG, 'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE, "
        "'httponly': s.SESSION_COOKIE_HTTPONLY, 'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "'ssl': s.SECURE_SSL_REDIRECT, 'proxy': list(s.SECURE_PROXY_SSL_HEADER or []), "
        "'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF, 'referrer': s.SECURE_REFERRER_POLICY, "
        "'xfo': s.X_FRAME_OPTIONS, 'ancestors': [str(v) for v in csp.get('frame-ancestors', [])], "
        "'mw': s.MIDDLEWARE, 'hasher': s.PASSWORD_HASHERS[0]}))"
    )
    result = _run(["-c", script])
    assert result.returncode == 0, result.stderr
    import json

    s = json.loads(result.stdout.strip().splitlines()[-1])
    assert s["debug"] is False
    assert s["session"] and s["csrf"] and s["httponly"]
    assert s["hsts"] >= 31536000 and s["sub"]
    assert s["ssl"] and s["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["nosniff"] and s["referrer"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert s["xfo"] == "DENY" and s["ancestors"] == ["'none'"]
    assert "django.middleware.clickjacking.XFrameOptionsMiddleware" in s["mw"]
    assert "csp.middleware.CSPMiddleware" in s["mw"]
    assert "MD5" not in s["hasher"]  # the fast test hasher never reaches production


def test_server_refuses_to_start_without_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
