"""Every write of integrations: keys, provisioned users, login links."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import events as accounts_events
from accounts.models import User
from core import audit, clock
from core.actors import Actor, SystemActor
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from integrations import metadata as meta
from integrations import scopes as scope_names
from integrations.models import ApiKey, LoginLink
from integrations.queries import SECRET_PREFIX, digest

LOGIN_LINK_TTL = timedelta(minutes=5)
KEY_ACTOR = SystemActor(rule="api_key")


def create_key(*, name: str, scopes: list[str] | None, by: Actor) -> tuple[ApiKey, str]:
    """Creates a key and returns it with its secret, which is never shown again."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(
            _("A key needs a name of 1 to 100 characters."), fields={"name": ["1 to 100 characters"]}
        )
    chosen = list(scope_names.DEFAULT) if scopes is None else list(dict.fromkeys(scopes))
    unknown = [s for s in chosen if s not in scope_names.ALL]
    if unknown:
        raise ValidationFailed(
            _("Unknown scope %(value)s; the scopes are %(join)s.")
            % {"value": f"{unknown[0]!r}", "join": ", ".join(scope_names.ALL)},
            fields={"scopes": [f"unknown scope {s!r}" for s in unknown]},
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name,
            scopes=chosen,
            digest=digest(secret),
            prefix=secret[:10],
            created_by=None if isinstance(by, SystemActor) else by,
            created_at=clock.now(),
        )
        audit.record("api_key.created", subject=key, by=by, role="staff", data={"key_id": key.public_id})
    return key, secret


def revoke_key(*, key: ApiKey, by: Actor) -> ApiKey:
    """Revokes `key`: the next request made with it is refused. Revoking twice changes nothing."""
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = clock.now()
            locked.save(update_fields=["revoked_at"])
            audit.record("api_key.revoked", subject=locked, by=by, role="staff", data={"key_id": locked.public_id})
    return locked


def touch(*, key: ApiKey) -> None:
    """Stamps `last_used_at` (at most once a minute, so a busy key costs no write per request)."""
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def provision_user(
    *, key: ApiKey, external_id: str, email: str, display_name: str = "", metadata: dict[str, str] | None = None
) -> User:
    """Creates a user for the marketplace's `external_id`, with no usable password. 409
    `external_id_taken` (with `existing_id`) when one exists."""
    external_id = external_id.strip()
    fields: dict[str, list[str]] = {}
    if not 1 <= len(external_id) <= 200:
        fields["external_id"] = ["1 to 200 characters"]
    try:
        validate_email(email)
    except ValidationError as exc:
        fields["email"] = list(exc.messages)
    if fields:
        raise ValidationFailed(_("Some fields are not valid."), fields=fields)
    checked = meta.checked(metadata)
    try:
        with transaction.atomic(), audit.via_key(key.label):
            user = User(
                username=_free_username(email),
                email=email,
                external_id=external_id,
                display_name=display_name.strip()[:150],
                metadata=checked,
                # The marketplace vouches for the address: it is not verified again.
                email_verified_at=clock.now(),
            )
            user.set_unusable_password()
            user.save()
            audit.record(accounts_events.USER_PROVISIONED, subject=user, by=KEY_ACTOR, role="system")
    except IntegrityError:
        existing = User.objects.filter(external_id=external_id).values_list("public_id", flat=True).first()
        if existing is None:
            raise
        raise Conflict(
            _("A user with this external_id exists."), code="external_id_taken", existing_id=existing
        ) from None
    return user


def _free_username(email: str) -> str:
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0])[:30] or "user"
    name = base
    while User.objects.filter(username__iexact=name).exists():
        name = f"{base}-{secrets.token_hex(3)}"
    return name


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str
    link: LoginLink


def create_login_link(*, key: ApiKey, user: User, next_path: str | None) -> IssuedLink:
    """A one-time login link for `user`, valid for `LOGIN_LINK_TTL`, leading to `next_path` (a
    path of this site; 422 otherwise)."""
    target = next_path or "/"
    if not is_local_path(target):
        raise ValidationFailed(
            _("'next' must be a path of this site, like /orders/ord_…."), fields={"next": ["a path of this site"]}
        )
    if not user.is_active:
        raise Forbidden(_("This user is suspended."))
    if user.is_staff and scope_names.STAFF not in key.scopes:
        # A link would hand the browser a staff session: no more than acting for staff allows.
        raise Forbidden(_("This API key may not log in staff members (scope 'staff')."))
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic(), audit.via_key(key.label):
        link = LoginLink.objects.create(
            digest=digest(token),
            user=user,
            key=key,
            next_path=target,
            created_at=now,
            expires_at=now + LOGIN_LINK_TTL,
        )
        audit.record(accounts_events.USER_LOGIN_LINK_CREATED, subject=user, by=KEY_ACTOR, role="system")
    return IssuedLink(token=token, link=link)


def is_local_path(path: str) -> bool:
    """A path on this site: starts with one slash, names no scheme or host, no backslash."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 2000:
        return False
    if any(ord(c) < 32 for c in path):
        return False
    return url_has_allowed_host_and_scheme(path, allowed_hosts=None, require_https=False)


def use_login_link(*, token: str) -> LoginLink:
    """Spends the link: the caller logs its user in. Refused (404) when unknown, used, expired,
    or its user is suspended; never usable twice, even by two requests at once."""
    with transaction.atomic():
        link = LoginLink.objects.select_for_update().select_related("user").filter(digest=digest(token)).first()
        if link is None:
            raise NotFound(_("This login link is not valid."), code="login_link_invalid")
        if link.used_at is not None:
            raise NotFound(_("This login link was already used."), code="login_link_used")
        if link.expires_at <= clock.now():
            raise NotFound(_("This login link has expired."), code="login_link_expired")
        if not link.user.is_active:
            raise Forbidden(_("This account is suspended."))
        link.used_at = clock.now()
        link.save(update_fields=["used_at"])
    return link
