from django.conf import settings
from django.db import connection


def test_tests_run_on_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == ("pg_trgm",)
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
