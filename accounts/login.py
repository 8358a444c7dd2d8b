"""How often a log-in may be tried, on the counters of `core.ratelimit`.

- Attempts, right or wrong, count per (username, address) pair, at most `LOGIN_ATTEMPT_LIMIT`
  (default: the failure limit) per window; counted before the password is checked.
- Failures count per (username, address) pair: after `LOGIN_RATE_LIMIT` of them that pair is
  refused for the rest of the window, whatever the password. Other users at the same address
  (everyone behind one proxy, if `PARLEY_TRUSTED_PROXIES` is not set) are not affected.
- Failures also count per username, from anywhere. Past the same limit every further failure
  sets a delay that doubles (2 s, 4 s, 8 s… at most `LOGIN_MAX_DELAY`): an address that has
  already failed for that username must wait it out. An address that has not failed for it is
  always checked, so a correct password from elsewhere is never refused: no one can lock a
  named user out.
- Successful log-ins (web sessions and API tokens) count per username too
  (`LOGIN_SUCCESS_LIMIT`), so a script with the password cannot mint sessions without end.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext

from core import ratelimit
from core.errors import RateLimited

USER_WINDOW = 3600


def _pair(username: str, client: str) -> str:
    return f"{username.lower()}|{client}"


def _delay_key(username: str) -> str:
    return "login-delay:" + hashlib.sha256(username.lower().encode()).hexdigest()[:32]


def before_check(*, username: str, client: str) -> None:
    """Raises RateLimited when this attempt may not even be checked."""
    limit, window = settings.LOGIN_RATE_LIMIT
    pair = _pair(username, client)
    # Every attempt is counted first and the count it returns decides, so attempts that race
    # cannot all pass one check before any of them is counted.
    attempts = ratelimit.count("login-try", pair, window=window)
    try:
        if attempts > settings.LOGIN_ATTEMPT_LIMIT:
            ratelimit.guard("login-try", pair, limit=settings.LOGIN_ATTEMPT_LIMIT, window=window)
        ratelimit.guard("login-pair", pair, limit=limit, window=window)
    except RateLimited as exc:
        raise RateLimited(
            gettext(
                "Too many failed log-ins for this account from your address. Try again in "
                "%(retry_after)s seconds, or log in from another network."
            )
            % {"retry_after": exc.retry_after},
            retry_after=exc.retry_after,
        ) from None
    until = float(cache.get(_delay_key(username), 0))
    wait = int(until - time.time() + 0.999)
    if wait > 0 and _has_failed(pair, window):
        raise RateLimited(
            gettext("This account has had many failed log-ins. Please wait %(wait)s seconds before trying again.")
            % {"wait": wait},
            retry_after=wait,
        )
    success_limit, success_window = settings.LOGIN_SUCCESS_LIMIT
    try:
        ratelimit.guard("login-ok", username.lower(), limit=success_limit, window=success_window)
    except RateLimited as exc:
        raise RateLimited(
            gettext("Too many log-ins to this account in a short time. Try again in %(retry_after)s seconds.")
            % {"retry_after": exc.retry_after},
            retry_after=exc.retry_after,
        ) from None


def _has_failed(pair: str, window: int) -> bool:
    try:
        ratelimit.guard("login-pair", pair, limit=1, window=window)
    except RateLimited:
        return True
    return False


def failed(*, username: str, client: str) -> None:
    """Counts a failed attempt; past the limit, sets the username's growing delay."""
    limit, window = settings.LOGIN_RATE_LIMIT
    ratelimit.count("login-pair", _pair(username, client), window=window)
    failures = ratelimit.count("login-user", username.lower(), window=USER_WINDOW)
    if failures >= limit:
        delay = min(2 ** min(failures - limit + 1, 20), settings.LOGIN_MAX_DELAY)
        cache.set(_delay_key(username), time.time() + delay, timeout=delay + 1)


def succeeded(*, username: str) -> None:
    _, window = settings.LOGIN_SUCCESS_LIMIT
    ratelimit.count("login-ok", username.lower(), window=window)
