"""Password reset and e-mail verification, both by a link sent through the e-mail outbox (the
worker sends it; nothing is mailed inside a request).

Password reset: `request_reset` answers the same whether or not an account has the address (no
enumeration) and is rate-limited per address and per e-mail. The link carries Django's
password-reset token: it expires after `PASSWORD_RESET_TIMEOUT` seconds and works once, since
it is bound to the password hash and the last log-in, which the reset changes. Users without a
usable password (provisioned by a marketplace; they log in through its login links) get no link.
A reset does not log the person in, so a second factor is still asked at the next log-in.

E-mail verification: a signed link (`django.core.signing`, salted) naming the user and the
address; it proves the address only while it is still the user's. Sign-up and every change of
address send one. Unverified users see a banner; they may do everything else (money moves
are guarded by the escrow, not by the address), and provisioned users' addresses are the
marketplace's word, verified on creation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import events
from accounts.models import User
from core import audit, clock, ratelimit
from core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from notifications.links import absolute
from notifications.models import OutboundEmail

VERIFY_SALT = "parley.accounts.email-verification"


def _mail(to: str, subject: str, body: str) -> None:
    now = clock.now()
    OutboundEmail.objects.create(
        to=to, subject=f"[Parley] {subject}"[:200], body=body, next_attempt_at=now, created_at=now
    )


# Password reset ------------------------------------------------------------------------------


def request_reset(*, email: str, client: str) -> None:
    """Queues a reset link to every active account with this address that has a password."""
    email = email.strip()
    limit, window = settings.PASSWORD_RESET_RATE_LIMIT
    try:
        for scope, ident in (("reset-client", client), ("reset-email", email.lower())):
            ratelimit.guard(scope, ident, limit=limit, window=window)
    except RateLimited as exc:
        raise RateLimited(
            _("Too many reset requests. Try again in %(seconds)s seconds.") % {"seconds": exc.retry_after},
            retry_after=exc.retry_after,
        ) from None
    ratelimit.count("reset-client", client, window=window)
    ratelimit.count("reset-email", email.lower(), window=window)
    with transaction.atomic():
        for user in User.objects.filter(email__iexact=email, is_active=True):
            if not user.has_usable_password():
                continue
            link = absolute(reverse("web:password_reset_confirm", args=[reset_uid(user), reset_token(user)]))
            _mail(
                user.email,
                _("Reset your password"),
                "\n".join(
                    [
                        _("Hello %(name)s,") % {"name": user.username},
                        "",
                        _("Someone asked to reset the password of your Parley account. To choose a new one, open:"),
                        link,
                        "",
                        _("The link works once, within an hour. If it was not you, ignore this e-mail."),
                    ]
                ),
            )
            audit.record(events.USER_PASSWORD_RESET_REQUESTED, subject=user, by=user, role="user")


def reset_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def reset_token(user: User) -> str:
    return default_token_generator.make_token(user)


def user_for_reset(uid: str, token: str) -> User:
    """The user a reset link is for, or NotFound when it is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        pk = None
    user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if user is None or not default_token_generator.check_token(user, token):
        raise NotFound(_("This reset link is not valid: it was used already, has expired or was mistyped."))
    return user


def reset_password(*, uid: str, token: str, password: str) -> User:
    """Sets a new password through a reset link; the link stops working (the password hash it
    is bound to changed) and so do the person's other web sessions."""
    with transaction.atomic():
        user = user_for_reset(uid, token)
        user = User.objects.select_for_update().get(pk=user.pk)
        if not default_token_generator.check_token(user, token):
            raise NotFound(_("This reset link is not valid: it was used already, has expired or was mistyped."))
        _set_password(user, password, event=events.USER_PASSWORD_RESET)
    return user


def change_password(*, user: User, current: str, password: str) -> User:
    """A signed-in person's new password, given their current one. As after a reset, the
    person's other web sessions stop working (the password hash they are bound to changed); the
    caller keeps its own (`update_session_auth_hash`). Tries of the current password are
    counted per person like log-ins, so an open session is no way to try passwords."""
    _count_password_try(user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _require_current_password(locked, current)
        _set_password(locked, password, event=events.USER_PASSWORD_CHANGED)
    user.password = locked.password
    return locked


def _set_password(user: User, password: str, *, event: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(_("Choose another password."), fields={"password": list(exc.messages)}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(event, subject=user, by=user, role="user")


def _count_password_try(user: User) -> None:
    """Tries of a signed-in person's current password count like log-ins, counted and checked
    in one atomic step before the password is, so parallel guesses each count."""
    ratelimit.hit(
        "password-check", str(user.pk), limit=settings.LOGIN_ATTEMPT_LIMIT, window=settings.LOGIN_RATE_LIMIT[1]
    )


def _require_current_password(user: User, current: str) -> None:
    if not user.check_password(current):
        raise ValidationFailed(_("That is not your current password."), fields={"current": [_("Wrong password.")]})


# E-mail verification -------------------------------------------------------------------------


def send_verification(user: User) -> None:
    """Queues a verification link for the user's current address."""
    if not user.email:
        return
    token = signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=VERIFY_SALT, compress=True)
    link = absolute(reverse("web:verify_email", args=[token]))
    _mail(
        user.email,
        _("Confirm your e-mail address"),
        "\n".join(
            [
                _("Hello %(name)s,") % {"name": user.username},
                "",
                _("Please confirm that this is your address by opening:"),
                link,
                "",
                _("If you did not sign up for Parley, ignore this e-mail."),
            ]
        ),
    )


def verify_email(token: str) -> User:
    """Marks the address a link names as verified, if it is still the user's."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.BadSignature:
        raise NotFound(_("This verification link is not valid or has expired; ask for a new one.")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u")).first()
        if user is None or user.email.lower() != data.get("e"):
            raise NotFound(_("This link is for an address the account no longer has."))
        if user.email_verified_at is None:
            user.email_verified_at = clock.now()
            user.save(update_fields=["email_verified_at"])
            audit.record(events.USER_EMAIL_VERIFIED, subject=user, by=user, role="user")
    return user


def change_email(*, user: User, email: str, current: str = "") -> User:
    """The user changes their address: it is unverified until the link sent to it is opened.
    A person with a password gives it (tried as often as a log-in): an open session alone must
    not be enough to move the account, and its password resets, to another address. The old
    address is told."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(_("Some fields are not valid."), fields={"email": list(exc.messages)}) from None
    if user.has_usable_password():
        _count_password_try(user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.has_usable_password():
            _require_current_password(locked, current)
        if locked.email.lower() == email.lower():
            raise Conflict(_("That is already your address."), code="same_email")
        old = locked.email
        locked.email = email
        locked.email_verified_at = None
        locked.save(update_fields=["email", "email_verified_at"])
        audit.record(events.USER_EMAIL_CHANGED, subject=locked, by=locked, role="user")
        send_verification(locked)
        if old:
            _mail(
                old,
                _("Your e-mail address was changed"),
                _(
                    "The e-mail address of your account %(username)s was changed to %(email)s. If you "
                    "did not change it, reset your password now and tell the support team."
                )
                % {"username": locked.username, "email": email},
            )
    user.email, user.email_verified_at = locked.email, None
    return locked
