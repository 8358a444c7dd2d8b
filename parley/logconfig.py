"""Logging for web and worker processes: one JSON object per line on stderr, each carrying the
request id of the request or worker job it belongs to (`core.requestid`).

Every logger goes through the standard library (Django's, gunicorn's error log when it uses
ours, Parley's own); structlog's `ProcessorFormatter` renders them, merging the context
variables the request id middleware binds. `PARLEY_LOG_FORMAT=plain` gives readable console
lines instead (what `make run` wants on a terminal), with the same fields.

With a log file (`PARLEY_LOG_FILE`, which `make run` sets to `var/log/parley.log`) every line
goes there, and the terminal shows only warnings and errors, so the start-up banner stays
readable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import structlog

FORMATS = ("json", "plain")


def _drop_message(logger: Any, name: str, event: dict[str, Any]) -> dict[str, Any]:
    """The stdlib's rendered `message` repeats `event`."""
    event.pop("message", None)
    return event


def _pre_chain() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
    ]


def logging_config(*, level: str = "INFO", fmt: str = "json", file: str = "") -> dict[str, Any]:
    if fmt not in FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"PARLEY_LOG_FORMAT={fmt!r}: use one of {', '.join(FORMATS)}.")
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    handlers: dict[str, Any] = {"console": {"class": "logging.StreamHandler", "formatter": "structured"}}
    if file:
        Path(file).parent.mkdir(parents=True, exist_ok=True)
        handlers["console"]["level"] = "WARNING"
        handlers["file"] = {"class": "logging.FileHandler", "filename": file, "formatter": "structured"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": _pre_chain(),
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
            }
        },
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }


def configure_structlog() -> None:
    """structlog's own loggers (`structlog.get_logger()`) hand their events to the stdlib, so
    both kinds end in the one formatter above."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float) -> bool:
    """Error reporting, when a DSN is configured: unhandled exceptions in views and worker
    loops, with the request id as a tag. No personal data is sent (`send_default_pii` off)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
    return True
