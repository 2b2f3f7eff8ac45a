"""Accord's one settings module: everything comes from the environment.

There is no production.py: production differs only in environment variables (README,
"Configuration"). With no DATABASE_URL / CELERY_BROKER_URL set, Accord uses the embedded
PostgreSQL and Redis that `broker.runtime` starts under ACCORD_DATA_DIR.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab

from broker import runtime
from broker.env import (
    ConfigError,
    base_urls,
    database_from_url,
    env_bool,
    env_cron,
    env_float,
    env_int,
    env_json,
    env_list,
    env_networks,
    env_str,
)
from contracts.keep_selectors import DEFAULT_KEEP_SELECTORS, keep_selectors_parse  # pure: no Django imports

BASE_DIR = Path(__file__).resolve().parent.parent
ACCORD_VERSION = "0.1.0"
# Clients read this header; we speak the Pact Broker API of this version.
PACT_BROKER_API_VERSION = "2.120.0"

DEBUG = env_bool("DEBUG", "ACCORD_DEBUG")


def _secret_key() -> str:
    configured = env_str("SECRET_KEY", "ACCORD_SECRET_KEY")
    if configured:
        return configured
    # The embedded default keeps a generated key beside its data, so `make run` needs no setup.
    path = runtime.data_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Keys for secrets at rest (contracts/models/secrets.py): Fernet keys, the first encrypts,
# all decrypt (rotation). Unset: one key derived from SECRET_KEY.
ACCORD_SECRETS_KEYS = env_list("ACCORD_SECRETS_KEYS")

# Public base URL(s) used in every link; unset means links follow the request's Host.
ACCORD_BASE_URLS = base_urls("ACCORD_BASE_URL", "PACT_BROKER_BASE_URL", "PACT_BROKER_BASE_URLS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "ACCORD_ALLOWED_HOSTS", default=("localhost", "127.0.0.1", "[::1]"))
for _url in ACCORD_BASE_URLS:
    _host = urlsplit(_url).hostname
    if _host and _host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_host)
USE_X_FORWARDED_HOST = env_bool("ACCORD_USE_X_FORWARDED_HOST", default=False)
# Proxies (IPs or CIDRs) whose X-Forwarded-For names the client (broker/request_context.py);
# none by default: X-Forwarded-For is then never believed.
ACCORD_TRUSTED_PROXIES = env_networks("ACCORD_TRUSTED_PROXIES")
if env_bool("ACCORD_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS: sent only on https requests (Django's SecurityMiddleware), so plain-http installs
# are unaffected; 0 turns it off.
SECURE_HSTS_SECONDS = env_int("ACCORD_HSTS_SECONDS", default=365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ACCORD_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",  # the web UI's sign-in (broker.signin)
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "contracts",
    "verifier",
    "webhooks",
    "drift",
    "access",  # tokens, accounts, teams and the permission check (README, "Access control")
    "audit",
    "django_htmx",
    "ui",
]

MIDDLEWARE = [
    "broker.middleware.RawPathMiddleware",
    "broker.request_context.RequestContextMiddleware",  # request id and client address (the audit log's)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "broker.middleware.BrokerHeadersMiddleware",
    "broker.middleware.SecurityHeadersMiddleware",
    "broker.auth.SessionMiddleware",  # read only when a request carries the cookie (broker.auth)
    "broker.auth.BasicAuthMiddleware",
    "broker.middleware.HtmxMiddleware",  # request.htmx: the UI answers partials to htmx
    "broker.middleware.DependencyOutageMiddleware",  # innermost: sees every view's exception
]

if env_bool("ACCORD_QUERY_COUNT_HEADER", default=False):
    MIDDLEWARE.insert(1, "broker.middleware.QueryCountMiddleware")

ROOT_URLCONF = "broker.urls"
WSGI_APPLICATION = "broker.wsgi.application"
APPEND_SLASH = False  # clients do not follow redirects on PUT/POST

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": ["django.template.context_processors.request", "ui.context.ui"],
        },
    }
]

_database_url = env_str("DATABASE_URL", "PACT_BROKER_DATABASE_URL")
if _database_url:
    _db = database_from_url(_database_url, variable="DATABASE_URL")
else:
    _db = runtime.embedded_database_settings()
_db_options = dict(_db.get("OPTIONS") or {})  # type: ignore[call-overload]
# What sits between Accord and PostgreSQL (README, "Behind PgBouncer"): nothing (unset), a
# pooler in session mode (`session`: as nothing), or one in transaction mode (`transaction`:
# PgBouncer's pool_mode=transaction), where consecutive transactions of one connection may
# run on different server sessions, so Accord keeps no state in a session.
ACCORD_DB_POOLER = (env_str("ACCORD_DB_POOLER", default="") or "").strip().lower()
if ACCORD_DB_POOLER not in {"", "none", "session", "transaction"}:
    raise ConfigError(f"ACCORD_DB_POOLER must be transaction, session or none, got {ACCORD_DB_POOLER!r}")
_transaction_pooling = ACCORD_DB_POOLER == "transaction"
# A runaway query is cut off rather than holding a connection (the Pact Broker uses 15 s too).
# Sent as a startup parameter, which PgBouncer refuses (or, told to ignore it, drops): behind
# a transaction pooler the server sets it instead (ALTER ROLE ... SET statement_timeout, or
# PgBouncer's connect_query).
_statement_timeout = env_int("ACCORD_DB_STATEMENT_TIMEOUT_MS", default=15000, minimum=0)
if _transaction_pooling:
    _db_options.pop("options", None)
    # A prepared statement lives in one server session (PgBouncer before 1.21 does not track
    # them); Django's default already is None, this also overrides a DATABASE_URL's query.
    _db_options["prepare_threshold"] = None
    _db_options.pop("server_side_binding", None)
else:
    _db_options.setdefault("options", f"-c statement_timeout={_statement_timeout}")
# The hand-written reads of the hot paths (contracts/reading.py) run as prepared statements
# with generic plans: planned once per connection instead of on every request, which was
# more than half of what a can-i-deploy cost the database. The ORM binds its values
# client-side and never prepares, so the plan cache mode concerns those statements only.
# Off behind a transaction pooler (a prepared statement lives in one server session), or
# with ACCORD_DB_PREPARED_READS=false.
ACCORD_DB_PREPARED_READS = not _transaction_pooling and env_bool("ACCORD_DB_PREPARED_READS", default=True)
if ACCORD_DB_PREPARED_READS:
    # psycopg prepares nothing while the threshold is None, even when asked to; a
    # client-side-binding cursor (the ORM's) never prepares, whatever the threshold.
    _db_options["prepare_threshold"] = _db_options.get("prepare_threshold") or 5
    # Only while the ORM binds client-side: with `server_side_binding` its statements are
    # prepared too, and forcing generic plans on them gave plans hundreds of times slower.
    if "plan_cache_mode" not in _db_options.get("options", "") and not _db_options.get("server_side_binding"):
        _db_options["options"] = f"{_db_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
_db_options.setdefault("connect_timeout", env_int("ACCORD_DB_CONNECT_TIMEOUT", default=5, minimum=1))
_db.update(
    OPTIONS=_db_options,
    CONN_MAX_AGE=env_int("ACCORD_DB_CONN_MAX_AGE", default=60, minimum=0),
    CONN_HEALTH_CHECKS=True,
    ATOMIC_REQUESTS=False,
    # A server-side cursor (QuerySet.iterator()) outside a transaction is WITH HOLD: it lives
    # in the session, and the next fetch may reach another one.
    DISABLE_SERVER_SIDE_CURSORS=_transaction_pooling,
)
# Lets a separate process (a worker or server started by the tests) use the test database.
if env_str("ACCORD_DATABASE_NAME"):
    _db["NAME"] = env_str("ACCORD_DATABASE_NAME")
DATABASES = {"default": _db}

# Read replicas (README, "Read replicas"): streaming standbys of the primary that answer the
# read-only endpoints (broker/replicas.py). Several allowed, separated by commas; each gets the
# primary's connection settings. In tests a replica mirrors `default`.
ACCORD_DATABASE_REPLICAS: list[str] = []
for _number, _replica_url in enumerate(env_list("DATABASE_REPLICA_URL", "PACT_BROKER_DATABASE_REPLICA_URL"), 1):
    _replica = database_from_url(_replica_url, variable="DATABASE_REPLICA_URL")
    _replica.update(
        OPTIONS={**_db_options, **dict(_replica.get("OPTIONS") or {})},  # type: ignore[dict-item]
        CONN_MAX_AGE=_db["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        ATOMIC_REQUESTS=False,
        TEST={"MIRROR": "default"},
    )
    DATABASES[f"replica_{_number}"] = _replica
    ACCORD_DATABASE_REPLICAS.append(f"replica_{_number}")
# A replica (or Redis) that failed is not tried again, nor logged again, for this long.
ACCORD_DB_REPLICA_RETRY_SECONDS = env_int("ACCORD_DB_REPLICA_RETRY_SECONDS", default=30, minimum=1)
ACCORD_DB_REPLICA_REDIS_TIMEOUT = env_float("ACCORD_DB_REPLICA_REDIS_TIMEOUT", default=0.5)
if ACCORD_DATABASE_REPLICAS:
    INSTALLED_APPS.append("broker.apps.ReplicasConfig")
    DATABASE_ROUTERS = ["broker.replicas.ReplicaRouter"]
    # After authentication: token and session look-ups (and their writes) stay on the primary.
    MIDDLEWARE.insert(MIDDLEWARE.index("broker.auth.BasicAuthMiddleware") + 1, "broker.replicas.ReadReplicaMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Request bodies: publish accepts contracts up to 10 MB; other endpoints are capped lower
# in broker.middleware.BodySizeLimit. Django's own cap must sit above the largest.
ACCORD_PUBLISH_MAX_BYTES = env_int("ACCORD_PUBLISH_MAX_BYTES", default=10 * 1024 * 1024, minimum=1024)
ACCORD_BODY_MAX_BYTES = env_int("ACCORD_BODY_MAX_BYTES", default=1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ACCORD_PUBLISH_MAX_BYTES * 2
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Authentication, with the Pact Broker's variable names (README, "Authentication").
ACCORD_BASIC_AUTH_USERNAME = env_str("PACT_BROKER_BASIC_AUTH_USERNAME", "ACCORD_BASIC_AUTH_USERNAME")
ACCORD_BASIC_AUTH_PASSWORD = env_str("PACT_BROKER_BASIC_AUTH_PASSWORD", "ACCORD_BASIC_AUTH_PASSWORD")
ACCORD_BASIC_AUTH_READ_ONLY_USERNAME = env_str(
    "PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME", "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME"
)
ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = env_str(
    "PACT_BROKER_BASIC_AUTH_READ_ONLY_PASSWORD", "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD"
)
if bool(ACCORD_BASIC_AUTH_USERNAME) != bool(ACCORD_BASIC_AUTH_PASSWORD):
    raise ConfigError("PACT_BROKER_BASIC_AUTH_USERNAME and PACT_BROKER_BASIC_AUTH_PASSWORD must be set together")
if bool(ACCORD_BASIC_AUTH_READ_ONLY_USERNAME) != bool(ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD):
    raise ConfigError(
        "PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME and PACT_BROKER_BASIC_AUTH_READ_ONLY_PASSWORD must be set together"
    )
ACCORD_ALLOW_PUBLIC_READ = env_bool("PACT_BROKER_ALLOW_PUBLIC_READ", "ACCORD_ALLOW_PUBLIC_READ")
# Credentials for every request even with no basic-auth users configured: a broker whose
# people and pipelines use tokens (access/). Off, with no users, the broker is open.
ACCORD_REQUIRE_AUTH = env_bool("ACCORD_REQUIRE_AUTH", default=False)

# The web UI's sign-in (broker/signin.py) for the users above: sessions in the database, so
# signing out, or a changed password, ends them on every web worker. The age is absolute
# (from sign-in, not renewed by use). Cookies are HttpOnly and SameSite=Lax, Secure on every
# request that arrived over https (broker.auth.SessionMiddleware; behind a TLS proxy with
# ACCORD_BEHIND_TLS_PROXY) and on every response when ACCORD_SESSION_COOKIE_SECURE is on
# (the default when the base URL is https).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Failed sign-ins to the web UI: per username and address, and per address, within the
# lock window; at the limit the form refuses (429) for the window (ui.signin_throttle).
ACCORD_SIGNIN_MAX_FAILURES = env_int("ACCORD_SIGNIN_MAX_FAILURES", default=5, minimum=1)
ACCORD_SIGNIN_ADDRESS_MAX_FAILURES = env_int("ACCORD_SIGNIN_ADDRESS_MAX_FAILURES", default=30, minimum=1)
ACCORD_SIGNIN_LOCK_SECONDS = env_int("ACCORD_SIGNIN_LOCK_SECONDS", default=15 * 60, minimum=1)
SESSION_COOKIE_NAME = "accord_session"
SESSION_COOKIE_AGE = env_int("ACCORD_SESSION_AGE_SECONDS", default=12 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool(
    "ACCORD_SESSION_COOKIE_SECURE", default=any(url.startswith("https://") for url in ACCORD_BASE_URLS)
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # no script reads it: the token travels in the forms
CSRF_COOKIE_SAMESITE = "Lax"
# A form posted through the public address is same-origin even when a proxy in front
# changes the scheme or host Django sees.
CSRF_TRUSTED_ORIGINS = sorted({f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in ACCORD_BASE_URLS})
CSRF_FAILURE_VIEW = "ui.views.csrf_failure"
ACCORD_PUBLIC_HEARTBEAT = env_bool("PACT_BROKER_PUBLIC_HEARTBEAT", "ACCORD_PUBLIC_HEARTBEAT", default=True)
ACCORD_PUBLIC_BADGE_ACCESS = env_bool(
    "PACT_BROKER_ENABLE_PUBLIC_BADGE_ACCESS", "ACCORD_PUBLIC_BADGE_ACCESS", default=False
)

# Domain behaviour, with the Pact Broker's defaults and variable names.
ACCORD_ALLOW_CONTRACT_MODIFICATION = env_bool(
    "PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION", "ACCORD_ALLOW_CONTRACT_MODIFICATION", default=False
)
ACCORD_MAIN_BRANCH_CANDIDATES = env_list(
    "PACT_BROKER_MAIN_BRANCH_CANDIDATES", "ACCORD_MAIN_BRANCH_CANDIDATES", default=("develop", "main", "master")
)
ACCORD_USE_FIRST_TAG_AS_BRANCH = env_bool("PACT_BROKER_USE_FIRST_TAG_AS_BRANCH", default=True)
ACCORD_FIRST_TAG_AS_BRANCH_SECONDS = env_int("PACT_BROKER_USE_FIRST_TAG_AS_BRANCH_TIME_LIMIT", default=10, minimum=0)
ACCORD_VERIFIED_BY_OTHER_BRANCH_LOOKBACK_DAYS = env_int(
    "PACT_BROKER_VERIFIED_BY_OTHER_BRANCH_LOOKBACK_DAYS", default=30, minimum=1
)
ACCORD_CREATE_DEPLOYED_VERSIONS_FOR_TAGS = env_bool("PACT_BROKER_CREATE_DEPLOYED_VERSIONS_FOR_TAGS", default=True)
# Example data (contracts/services/example_data.py) after `migrate`, into a broker with no pacticipants.
ACCORD_SEED_EXAMPLE_DATA = env_bool("PACT_BROKER_SEED_EXAMPLE_DATA", "ACCORD_SEED_EXAMPLE_DATA", default=False)

# Webhooks: what a webhook definition may ask for (the Pact Broker's whitelists).
ACCORD_WEBHOOK_SCHEMES = env_list("PACT_BROKER_WEBHOOK_SCHEME_WHITELIST", "ACCORD_WEBHOOK_SCHEMES", default=("https",))
ACCORD_WEBHOOK_METHODS = env_list(
    "PACT_BROKER_WEBHOOK_HTTP_METHOD_WHITELIST", "ACCORD_WEBHOOK_METHODS", default=("POST",)
)
ACCORD_WEBHOOK_RETRY_SCHEDULE = [
    int(x) for x in env_list("PACT_BROKER_WEBHOOK_RETRY_SCHEDULE", default=("10", "60", "120", "300", "600", "1200"))
]

# Server-side verification runs (verifier/services/runs.py).
ACCORD_VERIFICATION_LEASE_SECONDS = env_int("ACCORD_VERIFICATION_LEASE_SECONDS", default=60, minimum=1)
ACCORD_VERIFICATION_MAX_ATTEMPTS = env_int("ACCORD_VERIFICATION_MAX_ATTEMPTS", default=3, minimum=1)
ACCORD_VERIFICATION_RETRY_SCHEDULE = [
    int(x) for x in env_list("ACCORD_VERIFICATION_RETRY_SCHEDULE", default=("30", "120", "600"))
]
ACCORD_VERIFICATION_CONCURRENCY_PER_PROVIDER = env_int(
    "ACCORD_VERIFICATION_CONCURRENCY_PER_PROVIDER", default=2, minimum=1
)
# Route verification runs to their own queue (and worker pool): unset = the default queue.
ACCORD_VERIFICATION_QUEUE = env_str("ACCORD_VERIFICATION_QUEUE")
ACCORD_VERIFICATION_REQUEUE_SECONDS = env_int("ACCORD_VERIFICATION_REQUEUE_SECONDS", default=5, minimum=1)

# Outbound requests (webhooks, provider builds, live targets): verifier/http.py.
# Drift monitoring (live checks of deployed providers; docs/drift.md).
ACCORD_DRIFT_TICK_SECONDS = env_float("ACCORD_DRIFT_TICK_SECONDS", default=5.0)
ACCORD_DRIFT_TICK_BATCH = env_int("ACCORD_DRIFT_TICK_BATCH", default=500, minimum=1)
ACCORD_DRIFT_MIN_INTERVAL_SECONDS = env_int("ACCORD_DRIFT_MIN_INTERVAL_SECONDS", default=10, minimum=1)
ACCORD_DRIFT_SETTLE_SECONDS = env_int("ACCORD_DRIFT_SETTLE_SECONDS", default=10, minimum=0)
ACCORD_DRIFT_RUN_TIME_LIMIT_SECONDS = env_int("ACCORD_DRIFT_RUN_TIME_LIMIT_SECONDS", default=300, minimum=1)
ACCORD_DRIFT_LEASE_SECONDS = env_int("ACCORD_DRIFT_LEASE_SECONDS", default=60, minimum=1)
ACCORD_DRIFT_MAX_ATTEMPTS = env_int("ACCORD_DRIFT_MAX_ATTEMPTS", default=3, minimum=1)
ACCORD_DRIFT_OPEN_AFTER = env_int("ACCORD_DRIFT_OPEN_AFTER", default=2, minimum=1)
ACCORD_DRIFT_RESOLVE_AFTER = env_int("ACCORD_DRIFT_RESOLVE_AFTER", default=2, minimum=1)
ACCORD_DRIFT_BACKOFF_MAX_SECONDS = env_int("ACCORD_DRIFT_BACKOFF_MAX_SECONDS", default=3600, minimum=1)
ACCORD_DRIFT_RUN_RETENTION_DAYS = env_int("ACCORD_DRIFT_RUN_RETENTION_DAYS", default=30, minimum=1)
ACCORD_DRIFT_QUEUE = env_str("ACCORD_DRIFT_QUEUE")

# The audit log (audit/): entries older than this are pruned by beat's audit-prune.
ACCORD_AUDIT_RETENTION_DAYS = env_int("ACCORD_AUDIT_RETENTION_DAYS", default=365, minimum=1)
# Keeping the data bounded (README): the clean, with the Pact Broker Docker image's variables
# and defaults (off; 2:15 every night; 500 versions a run), and how long webhook deliveries stay.
ACCORD_CLEAN_ENABLED = env_bool("ACCORD_CLEAN_ENABLED", "PACT_BROKER_DATABASE_CLEAN_ENABLED", default=False)
ACCORD_CLEAN_CRON_SCHEDULE = env_cron(
    "ACCORD_CLEAN_CRON_SCHEDULE", "PACT_BROKER_DATABASE_CLEAN_CRON_SCHEDULE", default="15 2 * * *"
)
_keep = env_json("ACCORD_CLEAN_KEEP_VERSION_SELECTORS", "PACT_BROKER_DATABASE_CLEAN_KEEP_VERSION_SELECTORS")
try:
    # As dicts (camelCase): contracts.services.clean parses them again.
    ACCORD_CLEAN_KEEP_VERSION_SELECTORS = [
        selector.as_dict()
        for selector in (keep_selectors_parse(_keep) if _keep is not None else DEFAULT_KEEP_SELECTORS)
    ]
except ValueError as _exc:
    raise ConfigError(
        f"ACCORD_CLEAN_KEEP_VERSION_SELECTORS (PACT_BROKER_DATABASE_CLEAN_KEEP_VERSION_SELECTORS): {_exc}"
    ) from None
ACCORD_CLEAN_DELETION_LIMIT = env_int(
    "ACCORD_CLEAN_DELETION_LIMIT", "PACT_BROKER_DATABASE_CLEAN_DELETION_LIMIT", default=500, minimum=1
)
ACCORD_CLEAN_DRY_RUN = env_bool("ACCORD_CLEAN_DRY_RUN", "PACT_BROKER_DATABASE_CLEAN_DRY_RUN", default=False)
# Versions deleted per transaction: each batch commits on its own, so locks stay short.
ACCORD_CLEAN_BATCH_SIZE = env_int("ACCORD_CLEAN_BATCH_SIZE", default=200, minimum=1)
ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS = env_int("ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS", default=30, minimum=1)

ACCORD_OUTBOUND_ALLOW = env_list("ACCORD_OUTBOUND_ALLOW", "PACT_BROKER_WEBHOOK_HOST_WHITELIST")
ACCORD_OUTBOUND_CONNECT_TIMEOUT = env_float("ACCORD_OUTBOUND_CONNECT_TIMEOUT", default=5.0)
ACCORD_OUTBOUND_READ_TIMEOUT = env_float("ACCORD_OUTBOUND_READ_TIMEOUT", default=15.0)

# Celery: Redis broker; outcomes live in our own tables, so no result backend.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default=None) or runtime.embedded_broker_url()
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # safe: every task claims its row, so a redelivery is a no-op
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("ACCORD_TASK_SOFT_TIME_LIMIT", default=600, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# Above the longest task, so Redis does not redeliver a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("ACCORD_WORKER_MAX_TASKS_PER_CHILD", default=200, minimum=1)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# The one place periodic work is defined (django-celery-beat syncs it into its tables).
CELERY_BEAT_SCHEDULE = {
    # Every 30 s (ACCORD_WEBHOOK_SWEEP_SECONDS): re-queue webhook deliveries that are due but not
    # queued (lost messages, a broker outage when the event committed).
    "webhooks-sweep": {
        "task": "verifier.webhooks_sweep",
        "schedule": env_float("ACCORD_WEBHOOK_SWEEP_SECONDS", default=30.0),
    },
    # Every 30 s: re-queue or fail verification runs whose worker died (lease expired).
    "verification-runs-reap": {"task": "verifier.verification_runs_reap", "schedule": 30.0},
    # Every few seconds: start the live targets that are due (one indexed scan, whatever
    # their number), re-queue or end live runs whose worker died, prune old run history.
    "drift-tick": {"task": "drift.tick", "schedule": ACCORD_DRIFT_TICK_SECONDS},
    "drift-reap": {"task": "drift.live_runs_reap", "schedule": 30.0},
    "drift-prune": {"task": "drift.live_runs_prune", "schedule": 3600.0},
    # Every hour: delete audit entries older than ACCORD_AUDIT_RETENTION_DAYS, in batches.
    "audit-prune": {"task": "audit.prune", "schedule": 3600.0},
    # Hourly: finished webhook deliveries older than ACCORD_WEBHOOK_EXECUTION_RETENTION_DAYS go.
    "webhooks-prune": {"task": "webhooks.deliveries_prune", "schedule": 3600.0},
}
if ACCORD_CLEAN_ENABLED:
    # ACCORD_CLEAN_CRON_SCHEDULE, by default "15 2 * * *": at 02:15 UTC every day. (The task
    # also does nothing while the clean is off, for a row django-celery-beat kept from before.)
    _minute, _hour, _day_of_month, _month, _day_of_week = ACCORD_CLEAN_CRON_SCHEDULE
    CELERY_BEAT_SCHEDULE["contracts-clean"] = {
        "task": "contracts.clean",
        "schedule": crontab(
            minute=_minute, hour=_hour, day_of_month=_day_of_month, month_of_year=_month, day_of_week=_day_of_week
        ),
    }

_log_level = (env_str("PACT_BROKER_LOG_LEVEL", "ACCORD_LOG_LEVEL", "LOG_LEVEL", default="INFO") or "INFO").upper()
if _log_level not in {"DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL"}:
    raise ConfigError(f"PACT_BROKER_LOG_LEVEL must be DEBUG, INFO, WARN or ERROR, got {_log_level!r}")
_log_level = "WARNING" if _log_level == "WARN" else _log_level
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"outage": {"()": "contracts.api.outage.OnCommitOutageFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _log_level},
    # A task not queued after commit during a broker outage: logged once per outage, not per request.
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.db.backends.base": {"filters": ["outage"]},
        # pact_ffi logs every request and response it replays (with headers, which may carry a
        # target's credentials); our own run logs record what matters, redacted.
        "pact": {"level": "WARNING"},
        # httpx logs every request's URL at INFO, query string and all: a webhook's URL may
        # carry a secret (`?token=${user.X}`). verifier/http.py keeps the redacted record.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["contracts.api.hal.HalJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["contracts.api.hal.LenientJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "contracts.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "contracts.api.schema.AccordSchema",
}

# The API describes itself: GET /openapi.json (OpenAPI 3.1), browsable at /openapi.
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord",
    "DESCRIPTION": (
        "A consumer-driven contract broker that speaks the Pact Broker's HAL API, plus Accord's own drift monitoring and "
        "verification runs. Every response is HAL+JSON unless stated; names in paths are percent-encoded "
        "path segments (a branch feat/x is feat%2Fx)."
    ),
    "VERSION": ACCORD_VERSION,
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SORT_OPERATIONS": False,
    "PREPROCESSING_HOOKS": ["contracts.api.schema.public_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "contracts.api.schema.add_components",
    ],
}
