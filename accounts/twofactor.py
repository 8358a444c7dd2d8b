"""Second factor: an authenticator app (TOTP, RFC 6238, 30-second steps, 6 digits) and ten
single-use recovery codes. Required for staff (the web refuses every page to a staff session
without it, the API gives staff rights only to a token issued with it); any user may enrol.

- Enrolment: `start` makes a fresh secret (shown once as a QR code and as text); `confirm`
  checks a first code from it, marks it confirmed and returns ten recovery codes, shown once
  and stored as SHA-256 digests. Enrolling again replaces the secret and the codes.
- `verify` accepts a code of the current step or the one before or after (clock drift), never
  one of a step at or before the last accepted one (a code cannot be replayed, not even within
  its own 30 seconds), or an unused recovery code, which is then used up. Failures count per
  user on `core.ratelimit`: past `SECOND_FACTOR_RATE_LIMIT` the user is refused for the rest of
  the window, right code or not, so six digits cannot be guessed.
- TOTP runs on real time (`clock.system_now`), never the test clock: the phone does not know it.
"""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import events
from accounts.models import RecoveryCode, SecondFactor, User
from core import audit, clock, ratelimit
from core.errors import Conflict, NotAuthenticated, RateLimited, ValidationFailed

ISSUER = "Parley"
RECOVERY_CODES = 10
STEP = 30


def has_factor(user: User) -> bool:
    """Whether the user has a confirmed authenticator."""
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def pending(user: User) -> SecondFactor | None:
    """The user's authenticator row if an enrolment is waiting for its first code."""
    return SecondFactor.objects.filter(user=user).exclude(pending_secret="").first()


def start(*, user: User) -> SecondFactor:
    """A fresh secret waiting for its first code. A confirmed authenticator stays in force
    until the new one is confirmed."""
    device, _created = SecondFactor.objects.get_or_create(user=user, defaults={"created_at": clock.system_now()})
    device.pending_secret = pyotp.random_base32()
    device.save(update_fields=["pending_secret"])
    return device


def uri(device: SecondFactor) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(device.pending_secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)


def qr_svg(device: SecondFactor) -> str:
    """The QR code of `uri(device)` as an inline SVG element (no external request)."""
    return segno.make(uri(device), error="m").svg_inline(scale=4, dark="#111", light="#fff")


def confirm(*, user: User, code: str) -> list[str]:
    """Confirms the pending authenticator with a first code and returns ten new recovery codes
    (to be shown once). Refuses a wrong code."""
    with transaction.atomic():
        device = SecondFactor.objects.select_for_update().filter(user=user).exclude(pending_secret="").first()
        if device is None:
            raise ValidationFailed(_("Start the enrolment again: there is no authenticator waiting."))
        _guard(user)
        step = _matching_step(device.pending_secret, code, after=0)
        if step is None:
            _failed(user)
            raise ValidationFailed(
                _("That code does not match. Check the phone's clock and type the code it shows now."),
                fields={"code": [_("Wrong code.")]},
            )
        now = clock.system_now()
        device.secret, device.pending_secret = device.pending_secret, ""
        device.confirmed_at = now
        device.last_step = step
        device.save(update_fields=["secret", "pending_secret", "confirmed_at", "last_step"])
        codes = _new_recovery_codes(user)
        audit.record(events.USER_SECOND_FACTOR_ENROLLED, subject=user, by=user, role="user")
    return codes


def verify(*, user: User, code: str) -> str:
    """Checks a code from the user's authenticator or one of their recovery codes; returns
    "totp" or "recovery". Raises NotAuthenticated (`second_factor_invalid`) otherwise."""
    code = "".join(code.split()).replace("-", "").lower()
    with transaction.atomic():
        _guard(user)
        device = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        # Six digits are the app's code; anything longer is a recovery code, which may be digits
        # alone (12 hex digits are, about one time in 280).
        if device is not None and len(code) == 6 and code.isdigit():
            step = _matching_step(device.secret, code, after=device.last_step)
            if step is not None:
                device.last_step = step
                device.save(update_fields=["last_step"])
                return "totp"
        elif code:
            used = RecoveryCode.objects.filter(user=user, digest=_digest(user, code), used_at__isnull=True).update(
                used_at=clock.system_now()
            )
            if used:
                audit.record(events.USER_RECOVERY_CODE_USED, subject=user, by=user, role="user")
                return "recovery"
    _failed(user)
    raise NotAuthenticated(_("Wrong or already used code."), code="second_factor_invalid")


def renew_recovery_codes(*, user: User) -> list[str]:
    """Ten fresh recovery codes, shown once, in place of the old ones (used or not), which stop
    working. Only for a user with an authenticator; the caller checked the second factor in
    this session."""
    with transaction.atomic():
        if not SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).exists():
            raise Conflict(_("Set up an authenticator app first."), code="no_second_factor")
        codes = _new_recovery_codes(user)
        audit.record(events.USER_RECOVERY_CODES_RENEWED, subject=user, by=user, role="user")
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def remove(*, user: User) -> None:
    """Removes the user's authenticator and recovery codes (not allowed for staff, who must
    keep one: they re-enrol instead)."""
    with transaction.atomic():
        SecondFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(events.USER_SECOND_FACTOR_REMOVED, subject=user, by=user, role="user")


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    code = code.strip()
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = clock.system_now().timestamp()
    current = int(now // STEP)
    for step in (current - 1, current, current + 1):
        if step > after and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_format(secrets.token_hex(6)) for _ in range(RECOVERY_CODES)]
    now = clock.system_now()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=_digest(user, code.replace("-", "")), created_at=now) for code in codes
    )
    return codes


def _format(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _digest(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.pk}:{code}".encode()).hexdigest()


def _guard(user: User) -> None:
    limit, window = settings.SECOND_FACTOR_RATE_LIMIT
    try:
        ratelimit.guard("second-factor", str(user.pk), limit=limit, window=window)
    except RateLimited as exc:
        raise RateLimited(
            _("Too many wrong codes. Try again in %(seconds)s seconds.") % {"seconds": exc.retry_after},
            retry_after=exc.retry_after,
        ) from None


def _failed(user: User) -> None:
    _, window = settings.SECOND_FACTOR_RATE_LIMIT
    ratelimit.count("second-factor", str(user.pk), window=window)


def current_code(secret: str, *, after: int = 0) -> str:
    """The code an authenticator with `secret` shows now, or for the next step if this one's
    code was already used (tests and the demo: one step ahead is still accepted)."""
    step = max(int(clock.system_now().timestamp() // STEP), after + 1)
    return pyotp.TOTP(secret).generate_otp(step)


def enrol_for_tests(user: User, secret: str | None = None) -> SecondFactor:
    """Gives `user` a confirmed authenticator without the enrolment pages (test factories, demo data)."""
    device, _created = SecondFactor.objects.update_or_create(
        user=user,
        defaults={
            "secret": secret or pyotp.random_base32(),
            "pending_secret": "",
            "created_at": clock.system_now(),
            "confirmed_at": clock.system_now(),
            "last_step": 0,
        },
    )
    return device
