"""The production topology's settings, and a short form of ``make cluster-drill``.

Settings are read the way every process reads them: a fresh ``manage.py`` with the environment
a deployment sets. The libpq multi-host test connects for real: the first host is a socket
folder where no server listens, the second the test database's server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

SHOW = """
import json
from django.conf import settings
from django.db import connections
out = {alias: {k: v for k, v in db.items() if k in ('HOST', 'PORT', 'NAME', 'USER', 'OPTIONS')} for alias, db in settings.DATABASES.items()}
out['params'] = {k: str(v) for k, v in connections['default'].get_connection_params().items() if k in ('host', 'port', 'target_session_attrs')}
out['broker'] = settings.CELERY_BROKER_TRANSPORT_OPTIONS if hasattr(settings, 'CELERY_BROKER_TRANSPORT_OPTIONS') else None
out['cache'] = settings.CACHES['default']['BACKEND']
out['cache_config'] = {k: v for k, v in settings.CACHES['default'].items() if k != 'BACKEND'}
out['pages_on_the_same_server'] = settings.CACHES['pages'] == settings.CACHES['default']
out['broker_url'] = settings.CELERY_BROKER_URL
if %(connect)s:
    with connections['default'].cursor() as c:
        c.execute('SELECT pg_is_in_recovery()')
        out['recovery'] = c.fetchone()[0]
    out['connected_host'] = connections['default'].connection.info.host
