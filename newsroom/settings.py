"""Settings for the translation desk: one module, read from the environment.

Importing this module starts nothing and creates no folder. The defaults are safe (``DEBUG``
off). Without ``DATABASE_URL`` the checkout is a desk on this machine (``LOCAL_DESK``): the
database engine starts an embedded PostgreSQL on first use (see ``newsroom/core/embedded_db.py``),
the secret key is generated once under ``.data/``, it answers on 127.0.0.1/localhost over
plain HTTP. Without ``CELERY_BROKER_URL`` Celery uses a filesystem broker under ``.data/``.
``DEBUG`` and ``DESK_TESTING`` are explicit: the test run sets ``DESK_TESTING=1``
(``tests/desk_env.py``), ``make dev`` sets ``DEBUG=1``.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
DATA_DIR = Path(env.str("DESK_DATA_DIR", default="") or BASE_DIR / ".data").absolute()

# The test run sets DESK_TESTING=1: a throwaway secret, tasks run inline, fast password hashing.
TESTING = env.bool("DESK_TESTING", default=False)
DEBUG = env.bool("DEBUG", default=False)
# No DATABASE_URL: the embedded database, so this checkout is a desk on this machine.
LOCAL_DESK = not env.str("DATABASE_URL", default="")

if env.str("SECRET_KEY", default=""):
    SECRET_KEY = env.str("SECRET_KEY")
elif TESTING:
    SECRET_KEY = "test-insecure-" + secrets.token_urlsafe(32)
elif DEBUG or LOCAL_DESK:
    from newsroom.core.state_files import dev_secret

    # Generated once, written atomically, kept under .data/ (sessions survive restarts).
    SECRET_KEY = dev_secret(DATA_DIR)
else:
    raise RuntimeError("Set SECRET_KEY in the environment (or DEBUG=1 for development).")

PORT = env.int("PORT", default=8000)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG or LOCAL_DESK else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails and feeds; on this machine they follow PORT.
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "template_partials",
    "ninja",  # the API reference's templates and static files (Swagger UI), served by us
    "reversion",
    "axes",
    # Second factors (newsroom/core/factors.py): one-time codes, recovery codes, passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "newsroom",
    "translations",
    "newsroom.distribution",  # after newsroom: its receiver runs after the site's rendering
]

MIDDLEWARE = [
    # A warm site page, before everything else: its stored headers are the whole stack's final ones.
    "newsroom.site.cache.SitePageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.core.db_unavailable.DatabaseUnavailableMiddleware",  # no primary: GETs from the replica, else 503
    "newsroom.core.cache_control.CacheControlMiddleware",  # desk pages private; a cookie never public
    "csp.middleware.CSPMiddleware",
    "newsroom.site.api_http.ApiMiddleware",  # /api/ only: before sessions and CSRF, which it never needs
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "newsroom.core.audit.AuditMiddleware",
    "newsroom.core.factors.SecondFactorMiddleware",  # enrolment by role, recent verification, session last use
    "newsroom.core.db_routing.ReplicaStickyMiddleware",
    "newsroom.error_pages.MethodNotAllowedMiddleware",
]
CSRF_FAILURE_VIEW = "newsroom.error_pages.csrf_failure"

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "translations.desk.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
if not LOCAL_DESK:
    # Several hosts are libpq multi-host (postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write):
    # HOST "h1,h2" and PORT "5432,5432" reach libpq as they are, which connects to whichever
    # accepts writes, so after a replica is promoted every process reconnects to it by itself.
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from newsroom.core import embedded_db

    # The engine starts the embedded server on the first connection; the socket directory is the host.
    DATABASES = {
        "default": {
            "ENGINE": "newsroom.core.embedded_postgresql",
            "NAME": "newsroom",
            "USER": embedded_db.SUPERUSER,
            "HOST": str(embedded_db.socket_dir()),
        }
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.bool("DB_POOL", default=not TESTING):
    # A bounded pool per process (psycopg_pool): a burst of requests waits for a connection
    # instead of exhausting PostgreSQL's max_connections. run_desk sizes DB_POOL_MAX_SIZE
    # from max_connections and the number of processes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DB_POOL_MAX_SIZE", default=4),
        "timeout": env.float("DB_POOL_TIMEOUT", default=20.0),
        # After a database restart, keep retrying every few seconds instead of backing off for
        # minutes: psycopg_pool doubles its delay until reconnect_timeout, then the next request
        # starts a fresh attempt. (Django checks each connection before use: CONN_HEALTH_CHECKS.)
        "reconnect_timeout": env.float("DB_POOL_RECONNECT_TIMEOUT", default=8.0),
    }
else:
    # A new PostgreSQL backend per request costs more than a simple page: keep connections.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_DATABASE_NAME", default="test_newsroom")
# A streaming replica for reads that tolerate lag (newsroom/core/db_routing.py); never migrated.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["newsroom.core.db_routing.ReplicaRouter"]
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "django_otp_webauthn.backends.WebAuthnBackend",  # a passkey may replace the password at login
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:landing"
LOGOUT_REDIRECT_URL = "site:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # A short local list of passwords seen in breaches aimed at newsrooms and activists.
    {"NAME": "newsroom.core.passwords.BreachedPasswordValidator"},
]
if TESTING:
    # Hashing strength is not under test; PBKDF2 would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# --- Second factors (newsroom/core/factors.py) ---
# Reviewers and editors cannot use the desk, and nobody the admin, until they have enrolled a
# passkey or an authenticator app and verified it in this session. On by default; off in the
# test settings (tests switch it on) and in `make run`'s demo, which then shows a banner.
DESK_REQUIRE_SECOND_FACTOR = env.bool("DESK_REQUIRE_SECOND_FACTOR", default=not TESTING)
# Publishing, unpublishing, role and credit changes, deleting a person ask for the factor again
# when it was last verified longer ago than this.
# The banner saying factors are off (`make run` sets it; tests leave it out).
DESK_SECOND_FACTOR_BANNER = env.bool("DESK_SECOND_FACTOR_BANNER", default=not TESTING)
DESK_FACTOR_RECHECK_MINUTES = env.int("DESK_FACTOR_RECHECK_MINUTES", default=15)
OTP_TOTP_ISSUER = env.str("DESK_SITE_NAME", default="Belarus in English") + " desk"
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
# The passkeys' relying party is the host the desk answers on (already checked by ALLOWED_HOSTS)
# and its own origin, unless these name them (a desk on several names).
OTP_WEBAUTHN_RP_ID = env.str("OTP_WEBAUTHN_RP_ID", default="")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("OTP_WEBAUTHN_ALLOWED_ORIGINS", default=[])
OTP_WEBAUTHN_HELPER_CLASS = "newsroom.core.factors.DeskWebAuthnHelper"
# The library's checks want both settings; the helper above derives them from the request instead.
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E010", "otp_webauthn.E030"]
# Password reset e-mails a person or an address may ask for per hour (newsroom/core/passwords.py).
DESK_PASSWORD_RESET_PER_HOUR = env.int("DESK_PASSWORD_RESET_PER_HOUR", default=5)
# Clipped to axes' 255-character column, control characters dropped (translations/people/accounts.py).
AXES_USERNAME_CALLABLE = "translations.people.accounts.login_attempt_username"

# --- Languages ------------------------------------------------------------------------
# Every language the desk *can* publish in. Each has its live columns (django-modeltranslation)
# and its search column in the shipped migrations, Django's own locale, and a .po file of the
# site's words under locale/. English is always on (the desk's working language, the site at
# /); EXTRA_PUBLISHING_LANGUAGES turns others on (a setting and a restart, no schema change).
SUPPORTED_PUBLISHING_LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "pl": "Polski",
    "uk": "Українська",
    "fr": "Français",
    "lt": "Lietuvių",
}
LANGUAGE_CODE = "en"
# The test settings run with German on, so the suite covers a second publishing language.
_extra_languages = env.list("EXTRA_PUBLISHING_LANGUAGES", default=["de"] if TESTING else [])
_unsupported = sorted({code.strip() for code in _extra_languages} - set(SUPPORTED_PUBLISHING_LANGUAGES))
if _unsupported:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"EXTRA_PUBLISHING_LANGUAGES asks for {', '.join(map(repr, _unsupported))}, which the desk cannot publish in."
        f" Supported: {', '.join(code for code in SUPPORTED_PUBLISHING_LANGUAGES if code != LANGUAGE_CODE)}"
        " (English is always on)."
    )
# Enabled publishing languages, in the supported order (the language switcher's order).
LANGUAGES = [
    (code, name)
    for code, name in SUPPORTED_PUBLISHING_LANGUAGES.items()
    if code == LANGUAGE_CODE or code in {c.strip() for c in _extra_languages}
]
PUBLISHING_LANGUAGES = [code for code, _name in LANGUAGES]
# Columns exist for every supported language, whatever is enabled: the schema never depends
# on the setting (tests/test_languages.py runs makemigrations --check for every combination).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(SUPPORTED_PUBLISHING_LANGUAGES)
MODELTRANSLATION_FALLBACK_LANGUAGES: tuple[str, ...] = ()
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as the site always wrote them ("27 November 2026"); other languages use Django's.
FORMAT_MODULE_PATH = ["newsroom.formats"]
# Source languages an outlet may write in.
SOURCE_LANGUAGES = [("ru", "Russian"), ("be", "Belarusian"), ("uk", "Ukrainian"), ("pl", "Polish"), ("en", "English")]
USE_I18N = True
TIME_ZONE = env.str("DESK_TIME_ZONE", default="Europe/Minsk")
USE_TZ = True

# --- Static ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "newsroom" / "static"]
# Files served at the site's root by whitenoise (/favicon.ico).
WHITENOISE_ROOT = BASE_DIR / "newsroom" / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Development and tests serve static files straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(DATA_DIR / "media"))
MEDIA_URL = "/media/"

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="desk@translation-desk.example")

# --- Celery ---------------------------------------------------------------------------
# Redis behind Sentinel (high availability): REDIS_SENTINELS="h1:26379,h2:26379,h3:26379" and the
# monitored primary's name REDIS_SENTINEL_MASTER. The broker (db 0) and the cache (db 1) then ask
# the sentinels where the primary is, so a failover needs no restart and no change of settings.
REDIS_SENTINELS = [
    (host, int(port)) for host, _, port in (hp.rpartition(":") for hp in env.list("REDIS_SENTINELS", default=[]))
]
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="desk")
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    default=";".join(f"sentinel://{host}:{port}/0" for host, port in REDIS_SENTINELS) or "filesystem://",
)
if CELERY_BROKER_URL == "filesystem://":
    # newsroom/celery.py makes these folders when a process first publishes or consumes.
    _broker_dir = Path(env.str("CELERY_BROKER_DIR", default=str(DATA_DIR / "broker")))
    # kombu's filesystem transport with atomic writes: no worker ever reads a half-written message.
    CELERY_BROKER_TRANSPORT = "newsroom.core.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://", "sentinel://")):
    # Redis hands a task whose worker died (acks_late: never acknowledged) to another worker
    # once it is this many seconds old (kombu's default: an hour; no task may run longer), found
    # by a sweep every 10 s (kombu's default is every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    if CELERY_BROKER_URL.startswith("sentinel://"):  # kombu's Sentinel transport finds the primary
        CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = REDIS_SENTINEL_MASTER
        CELERY_BROKER_TRANSPORT_OPTIONS["sentinel_kwargs"] = {"socket_timeout": 1}
# Partners' webhooks (newsroom/distribution): paused after this many failed attempts in a row.
WEBHOOK_PAUSE_AFTER = env.int("WEBHOOK_PAUSE_AFTER", default=5)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=8)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed pool process hands its task back (tasks are idempotent)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "feeds-poll-due": {"task": "newsroom.tasks.feeds_poll_due", "schedule": 60.0},
    "translations-publish-scheduled": {"task": "translations.tasks.translations_publish_due", "schedule": 30.0},
    "notifications-send-pending": {"task": "translations.tasks.notifications_send_pending", "schedule": 60.0},
    "claims-expire": {"task": "translations.tasks.claims_expire", "schedule": 3600.0},
    # Readers' digests: daily ones each morning, weekly ones on Mondays (newsroom/distribution).
    "newsletters-send-due": {
        "task": "newsroom.distribution.tasks.newsletters_send_due",
        "schedule": crontab(hour=6, minute=0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE", default=str(DATA_DIR / "celerybeat-schedule"))

# --- Desk rules -----------------------------------------------------------------------
# The importer may fetch from 127.0.0.0/8 and ::1 (tests and local use only).
DESK_IMPORT_ALLOW_LOOPBACK = env.str("DESK_IMPORT_ALLOW_LOOPBACK", default="") == "1"
# Seconds a public page stays in the page cache; 0 turns the page cache off (benchmarks).
SITE_CACHE_SECONDS = env.int("SITE_CACHE_SECONDS", default=600)
# Edge caches (Varnish with xkey, deploy/varnish/desk.vcl) told to forget what a change touches:
# each URL gets a PURGE with the keys after the change commits (newsroom/site/edge.py). Empty: none.
EDGE_PURGE_URLS = env.list("EDGE_PURGE_URLS", default=[])
EDGE_PURGE_TIMEOUT = env.float("EDGE_PURGE_TIMEOUT", default=1.0)
# Warm pages each web process also keeps in its memory, as sent (newsroom.site.cache.HotPages).
SITE_HOT_BYTES = env.int("SITE_HOT_BYTES", default=32 * 1024 * 1024)
DESK_CLAIM_EXPIRY_DAYS = env.int("DESK_CLAIM_EXPIRY_DAYS", default=7)
DESK_CLAIM_REMINDER_DAYS = env.int("DESK_CLAIM_REMINDER_DAYS", default=5)
DESK_INVITATION_DAYS = env.int("DESK_INVITATION_DAYS", default=7)
DESK_SITE_NAME = env.str("DESK_SITE_NAME", default="Belarus in English")

# --- Machine drafts: off unless a provider is named --------------------------
# "" (off), "deepl" (official client; DESK_MT_DEEPL_KEY, optional DESK_MT_URL for its server)
# or "libretranslate" (DESK_MT_URL of the server, optional DESK_MT_KEY).
DESK_MT_PROVIDER = env.str("DESK_MT_PROVIDER", default="")
DESK_MT_DEEPL_KEY = env.str("DESK_MT_DEEPL_KEY", default="")
DESK_MT_URL = env.str("DESK_MT_URL", default="")
DESK_MT_KEY = env.str("DESK_MT_KEY", default="")
DESK_MT_TIMEOUT = env.float("DESK_MT_TIMEOUT", default=20.0)
DESK_MT_MAX_CHARS = env.int("DESK_MT_MAX_CHARS", default=50_000)  # sent per request
DESK_MT_MAX_RESPONSE_BYTES = env.int("DESK_MT_MAX_RESPONSE_BYTES", default=2_000_000)
# Readers are told when at least DESK_MT_CREDIT_THRESHOLD of the published words came from a
# machine draft unchanged (newsroom/machine_assist.py); the words are a setting.
DESK_MT_CREDIT = env.bool("DESK_MT_CREDIT", default=True)
DESK_MT_CREDIT_TEXT = env.str("DESK_MT_CREDIT_TEXT", default="with machine assistance")
DESK_MT_CREDIT_THRESHOLD = env.float("DESK_MT_CREDIT_THRESHOLD", default=0.2)
# A paragraph not in the target language blocks submission (translations/assist/language.py).
DESK_LANGUAGE_CHECK = env.bool("DESK_LANGUAGE_CHECK", default=True)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env.bool("DESK_HTTPS", default=not DEBUG and not TESTING and not LOCAL_DESK):
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer checks over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Pictures are stored and served by us (newsroom/sources/images.py): no outlet is hotlinked.
        "img-src": [SELF],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Two caches, shared by every web process so that publishing invalidates them everywhere
# (newsroom/core/caching.py): ``default`` holds the versions, the rate counters and who is editing
# what; ``pages`` what readers' pages are made of, which readers' addresses fill. Each a folder of
# files under .data/ by default (CACHE_DIR; culled oldest first past CACHE_MAX_ENTRIES), both on
# one Redis in production.
_REDIS_CACHE: dict[str, Any] | None = None
if env.str("REDIS_CACHE_URL", default=""):
    _REDIS_CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.str("REDIS_CACHE_URL")}
elif REDIS_SENTINELS:
    # django-redis's SentinelClient: the primary only (a list of one), so an invalidation is read back
    # at once; a failover is found on the next command. For the seconds with no primary every cache
    # call is a miss (IGNORE_EXCEPTIONS, each logged): pages render from the database, presence and
    # counts are recomputed, instead of a 500 (the drill saw 25 before this).
    _REDIS_CACHE = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": [f"redis://{REDIS_SENTINEL_MASTER}/1"],
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.SentinelClient",
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": REDIS_SENTINELS,
            "SENTINEL_KWARGS": {"socket_timeout": 1},
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            "IGNORE_EXCEPTIONS": True,
        },
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if _REDIS_CACHE is not None:
    CACHES = {"default": _REDIS_CACHE, "pages": _REDIS_CACHE}  # one server, which drops what expires on time
else:
    _CACHE_DIR = Path(env.str("CACHE_DIR", default=str(DATA_DIR / "cache")))
    _CACHE_OPTIONS = {"MAX_ENTRIES": env.int("CACHE_MAX_ENTRIES", default=10_000)}
    CACHES = {
        alias: {"BACKEND": "newsroom.core.caching.FileCache", "LOCATION": str(folder), "OPTIONS": _CACHE_OPTIONS}
        for alias, folder in (("default", _CACHE_DIR), ("pages", _CACHE_DIR / "pages"))
    }

# --- Read API (/api/v1/) ------------------------------------------------------------
# Requests per client (REMOTE_ADDR, see TRUSTED_PROXIES) per window; 0 turns the limit off (the tests' default).
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=0 if TESTING else 300)
API_RATE_WINDOW = env.int("API_RATE_WINDOW", default=60)
# Addresses (or networks) of the proxies in front of the web processes. A request from one of
# them is counted against the right-most X-Forwarded-For address that is not one of them; from
# anyone else X-Forwarded-For is ignored. Empty: every client is its REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Refusals (4xx, a bad Host) are one line with their reason; 5xx keep the traceback.
    "filters": {"refusals_on_one_line": {"()": "newsroom.core.logs.RefusalsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals_on_one_line"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes.apps logs a start-up banner to stderr in every process; commands promise one line there.
    "loggers": {"pgserver": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}
