# The desk's one image: the web (gunicorn), the Celery worker and Celery beat all run it.
# Build: docker build -t translation-desk .   Topology and settings: docs/DEPLOYMENT.md, compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# postgresql-client: pg_dump/pg_restore for `manage.py backup_db` / `restore_db` (match the server's major version).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-prod.txt ./
# requirements-prod.txt adds redis (broker and shared page cache) and django-storages[s3] (media).
RUN pip install -r requirements-prod.txt

COPY . .

# Hashed static files are built into the image (whitenoise serves them). The key and the
# database URL are dummies: collectstatic touches neither, and no embedded database starts.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build@localhost/build DESK_TESTING=0 \
        STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin desk \
    && mkdir -p /app/.data/media \
    && chown -R desk:desk /app/.data

ENV STATIC_ROOT=/app/staticfiles
USER desk
EXPOSE 8000

# Workers: about 2 per core. --no-control-socket: gunicorn 27's control socket path is fixed.
# The load balancer checks GET /healthz (200 when the writable primary answers; see compose.yaml).
CMD ["gunicorn", "newsroom.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--no-control-socket", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*", "--timeout", "30", "--graceful-timeout", "30"]