print('SETTINGS ' + json.dumps(out))
"""


def settings_of(env: dict[str, str], *, connect: bool = False) -> dict:
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "REDIS_"))},
        "DESK_TESTING": "0",
        "DEBUG": "0",
        "SECRET_KEY": "s" * 50,
        **env,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW % {"connect": connect}],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("SETTINGS "))
    return json.loads(line[len("SETTINGS ") :])


def test_a_multi_host_database_url_reaches_libpq_as_host_and_port_lists():
    s = settings_of(
        {
            "DATABASE_URL": "postgres://desk:pw@db1.internal:5432,db2.internal:5433/desk?target_session_attrs=read-write",
            "DATABASE_REPLICA_URL": "postgres://desk:pw@db2.internal:5433,db1.internal:5432/desk?target_session_attrs=prefer-standby",
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
            "REDIS_CACHE_URL": "redis://127.0.0.1:1/1",
            "CELERY_VISIBILITY_TIMEOUT": "120",
        }
    )
    assert s["default"]["HOST"] == "db1.internal,db2.internal" and s["default"]["PORT"] == "5432,5433"
    assert s["default"]["OPTIONS"]["target_session_attrs"] == "read-write"  # beside the pool settings
    assert s["params"] == {
        "host": "db1.internal,db2.internal",
        "port": "5432,5433",
        "target_session_attrs": "read-write",
    }
    assert s["replica"]["HOST"] == "db2.internal,db1.internal"
    assert s["replica"]["OPTIONS"] == {"target_session_attrs": "prefer-standby"}
    assert s["broker"]["visibility_timeout"] == 120
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["pages_on_the_same_server"] is True


def test_redis_sentinels_give_the_broker_and_the_cache_the_primary_sentinel_names():
    s = settings_of(
        {
            "DATABASE_URL": "postgres://desk@db1.internal/desk",
            "REDIS_SENTINELS": "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26380",
            "REDIS_SENTINEL_MASTER": "deskredis",
            "CELERY_VISIBILITY_TIMEOUT": "120",
        }
    )
    assert s["broker_url"] == "sentinel://10.0.0.1:26379/0;sentinel://10.0.0.2:26379/0;sentinel://10.0.0.3:26380/0"
    assert s["broker"]["master_name"] == "deskredis" and s["broker"]["visibility_timeout"] == 120
    assert s["cache"] == "django_redis.cache.RedisCache"
    assert s["cache_config"]["LOCATION"] == ["redis://deskredis/1"]  # the primary only: invalidations read back
    options = s["cache_config"]["OPTIONS"]
    assert options["CLIENT_CLASS"] == "django_redis.client.SentinelClient"
    assert options["SENTINELS"] == [["10.0.0.1", 26379], ["10.0.0.2", 26379], ["10.0.0.3", 26380]]
    assert options["IGNORE_EXCEPTIONS"] is True  # the seconds without a primary are cache misses, not 500s
    assert s["pages_on_the_same_server"] is True


def test_without_a_replica_url_there_is_only_the_primary():
    s = settings_of({"DATABASE_URL": "postgres://desk@db1.internal/desk"})
    assert set(s) - {"params", "broker", "cache", "cache_config", "broker_url", "pages_on_the_same_server"} == {
        "default"
    }
    assert s["broker"] is None or "visibility_timeout" not in s["broker"]


def test_libpq_skips_a_dead_host_and_connects_to_the_writable_one(db):
    live = connection.settings_dict["HOST"]
    dead = tempfile.mkdtemp(prefix="no-postgres-")
    try:
        url = (
            f"postgres://{connection.settings_dict['USER']}@/{connection.settings_dict['NAME']}"
            f"?host={dead},{live}&target_session_attrs=read-write"
        )
        s = settings_of({"DATABASE_URL": url}, connect=True)
    finally:
        os.rmdir(dead)
    assert s["recovery"] is False
    assert s["connected_host"] == live


def _can_run_cluster() -> bool:
    from newsroom.core import embedded_db

    tools = ("redis-server", "redis-sentinel", "haproxy", "patroni", "etcd")
    if embedded_db._debian_bin_dir() is None or not all(shutil.which(tool) for tool in tools):
        return False
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("pgserver")
        except KeyError:
            return False
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.xdist_group("cluster")
@pytest.mark.skipif(
    not _can_run_cluster(),
    reason="needs PostgreSQL, redis-server, redis-sentinel, haproxy, patroni, etcd-server (make install as root)",
)
def test_short_cluster_drill_loses_nothing_when_a_web_node_a_worker_and_the_primary_are_killed():
    """About 2 min: the cluster starts, 30 s of load, web1, a worker mid-email and the primary's
    PostgreSQL SIGKILLed; Patroni promotes the replica by itself and the old primary rejoins."""
    # mode 700, as `mktemp -d` makes it: the cluster itself lets PostgreSQL's user through (as root).
    folder = Path(tempfile.mkdtemp(prefix="cluster-drill-"))
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "cluster_drill.py")],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
            env={**os.environ, "DRILL_SHORT": "1", "DRILL_SECONDS": "30", "CLUSTER_FSYNC": "off", "CLUSTER_DIR": str(folder / "cluster")},
        )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-3000:]
    last = out.strip().splitlines()[-1]
    assert last.startswith("CLUSTER DRILL: requests=")
    figures = dict(part.split("=") for part in last.split(": ", 1)[1].split())
    assert figures["lost_edits"] == "0" and figures["lost_emails"] == "0" and figures["duplicate_emails"] == "0"
    assert int(figures["requests"]) > 100
    assert "web1 SIGKILLed" in out and "SIGKILLed inside an email send" in out
    promotion = next(line for line in out.splitlines() if line.startswith("primary SIGKILLed"))
    assert "Patroni promoted pg2" in promotion and "streaming again as a replica" in promotion, promotion
    assert 0 < float(figures["failover_s"]) < 30


class LockProbeBackend:
    """An email backend that, in the middle of a send, writes a second notice for the same
    person from another connection (as a web node would) and notes whether it had to wait."""

    outcome: dict[str, object] = {}

    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: list) -> int:
        import threading

        from django.db import connections, transaction

        from translations.models import Notification

        user_id = Notification.objects.filter(key="probe:sending").values_list("user_id", flat=True).get()

        def other_node() -> None:
            try:
                with transaction.atomic():
                    connections["default"].cursor().execute("SET LOCAL lock_timeout = '2s'")
                    Notification.objects.create(user_id=user_id, kind="comment", key="probe:other", text="x")
                LockProbeBackend.outcome["other"] = "written"
            except Exception as exc:
                LockProbeBackend.outcome["other"] = repr(exc)
            finally:
                connections["default"].close()

        thread = threading.Thread(target=other_node)
        thread.start()
        thread.join(timeout=10)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_a_slow_email_send_does_not_hold_up_other_notices_for_the_same_person(settings):
    from tests.factories import UserFactory
    from translations.models import Notification
    from translations.people import notifications

    settings.EMAIL_BACKEND = "tests.test_cluster.LockProbeBackend"
    user = UserFactory(email="probe@desk.example")
    notice = Notification.objects.create(user=user, kind="comment", key="probe:sending", text="Probe")
    assert notifications.notifications_send(ids=[notice.pk]) == 1
    assert LockProbeBackend.outcome["other"] == "written"
    assert Notification.objects.filter(user=user, key="probe:other").exists()
