"""Every write to accounts: sign-up, API tokens, rate-limited log-in, suspension."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import events, login, recovery, usernames
from accounts.models import ApiToken, User
from core import audit, clock, ratelimit
from core.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from core.text import clean_text

TOKEN_PREFIX = "pk_"


def sign_up(*, username: str, password: str, email: str) -> User:
    """Creates a user. Refuses taken usernames, invalid e-mail and weak passwords."""
    if not settings.SIGNUP_OPEN:
        raise Forbidden(_("Sign-up is switched off on this deployment."), code="signup_closed")
    fields: dict[str, list[str]] = {}
    username = usernames.normalise(username)
    username_field = User._meta.get_field("username")
    try:
        username_field.clean(username, None)
    except ValidationError as exc:
        fields["username"] = list(exc.messages)
    else:
        if refused := usernames.problems(username):
            fields["username"] = refused
    try:
        validate_email(email)
    except ValidationError as exc:
        fields["email"] = list(exc.messages)
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        fields["password"] = list(exc.messages)
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)
    try:
        with transaction.atomic():
            if User.objects.filter(username__iexact=username).exists():
                raise IntegrityError
            user = User.objects.create_user(username=username, email=email, password=password)
            audit.record(events.USER_SIGNED_UP, subject=user, by=user, role="user")
            recovery.send_verification(user)
    except IntegrityError:
        raise Conflict(_("That username is taken."), code="username_taken") from None
    return user


def check_login(*, username: str, password: str, client: str) -> User:
    """Checks a username and password, rate-limited as `accounts.login` describes: per
    (username, address) pair, per username with a growing delay that never refuses an address
    which has not failed, and successful log-ins per username."""
    username = usernames.normalise(username)
    login.before_check(username=username, client=client)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        login.failed(username=username, client=client)
        suspended = User.objects.filter(username=username, is_active=False).first()
        if suspended is not None and suspended.check_password(password):
            # The right password: saying why is no leak, and the statement of reasons went out.
            raise Forbidden(
                _("This account is suspended. The administration sent you the reasons by e-mail."),
                code="account_suspended",
            )
        raise NotAuthenticated(_("Wrong username or password."), code="invalid_credentials")
    assert isinstance(user, User)
    login.succeeded(username=username)
    return user


def issue_token(*, user: User, label: str = "", second_factor: bool = False) -> str:
    """Creates an API token for `user` and returns it; only its digest is kept. `second_factor`
    says a second factor was checked for it: only then does a staff member's token carry staff
    rights (`api.auth`)."""
    limit, window = settings.TOKEN_RATE_LIMIT
    ratelimit.guard("token", str(user.pk), limit=limit, window=window)
    ratelimit.count("token", str(user.pk), window=window)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=token_digest(token),
        prefix=token[:10],
        label=label[:100],
        second_factor=second_factor,
        created_at=clock.now(),
        # Real time, not the test clock: a credential's life is not a business deadline.
        expires_at=clock.system_now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token


def revoke_token(*, token_id: str, by: User) -> ApiToken:
    """The owner revokes one of their tokens; it answers 401 from now on. Revoking twice is
    harmless (the first time stays recorded)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(public_id=token_id, user=by).first()
        if token is None:
            raise NotFound(_("No such token of yours."))
        if token.revoked_at is None:
            token.revoked_at = clock.system_now()
            token.save(update_fields=["revoked_at"])
            audit.record(events.TOKEN_REVOKED, subject=by, by=by, role="user", data={"token": token.public_id})
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Suspension (PRODUCT.md §14) ------------------------------------------------------------------

SUSPENSION_REASON_LIMIT = 2000


def suspend(*, user_id: int, by: User, reason: str) -> User:
    """Staff suspend a user, with a reason the user receives as a statement of reasons.

    In one transaction: locks the user's row (FOR NO KEY UPDATE: orders being placed with them
    hold a share lock on it, so this waits for them and later ones see the suspension), sets
    `is_active = False` (tokens, sessions and keys acting for them stop working on the next
    request), writes `user.suspended`, and applies the consequences to their listings, orders
    and disputes, each on its own timeline. Their money is not touched."""
    return _set_suspended(user_id=user_id, by=by, reason=reason, suspended=True)


def reinstate(*, user_id: int, by: User, reason: str) -> User:
    """Staff lift a suspension; what can be undone is undone (listings are listed again, held
    payouts resume). Escalated disputes stay with the administration; cancelled orders stay
    cancelled. Same lock and transaction as `suspend`."""
    return _set_suspended(user_id=user_id, by=by, reason=reason, suspended=False)


def _set_suspended(*, user_id: int, by: User, reason: str, suspended: bool) -> User:
    from accounts import suspension

    reason = clean_text(reason, "reason", required=True, limit=SUSPENSION_REASON_LIMIT)
    with transaction.atomic():
        user = _lock_for_staff(user_id=user_id, by=by, verb="suspend" if suspended else "reinstate")
        if user.is_active != suspended:
            raise Conflict(
                (_("%(username)s is already suspended.") if suspended else _("%(username)s is not suspended."))
                % {"username": user.username},
                code="already_suspended" if suspended else "not_suspended",
            )
        user.is_active = not suspended
        user.save(update_fields=["is_active"])
        effects = suspension.apply(user, by=by) if suspended else suspension.undo(user, by=by)
        code = "user.suspended" if suspended else "user.reinstated"
        audit.record(code, subject=user, by=by, role="staff", data={"reason": reason, **effects})
        suspension.tell(user, reason=reason, effects=effects, suspended=suspended)
    return user


def _lock_for_staff(*, user_id: int, by: User, verb: str) -> User:
    if not (by.is_staff and by.is_active):
        raise Forbidden(_("Only the administration can do this."))
    if by.pk == user_id:
        raise Forbidden(_("You cannot %(verb)s yourself; ask another member of the administration.") % {"verb": verb})
    user = User.objects.select_for_update(no_key=True).filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such user."))
    return user
