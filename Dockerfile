# One image for web, worker and beat; the command chooses the role (README, "Production").
# Production uses external PostgreSQL and Redis (DATABASE_URL, CELERY_BROKER_URL).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 10001 accord
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=accord:accord . /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=broker.settings \
    ACCORD_DATA_DIR=/tmp/accord \
    PORT=9292
# Static files are collected at build time; the build needs a throwaway key only.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
USER accord
EXPOSE 9292
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/diagnostic/status/heartbeat', timeout=4)"
ENTRYPOINT ["tini", "--"]
# web (default). Worker: celery -A broker worker --loglevel INFO
# Beat (exactly one): celery -A broker beat --scheduler django_celery_beat.schedulers:DatabaseScheduler
# Migrations (a release step): python manage.py migrate --noinput
CMD ["sh", "-c", "exec gunicorn broker.wsgi:application --config python:broker.gunicorn_conf --bind 0.0.0.0:${PORT}"]
