"""Parley's settings: everything a deployment may change comes from the environment.

Defaults are safe for production (DEBUG off, a secret key required, secure cookies); `make run`
switches on the developer conveniences explicitly (see `parley/cli.py`). The variables are
listed in README.md and in `../shared/spec/API.md`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value (use 1 or 0).")


DATA_DIR = Path(os.environ.get("PARLEY_DATA_DIR", BASE_DIR / "var"))
DEBUG = env_flag("PARLEY_DEBUG")
TEST_CLOCK_ENABLED = env_flag("PARLEY_TEST_CLOCK")
DEMO_DATA = env_flag("PARLEY_DEMO")
POLICY = os.environ.get("PARLEY_POLICY", "standard")
SIGNUP_OPEN = env_flag("PARLEY_SIGNUP_OPEN", default=True)
# The sandbox provider accepts every deposit: money from nothing. It is the default provider so
# Parley runs offline, but it only takes deposits where that is harmless (development, a test
# clock) or where a deployment says so explicitly.
PAYMENT_PROVIDER = os.environ.get("PARLEY_PAYMENT_PROVIDER", "sandbox")
# A demo deployment (PARLEY_DEMO) seeds a wallet through it, so it counts as harmless there too.
SANDBOX_PAYMENTS = env_flag("PARLEY_SANDBOX_PAYMENTS", default=DEBUG or TEST_CLOCK_ENABLED or DEMO_DATA)


def _secret_key() -> str:
    key = os.environ.get("PARLEY_SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "PARLEY_SECRET_KEY is not set. Production needs a long random secret "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    # Development only: one random key per data folder, so sessions survive restarts.
    path = DATA_DIR / "dev-secret-key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("PARLEY_ALLOWED_HOSTS", "").split(",") if h] or (
    ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("PARLEY_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "core",
    "policy",
    "accounts",
    "catalog",
    "ledger",
    "payments",
    "orders",
    "chat",
    "disputes",
    "tickets",
    "desk",
    "notifications",
    "webhooks",
    "integrations",
    "api",
    "web",
    "ops",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",  # first: its id is on every log line after it
    "core.middleware.ProblemFallbackMiddleware",
    "core.middleware.OneClockReadingMiddleware",  # one test-clock reading per request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.NulCharacterGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from Accept-Language (or the language cookie) for anyone without a choice;
    # UserLocale below replaces it with the signed-in user's own language and time zone.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLocale",
    "core.middleware.ApiKeyContext",
    "core.middleware.WriteThrottleMiddleware",
    "core.middleware.TransactionalWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "web.secondfactor.StaffSecondFactorRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.middleware.DomainErrorPages",
]

ROOT_URLCONF = "parley.urls"
WSGI_APPLICATION = "parley.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "web.context.parley",
            ],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'parley.sqlite3'}",  # empty means unset
        conn_max_age=int(os.environ.get("PARLEY_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL connections (docs/settings.md): a psycopg pool per process, or persistent
# connections (PARLEY_DB_CONN_MAX_AGE); behind PgBouncer in transaction mode server-side
# cursors must be off, since a cursor does not outlive the transaction that PgBouncer pins.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_flag("PARLEY_DB_POOL"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("PARLEY_DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("PARLEY_DB_POOL_MAX", "10")),
            "timeout": float(os.environ.get("PARLEY_DB_POOL_TIMEOUT", "10")),
        }
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_flag("PARLEY_DB_DISABLE_SERVER_SIDE_CURSORS")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: IMMEDIATE takes the write lock at BEGIN, so a reader never has to
    # upgrade mid-transaction (SQLITE_BUSY_SNAPSHOT); WAL lets readers run beside the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # Shared between web and worker processes without extra infrastructure; rate limits need
    # counters every process sees.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "parley_cache",
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.NotBlankOrPublishedValidator"},
]

# English is the default; Russian is complete (locale/ru). Each user picks a language and a time
# zone (profile page, PATCH /api/v1/me); without a choice the browser's Accept-Language decides
# the language and times show in UTC. The compiled catalogues (.mo) are built from locale/*.po
# by `make messages-compile` (run by `make run`, `make test` and scripts/bootstrap), not kept in git.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("PARLEY_MEDIA_ROOT", DATA_DIR / "private"))
STORAGES = {
    # Evidence and attachments are private: never served from MEDIA_URL, only through views
    # that check who is asking.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_flag("PARLEY_PLAIN_STATIC")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Evidence and attachments in S3-compatible object storage (AWS S3, MinIO, Ceph, R2...) when a
# bucket is named, so every web host and worker sees the same files. Objects stay private:
# downloads still go through the views that check who asks, never to a bucket URL.
S3_BUCKET = os.environ.get("PARLEY_S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("PARLEY_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("PARLEY_S3_REGION") or None,
            "access_key": os.environ.get("PARLEY_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("PARLEY_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("PARLEY_S3_PREFIX", ""),
            "addressing_style": os.environ.get("PARLEY_S3_ADDRESSING_STYLE") or None,
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"} if env_flag("PARLEY_S3_ENCRYPT") else {},
        },
    }
WHITENOISE_USE_FINDERS = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# E-mail goes out from the worker (notifications.actions.send_due_emails): through SMTP, or
# through an e-mail provider's HTTP API with django-anymail (PARLEY_EMAIL_PROVIDER=mailgun,
# postmark, sendgrid, amazon_ses, brevo, resend, ...). Without either it is printed to the
# worker's console, or filed in PARLEY_MAIL_DIR when that is set (`make run` files them under
# var/log/mail/, one file per worker run, instead of pouring them over the terminal).
_SMTP_HOST = os.environ.get("PARLEY_SMTP_HOST", "")
_MAIL_DIR = os.environ.get("PARLEY_MAIL_DIR", "")
EMAIL_PROVIDER = os.environ.get("PARLEY_EMAIL_PROVIDER", "").strip().lower()
if EMAIL_PROVIDER and EMAIL_PROVIDER != "smtp":
    if not re.fullmatch(r"[a-z_]{2,40}", EMAIL_PROVIDER):
        raise ImproperlyConfigured(f"PARLEY_EMAIL_PROVIDER={EMAIL_PROVIDER!r} is not an Anymail provider name.")
    # The provider's own settings (see Anymail's page for it), e.g. {"MAILGUN_SENDER_DOMAIN": "mg.example.org"};
    # the key is the provider's API key (Postmark calls it the server token).
    ANYMAIL = json.loads(os.environ.get("PARLEY_ANYMAIL_OPTIONS", "") or "{}")
    if not isinstance(ANYMAIL, dict):
        raise ImproperlyConfigured("PARLEY_ANYMAIL_OPTIONS must be a JSON object.")
    _key = os.environ.get("PARLEY_ANYMAIL_API_KEY", "")
    if _key:
        ANYMAIL.setdefault(
            "POSTMARK_SERVER_TOKEN" if EMAIL_PROVIDER == "postmark" else f"{EMAIL_PROVIDER.upper()}_API_KEY", _key
        )
    MAILERS: dict[str, dict[str, Any]] = {"default": {"BACKEND": f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend"}}
elif _SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _SMTP_HOST,
                "port": int(os.environ.get("PARLEY_SMTP_PORT", "587")),
                "username": os.environ.get("PARLEY_SMTP_USER", ""),
                "password": os.environ.get("PARLEY_SMTP_PASSWORD", ""),
                "use_tls": env_flag("PARLEY_SMTP_TLS", default=True),
                # Each send is bounded: a mail server that accepts and then says nothing costs one
                # e-mail this long, on the e-mail loop only (ops/worker.py).
                "timeout": float(os.environ.get("PARLEY_SMTP_TIMEOUT", "5")),
            },
        }
    }
elif _MAIL_DIR:
    MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend", "OPTIONS": {"file_path": _MAIL_DIR}}
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# The address people open Parley at (https://parley.example.org): every link in an e-mail or a
# notification is absolute on it. Required in production (`check --deploy` says so); `make run`
# and the test settings set it.
PUBLIC_URL = os.environ.get("PARLEY_PUBLIC_URL", "").strip().rstrip("/")

# Printed e-mail is a documented choice (a marketplace may rely on webhooks instead), not a
# mistake: Django's deploy check for it is replaced by Parley's own notice (parley.I001).
SILENCED_SYSTEM_CHECKS = [] if _SMTP_HOST or EMAIL_PROVIDER not in ("", "smtp") else ["mail.E001"]
# Chat messages reach people by e-mail as a digest: at most one per case per this many minutes.
CHAT_DIGEST_MINUTES = int(os.environ.get("PARLEY_CHAT_DIGEST_MINUTES", "15"))
DEFAULT_FROM_EMAIL = os.environ.get("PARLEY_FROM_EMAIL", "Parley <no-reply@parley.invalid>")

# Outgoing webhooks (webhooks/targets.py) go to URLs staff register, so they are checked against
# SSRF when registered and again before every send: https only, and no host that resolves to a
# private, loopback, link-local or otherwise non-public address unless it is listed here (host
# names, or IP addresses and networks such as 10.1.2.0/24).
WEBHOOKS_ALLOW_HTTP = env_flag("PARLEY_WEBHOOKS_ALLOW_HTTP", default=TEST_CLOCK_ENABLED)
WEBHOOKS_ALLOWED_HOSTS = [
    h.strip().lower()
    # With the test clock (make run) a receiver on this machine may listen, as the walkthrough does.
    for h in os.environ.get("PARLEY_WEBHOOKS_ALLOWED_HOSTS", "127.0.0.1" if TEST_CLOCK_ENABLED else "").split(",")
    if h.strip()
]

# Security headers. The site works over plain HTTP only in development.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
HTTPS = env_flag("PARLEY_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_flag("PARLEY_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_flag("PARLEY_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

NINJA_PAGINATION_MAX_LIMIT = 100

# Observability (docs/operations.md): JSON log lines with the request id, health checks,
# Prometheus metrics, and error reports to Sentry when a DSN is set.
from parley.logconfig import configure_structlog, init_sentry, logging_config  # noqa: E402

LOGGING = logging_config(
    level=os.environ.get("PARLEY_LOG_LEVEL", "INFO"),
    fmt=os.environ.get("PARLEY_LOG_FORMAT", "json"),
    file=os.environ.get("PARLEY_LOG_FILE", ""),
)
configure_structlog()
METRICS_TOKEN = os.environ.get("PARLEY_METRICS_TOKEN", "")
WORKER_STALE_SECONDS = int(os.environ.get("PARLEY_WORKER_STALE_SECONDS", "60"))
# Seconds of sending one round of the e-mail or webhook loop may take before it reports back.
WORKER_SEND_BUDGET = float(os.environ.get("PARLEY_WORKER_SEND_BUDGET", "10"))
SENTRY_ENABLED = init_sentry(
    os.environ.get("PARLEY_SENTRY_DSN", ""),
    environment=os.environ.get("PARLEY_SENTRY_ENVIRONMENT", "production"),
    traces_sample_rate=float(os.environ.get("PARLEY_SENTRY_TRACES_SAMPLE_RATE", "0")),
)
# Retention (ops/retention.py, docs/privacy.md): what the worker prunes, after how long.
RETENTION_EMAIL_DAYS = int(os.environ.get("PARLEY_RETENTION_EMAIL_DAYS", "90"))
RETENTION_WEBHOOK_DAYS = int(os.environ.get("PARLEY_RETENTION_WEBHOOK_DAYS", "30"))
RETENTION_IDEMPOTENCY_HOURS = int(os.environ.get("PARLEY_RETENTION_IDEMPOTENCY_HOURS", "24"))
# Stored webhook events (`GET /events`): PRODUCT.md §10 promises at least 30 days back.
RETENTION_EVENT_DAYS = int(os.environ.get("PARLEY_RETENTION_EVENT_DAYS", "30"))
if RETENTION_EVENT_DAYS < 30:
    raise ImproperlyConfigured(
        f"PARLEY_RETENTION_EVENT_DAYS={RETENTION_EVENT_DAYS} is below 30: GET /events must reach 30 days back."
    )
# Load balancers and scrapers may ask over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# How many failed logins one username or one address may make per window before a pause;
# how many writes one user may make per minute; how many sign-ups one address per hour.
LOGIN_RATE_LIMIT = (int(os.environ.get("PARLEY_LOGIN_LIMIT", "10")), 300)
WRITE_RATE_LIMIT = (int(os.environ.get("PARLEY_WRITE_LIMIT", "120")), 60)
SIGNUP_RATE_LIMIT = (int(os.environ.get("PARLEY_SIGNUP_LIMIT", "20")), 3600)
# An API key's own budget of writes (a marketplace's backend writes for all of its users).
KEY_RATE_LIMIT = (int(os.environ.get("PARLEY_KEY_LIMIT", "1200")), 60)
# Rate-limit counters on Redis instead of the database (e.g. redis://127.0.0.1:6379/0).
REDIS_URL = os.environ.get("PARLEY_REDIS_URL", "")
# Webhook retries wait up to this fraction longer than the back-off, at random.
WEBHOOK_RETRY_JITTER = 0.2
# How many reverse proxies in front of Parley append to X-Forwarded-For (0: trust none).
TRUSTED_PROXY_HOPS = int(os.environ.get("PARLEY_TRUSTED_PROXIES", "0"))
# Evidence files: size, pixels, and how many one dispute may collect.
EVIDENCE_MAX_BYTES = int(os.environ.get("PARLEY_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
EVIDENCE_MAX_PIXELS = 40_000_000
EVIDENCE_MAX_FILES = int(os.environ.get("PARLEY_EVIDENCE_MAX_FILES", "30"))

# Log-in hardening (accounts/login.py): the growing delay per username stops at this many
# seconds; successful log-ins per username per hour; API tokens issued per user per hour, and
# how many days a token lives.
LOGIN_ATTEMPT_LIMIT = int(os.environ.get("PARLEY_LOGIN_ATTEMPT_LIMIT", str(LOGIN_RATE_LIMIT[0])))
LOGIN_MAX_DELAY = int(os.environ.get("PARLEY_LOGIN_MAX_DELAY", "300"))
LOGIN_SUCCESS_LIMIT = (int(os.environ.get("PARLEY_LOGIN_SUCCESS_LIMIT", "30")), 3600)
TOKEN_RATE_LIMIT = (int(os.environ.get("PARLEY_TOKEN_LIMIT", "20")), 3600)
API_TOKEN_TTL_DAYS = int(os.environ.get("PARLEY_TOKEN_TTL_DAYS", "30"))
# Second factor (accounts/twofactor.py): wrong codes per user per five minutes before every
# code is refused for the rest of the window. Password reset (accounts/recovery.py): requests
# per address and per e-mail per hour; a reset link lives an hour and works once; an e-mail
# verification link lives three days.
SECOND_FACTOR_RATE_LIMIT = (5, 300)
# Staff, who move money, must pass a second factor (accounts/twofactor.py). Only a sandbox turns
# this off (`make run`), where the API contract's demo logs in as carol with a password alone.
STAFF_SECOND_FACTOR = env_flag("PARLEY_STAFF_SECOND_FACTOR", default=True)
PASSWORD_RESET_RATE_LIMIT = (5, 3600)
PASSWORD_RESET_TIMEOUT = 3600
EMAIL_VERIFICATION_MAX_AGE = 3 * 86400
# Ticket attachments (tickets/attachments.py): how many files and bytes one ticket may hold,
# and how many one person (staff excepted) may attach in 24 hours.
TICKET_ATTACHMENTS_PER_TICKET = int(os.environ.get("PARLEY_TICKET_FILES", "50"))
TICKET_ATTACHMENT_BYTES_PER_TICKET = int(os.environ.get("PARLEY_TICKET_BYTES", str(100 * 1024 * 1024)))
ATTACHMENT_FILES_PER_USER_DAY = int(os.environ.get("PARLEY_USER_FILES_PER_DAY", "100"))
ATTACHMENT_BYTES_PER_USER_DAY = int(os.environ.get("PARLEY_USER_BYTES_PER_DAY", str(200 * 1024 * 1024)))
