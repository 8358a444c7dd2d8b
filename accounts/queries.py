from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.actions import token_digest
from accounts.models import ApiToken, User
from core import clock
from core.errors import NotFound
from core.lookups import by_unique_key
from core.models import AuditEvent
from core.money import Money

SUSPENSION_EVENTS = ("user.suspended", "user.reinstated")


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    found = live_token(token)
    return found.user if found else None


def live_token(token: str) -> ApiToken | None:
    """The unrevoked, unexpired token of an active user (with the user), or None."""
    return by_unique_key(
        ApiToken.objects.select_related("user").filter(
            digest=token_digest(token),
            revoked_at__isnull=True,
            expires_at__gt=clock.system_now(),
            user__is_active=True,
        )
    )


def staff_member(username: str) -> User | None:
    """The active staff member with this username, or None."""
    return User.objects.filter(username=username, is_staff=True, is_active=True).first()


def still_active(user_id: int) -> bool:
    """Whether the user is active, holding a share lock on their row until the transaction ends
    (PostgreSQL): a suspension, which takes the row's update lock, waits for the orders being
    placed with them, and an order placed after it waits for it and then sees it. Share locks
    do not block each other, so a seller's buyers never queue behind one another."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT is_active FROM {User._meta.db_table} WHERE id = %s FOR SHARE", [user_id])  # noqa: S608
            row = cursor.fetchone()
        return bool(row and row[0])
    return User.objects.filter(pk=user_id, is_active=True).exists()


def get_user(public_id: str) -> User:
    """Any user by public id (for the administration), or "not found"."""
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_users(text: str, *, limit: int = 50) -> list[User]:
    """Users whose username or e-mail contains `text`, or whose public id it is; suspended first."""
    text = text.strip()[:254]
    if not text:
        return []
    qs = User.objects.filter(Q(username__icontains=text) | Q(email__icontains=text) | Q(public_id=text))
    return list(qs.order_by("is_active", "username")[:limit])


def suspended_users(*, limit: int = 50) -> list[User]:
    return list(User.objects.filter(is_active=False).order_by("username")[:limit])


def status_of(user: User) -> str:
    """`active` or `suspended` (API.md): a suspended user is exactly one with `is_active` off."""
    return "active" if user.is_active else "suspended"


def suspension_history(user: User) -> list[AuditEvent]:
    """Every suspension and reinstatement of the user, newest first, with who and why."""
    return list(
        AuditEvent.objects.filter(subject_type="user", subject_id=user.pk, code__in=SUSPENSION_EVENTS)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class Exposure:
    """What a suspension of this user touches now: the counts the staff page lists beside each
    consequence before anyone presses the button."""

    listings: int
    undelivered_sales: int
    delivered_sales: int
    open_purchases: int
    open_disputes: int
    balances: list[Money]


def exposure_of(user: User) -> Exposure:
    from catalog.models import Listing
    from disputes.models import Dispute
    from ledger import queries as ledger_queries
    from orders.models import Order

    sales = Order.objects.filter(seller=user)
    return Exposure(
        listings=Listing.objects.filter(seller=user, is_active=True).count(),
        undelivered_sales=sales.filter(status=Order.Status.PAID).count(),
        delivered_sales=sales.filter(status=Order.Status.DELIVERED).count(),
        open_purchases=Order.objects.filter(buyer=user, status__in=Order.OPEN_STATUSES).count(),
        open_disputes=Dispute.objects.filter(Q(order__buyer=user) | Q(order__seller=user))
        .exclude(status=Dispute.Status.RESOLVED)
        .count(),
        balances=ledger_queries.wallet_balances(user),
    )


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first (revoked and expired ones included, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
