"""Gunicorn's configuration for Parley: `gunicorn -c python:parley.gunicorn_conf parley.wsgi`.

`parley serve` and the systemd unit (`deploy/parley-web.service`) both use it; command-line
flags still override any value. Everything comes from the environment (docs/settings.md):

- `PARLEY_BIND` (127.0.0.1:8000), `PARLEY_WEB_WORKERS` (twice the cores plus one, at most 8),
  `PARLEY_WEB_THREADS` (4), `PARLEY_WEB_TIMEOUT` (30 s: a request running longer is killed
  and its transaction rolled back), `PARLEY_WEB_GRACEFUL_TIMEOUT` (20 s to finish on a stop).
- The control socket (`gunicornc`) lives in the data folder (`$PARLEY_DATA_DIR/gunicorn.ctl`),
  not in the shared default under `$HOME`, so two instances on one host never claim the same one.
- Prometheus multiprocess mode: every gunicorn worker writes its request counters to
  `$PARLEY_DATA_DIR/metrics/`, emptied when the master starts and told when a worker dies, so
  `/metrics` adds up every process (see `ops/metrics.py`).
- No access log of gunicorn's own: Parley logs one JSON `request` line per answer with its
  request id (`core/requestid.py`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from parley.logconfig import logging_config

_data = Path(os.environ.get("PARLEY_DATA_DIR", Path(__file__).resolve().parent.parent / "var"))
_data.mkdir(parents=True, exist_ok=True)
_metrics = _data / "metrics"
# Set before the application (and prometheus-client) is imported in any worker.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_metrics))

wsgi_app = "parley.wsgi:application"
bind = [os.environ.get("PARLEY_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("PARLEY_WEB_WORKERS", str(min(8, 2 * (os.cpu_count() or 1) + 1))))
threads = int(os.environ.get("PARLEY_WEB_THREADS", "4"))
timeout = int(os.environ.get("PARLEY_WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("PARLEY_WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
control_socket = str(_data / "gunicorn.ctl")
accesslog = None
errorlog = "-"
# Gunicorn's own lines (booting, worker timeouts) in the same JSON format as Parley's.
logconfig_dict = logging_config(
    level=os.environ.get("PARLEY_LOG_LEVEL", "INFO"),
    fmt=os.environ.get("PARLEY_LOG_FORMAT", "json"),
    file=os.environ.get("PARLEY_LOG_FILE", ""),
)
logconfig_dict["loggers"].update(
    {
        name: {"level": "INFO", "handlers": list(logconfig_dict["handlers"]), "propagate": False}
        for name in ("gunicorn.error", "gunicorn.access")
    }
)
forwarded_allow_ips = os.environ.get("PARLEY_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server: Any) -> None:
    """A fresh metrics folder for each master: files of a previous run would add stale counts."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
