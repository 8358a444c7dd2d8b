"""Every environment variable Parley reads, in one place: `docs/settings.md` is generated from
this list (`parley settings-doc`), and a test fails when a `PARLEY_*` name appears anywhere in
the code without a line here, or when the document is out of date."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    default: str
    meaning: str


GROUPS: dict[str, tuple[Var, ...]] = {
    "Core": (
        Var("DATABASE_URL", "SQLite file in the data folder", "e.g. `postgres://parley@db.internal:5432/parley`"),
        Var(
            "PARLEY_DATA_DIR",
            "`var/` beside the code",
            "the data folder: SQLite file, uploads, static files, gunicorn's control socket, metrics files",
        ),
        Var(
            "PARLEY_SECRET_KEY",
            "required (a development key in `var/` with `PARLEY_DEBUG`)",
            "Django's secret key: a long random string",
        ),
        Var(
            "PARLEY_PUBLIC_URL",
            "`http://127.0.0.1:$PORT` in `make run`; required with `check --deploy`",
            "the site's address as people reach it (`https://parley.example.org`), for the links in e-mails",
        ),
        Var("PARLEY_ALLOWED_HOSTS", "`127.0.0.1,localhost,[::1]`", "comma-separated host names the site answers to"),
        Var(
            "PARLEY_CSRF_TRUSTED_ORIGINS",
            "empty",
            "comma-separated origins (`https://parley.example.org`) for form posts behind a proxy",
        ),
        Var("PARLEY_DEBUG", "off", "Django's debug pages and plain static files; never in production"),
        Var("PARLEY_POLICY", "`standard`", "`standard`, `igitems`, `difmark`, or a path to a policy file"),
        Var("PARLEY_SIGNUP_OPEN", "on", "whether anyone may create an account"),
        Var(
            "PARLEY_STAFF_SECOND_FACTOR",
            "on (off in `make run`)",
            "staff must pass a second factor for staff pages and staff API rights; only a sandbox turns it off",
        ),
        Var("PARLEY_DEMO", "on in `make run`", "seed demo data on an empty database"),
        Var(
            "PARLEY_TEST_CLOCK",
            "on in `make run` and tests, off otherwise",
            "enables `/api/v1/test-clock`; never in production",
        ),
        Var("PARLEY_PAYMENT_PROVIDER", "`sandbox`", "the payment provider"),
        Var(
            "PARLEY_SANDBOX_PAYMENTS",
            "on with `PARLEY_DEBUG` or the test clock",
            "let the sandbox provider take deposits (money from nothing)",
        ),
        Var(
            "PARLEY_MEDIA_ROOT",
            "`$PARLEY_DATA_DIR/private`",
            "where evidence and attachments are kept (never served directly)",
        ),
        Var("PARLEY_PLAIN_STATIC", "off", "serve static files without the hashed manifest (tests, development)"),
    ),
    "Files in S3-compatible storage": (
        Var(
            "PARLEY_S3_BUCKET",
            "unset: files on local disk under `PARLEY_MEDIA_ROOT`",
            "bucket for evidence and attachments",
        ),
        Var(
            "PARLEY_S3_ENDPOINT_URL", "AWS", "endpoint of another S3-compatible service (`https://minio.internal:9000`)"
        ),
        Var("PARLEY_S3_REGION", "the SDK's default", "region of the bucket"),
        Var("PARLEY_S3_ACCESS_KEY_ID", "the SDK's chain (environment, instance role)", "access key"),
        Var("PARLEY_S3_SECRET_ACCESS_KEY", "the SDK's chain", "secret key"),
        Var("PARLEY_S3_PREFIX", "empty", "folder inside the bucket (several deployments may share one bucket)"),
        Var("PARLEY_S3_ADDRESSING_STYLE", "the SDK's default", "`path` for services without virtual-host buckets"),
        Var("PARLEY_S3_ENCRYPT", "off", "ask for server-side encryption (SSE-S3, AES256) of every object"),
    ),
    "Database connections (PostgreSQL)": (
        Var(
            "PARLEY_DB_CONN_MAX_AGE",
            "60",
            "seconds a connection is kept between requests (ignored with the pool; 0 on SQLite)",
        ),
        Var("PARLEY_DB_POOL", "off", "a psycopg connection pool per process instead of persistent connections"),
        Var("PARLEY_DB_POOL_MIN", "2", "connections the pool keeps open"),
        Var(
            "PARLEY_DB_POOL_MAX",
            "10",
            "connections the pool may open; keep processes times this under the server's `max_connections`",
        ),
        Var("PARLEY_DB_POOL_TIMEOUT", "10", "seconds a request waits for a free pooled connection before failing"),
        Var(
            "PARLEY_DB_DISABLE_SERVER_SIDE_CURSORS",
            "off",
            "on behind PgBouncer in transaction mode (a named cursor does not outlive its transaction)",
        ),
    ),
    "Web server (gunicorn, `parley/gunicorn_conf.py`)": (
        Var("PORT", "8000", "the port of `make run` / `parley serve`"),
        Var("PARLEY_BIND", "`127.0.0.1:8000`", "address gunicorn listens on"),
        Var("PARLEY_WEB_WORKERS", "twice the cores plus one, at most 8", "gunicorn worker processes"),
        Var("PARLEY_WEB_THREADS", "4", "threads per gunicorn worker"),
        Var("PARLEY_WEB_TIMEOUT", "30", "seconds a request may run before its worker is restarted"),
        Var("PARLEY_WEB_GRACEFUL_TIMEOUT", "20", "seconds requests in flight get to finish on a stop or reload"),
        Var("PARLEY_FORWARDED_ALLOW_IPS", "`127.0.0.1,::1`", "proxies whose `X-Forwarded-*` headers gunicorn believes"),
    ),
    "Security": (
        Var("PARLEY_HTTPS", "on (off in `make run`)", "secure cookies and HSTS"),
        Var(
            "PARLEY_SSL_REDIRECT",
            "on with `PARLEY_HTTPS`",
            "redirect plain HTTP to HTTPS (health checks and metrics are exempt)",
        ),
        Var("PARLEY_BEHIND_PROXY", "off", "trust `X-Forwarded-Proto: https` from the proxy in front"),
        Var(
            "PARLEY_TRUSTED_PROXIES",
            "0",
            "how many proxies append to `X-Forwarded-For` (client addresses for rate limits)",
        ),
        Var("PARLEY_LOGIN_LIMIT", "10", "failed log-ins per username and address per 5 minutes"),
        Var("PARLEY_LOGIN_ATTEMPT_LIMIT", "10", "log-in attempts per username and address per 5 minutes"),
        Var(
            "PARLEY_LOGIN_MAX_DELAY",
            "300",
            "the longest delay (s) a much-guessed username imposes on the addresses that failed for it",
        ),
        Var("PARLEY_LOGIN_SUCCESS_LIMIT", "30", "successful log-ins per username per hour"),
        Var("PARLEY_TOKEN_LIMIT", "20", "API tokens issued per user per hour"),
        Var("PARLEY_TOKEN_TTL_DAYS", "30", "how long an API token works, in real days (not the test clock's)"),
        Var("PARLEY_TICKET_FILES", "50", "files one ticket may hold"),
        Var("PARLEY_TICKET_BYTES", "104857600", "bytes one ticket's files may take"),
        Var("PARLEY_USER_FILES_PER_DAY", "100", "files one person (staff excepted) may attach to tickets in 24 hours"),
        Var("PARLEY_USER_BYTES_PER_DAY", "209715200", "bytes one person (staff excepted) may attach in 24 hours"),
        Var("PARLEY_WRITE_LIMIT", "120", "write requests per user per minute"),
        Var("PARLEY_SIGNUP_LIMIT", "20", "sign-ups per address per hour"),
        Var(
            "PARLEY_KEY_LIMIT", "1200", "write requests per API key per minute (a key is not held to the sign-up limit)"
        ),
        Var(
            "PARLEY_REDIS_URL",
            "unset: counters in the database",
            "Redis for the rate-limit counters (`redis://127.0.0.1:6379/0`), shared by every process",
        ),
        Var("PARLEY_EVIDENCE_MAX_BYTES", "10485760", "largest evidence file"),
        Var("PARLEY_EVIDENCE_MAX_FILES", "30", "evidence files per dispute"),
    ),
    "E-mail": (
        Var("PARLEY_SMTP_HOST", "unset: e-mail printed by the worker", "SMTP server for notifications"),
        Var(
            "PARLEY_EMAIL_PROVIDER",
            "unset: SMTP if `PARLEY_SMTP_HOST` is set",
            "send through an e-mail provider's API with django-anymail instead: `mailgun`, `postmark`, `sendgrid`, "
            "`amazon_ses`, `brevo`, `resend`, ...",
        ),
        Var("PARLEY_ANYMAIL_API_KEY", "empty", "the provider's API key (Postmark: the server token)"),
        Var(
            "PARLEY_ANYMAIL_OPTIONS",
            "`{}`",
            'further Anymail settings as JSON, e.g. `{"MAILGUN_SENDER_DOMAIN": "mg.example.org"}`',
        ),
        Var("PARLEY_SMTP_PORT", "587", "SMTP port"),
        Var("PARLEY_SMTP_USER", "empty", "SMTP user name"),
        Var("PARLEY_SMTP_PASSWORD", "empty", "SMTP password"),
        Var("PARLEY_SMTP_TLS", "on", "STARTTLS"),
        Var(
            "PARLEY_SMTP_TIMEOUT", "5", "seconds one SMTP conversation step may take before the e-mail is retried later"
        ),
        Var("PARLEY_FROM_EMAIL", "`Parley <no-reply@parley.invalid>`", "sender of every e-mail"),
        Var(
            "PARLEY_MAIL_DIR",
            "unset (`var/log/mail` in `make run`)",
            "without an SMTP host, e-mail is filed here (one file per worker run) instead of printed",
        ),
        Var(
            "PARLEY_CHAT_DIGEST_MINUTES",
            "15",
            "chat messages are mailed as a digest: at most one e-mail per case and person in this many minutes",
        ),
    ),
    "Webhooks": (
        Var("PARLEY_WEBHOOKS_ALLOW_HTTP", "on with the test clock, off otherwise", "accept `http://` webhook URLs"),
        Var(
            "PARLEY_WEBHOOKS_ALLOWED_HOSTS",
            "empty",
            "host names, addresses or networks (`10.1.2.0/24`) webhooks may reach although they are not public",
        ),
    ),
    "Worker": (
        Var(
            "PARLEY_WORKER_SEND_BUDGET",
            "10",
            "seconds of sending one round of the e-mail or webhook loop may take before it reports back",
        ),
        Var("PARLEY_WORKER_STALE_SECONDS", "60", "`/readyz` fails when a worker loop has not reported for this long"),
    ),
    "Retention (what the worker prunes)": (
        Var("PARLEY_RETENTION_EMAIL_DAYS", "90", "days sent or given-up e-mails are kept"),
        Var("PARLEY_RETENTION_WEBHOOK_DAYS", "30", "days sent or given-up webhook deliveries are kept"),
        Var("PARLEY_RETENTION_IDEMPOTENCY_HOURS", "24", "hours idempotency records are kept before they are pruned"),
        Var(
            "PARLEY_RETENTION_EVENT_DAYS",
            "30",
            "days stored webhook events (`GET /events`) are kept; at least 30, which `GET /events` promises",
        ),
    ),
    "Observability": (
        Var("PARLEY_LOG_LEVEL", "`INFO`", "the root log level"),
        Var(
            "PARLEY_LOG_FORMAT",
            "`json` (`plain` in `make run`)",
            "`json`: one JSON object per line; `plain`: readable console lines",
        ),
        Var(
            "PARLEY_LOG_FILE",
            "unset: stderr (`var/log/parley.log` in `make run`)",
            "every log line (access lines too) goes to this file; the terminal keeps warnings and errors",
        ),
        Var("PARLEY_METRICS_TOKEN", "empty: staff only", "bearer token a Prometheus scraper sends to `/metrics`"),
        Var(
            "PROMETHEUS_MULTIPROC_DIR",
            "`$PARLEY_DATA_DIR/metrics` under gunicorn",
            "prometheus-client's multiprocess folder (set by the gunicorn configuration)",
        ),
        Var("PARLEY_SENTRY_DSN", "unset: no error reports", "Sentry (or compatible) DSN for error reports"),
        Var("PARLEY_SENTRY_ENVIRONMENT", "`production`", "the environment name on error reports"),
        Var("PARLEY_SENTRY_TRACES_SAMPLE_RATE", "0", "share of requests traced for performance (0 to 1)"),
    ),
    "The integrator example (`examples/integrator.py`)": (
        Var("PARLEY_URL", "`http://127.0.0.1:8000`", "the Parley the example talks to"),
        Var("PARLEY_API_KEY", "required", "the API key the example uses (`make run` prints a demo key)"),
    ),
    "Tests and benchmarks only": (
        Var(
            "PARLEY_WALKTHROUGH_PORT", "8122", "port the walkthrough test serves Parley on for `examples/integrator.py`"
        ),
        Var("PARLEY_CRASH_AT", "unset", "`before_commit:N` kills the worker inside its N-th deadline (crash tests)"),
        Var("PARLEY_RACE_ORDERS", "150", "orders the two-worker race test drives (CI: 1,000 on PostgreSQL)"),
        Var("PARLEY_FUZZ_EXAMPLES", "8", "API fuzzing examples per operation"),
        Var("PARLEY_FAIRNESS_EXAMPLES", "10", "examples per path of the never-more, never-for-nothing property test"),
        Var("PARLEY_MACHINE_PROFILE", "`dispute-machine`", "Hypothesis profile of the dispute state-machine test"),
        Var("PARLEY_TEST_GUNICORN_PORT", "8151", "port the production-path tests start gunicorn on"),
        Var("PARLEY_BENCH_PORT", "a free port", "port `make bench` starts gunicorn on"),
        Var("PARLEY_PGBOUNCER_PORT", "8152", "port `scripts/pgbouncer-smoke` starts PgBouncer on"),
        Var("PARLEY_SMOKE_PORT", "8153", "port `scripts/pgbouncer-smoke` starts gunicorn on"),
        Var("PARLEY_TEST_S3_PORT", "8155", "port the storage tests start a local S3 server (moto) on"),
        Var("PARLEY_SMOKE_DATABASE", "`parley_smoke`", "database `scripts/pgbouncer-smoke` creates and drops"),
    ),
}


def names() -> set[str]:
    return {var.name for group in GROUPS.values() for var in group}


def render() -> str:
    lines = [
        "# Settings",
        "",
        "<!-- Generated from ops/settings_registry.py by `parley settings-doc`; edit that file, not this one. -->",
        "",
        "Everything a deployment may change comes from the environment. Flags take `1`/`0` (also",
        "`true`/`false`, `yes`/`no`, `on`/`off`); a bad value stops start-up with a message.",
    ]
    for title, group in GROUPS.items():
        lines += ["", f"## {title}", "", "| variable | default | meaning |", "|---|---|---|"]
        lines += [f"| `{var.name}` | {var.default} | {var.meaning} |" for var in group]
    return "\n".join(lines) + "\n"
