"""A person's data on request: everything Parley holds about them as JSON (`export_user`), and
erasure (`erase_user`) that anonymises the person while the records the law requires stay.

What erasure keeps: ledger accounts and lines, orders, disputes, proposals, evidence, chat and
ticket messages and the audit trail, all of them case and accounting records a marketplace must
keep (docs/privacy.md). They point to the same user row, which no longer names anyone: the
username becomes `erased-<public id>`, e-mail and names are emptied, the password is unusable,
the account inactive. What goes: API tokens, sessions, notifications, and e-mails to the person
not yet sent (sent ones lose their address and body).

Erasure is refused while money or a case is open: a balance in the wallet, or an order that has
not reached its end. The person (or staff) first withdraws or finishes those.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import events as accounts_events
from accounts.models import ApiToken, RecoveryCode, SecondFactor, User
from catalog.models import Listing
from chat.models import Message
from core import audit, clock
from core.errors import Conflict
from core.models import AuditEvent
from disputes.models import Dispute, Evidence, Proposal
from ledger.models import Account, Entry, Hold
from ledger.queries import in_debt
from notifications.models import Notification, OutboundEmail
from orders.models import Order
from orders.states import FINAL_STATUSES
from tickets.models import Ticket, TicketMessage

EXPORT_VERSION = 1


def _rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in queryset.values(*fields)]


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def export_user(user: User) -> dict[str, Any]:
    """Everything Parley holds about `user`, in one JSON-ready dictionary."""
    orders = Order.objects.filter(Q(buyer=user) | Q(seller=user)).order_by("id")
    accounts = Account.objects.filter(user=user).order_by("id")
    return {
        "format": "parley-user-export",
        "version": EXPORT_VERSION,
        "generated_at": clock.now().isoformat(),
        "profile": {
            "id": user.public_id,
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "is_staff": user.is_staff,
            "is_active": user.is_active,
            "date_joined": _plain(user.date_joined),
            "last_login": _plain(user.last_login),
            "email_verified_at": _plain(user.email_verified_at),
            "second_factor": SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists(),
        },
        "api_tokens": _rows(
            ApiToken.objects.filter(user=user).order_by("id"),
            "prefix",
            "label",
            "created_at",
            "last_used_at",
            "revoked_at",
        ),
        "listings": _rows(Listing.objects.filter(seller=user).order_by("id"), "public_id", "title", "created_at"),
        "orders": [
            {
                "id": order.public_id,
                "role": "buyer" if order.buyer_id == user.pk else "seller",
                "status": order.status,
                "price": order.price_amount,
                "fee": order.fee_amount,
                "currency": order.currency,
                "placed_at": _plain(order.placed_at),
                "delivery_note": order.delivery_note,
            }
            for order in orders
        ],
        "messages": _rows(
            Message.objects.filter(author=user).order_by("id"), "public_id", "channel", "body", "created_at"
        ),
        "disputes": _rows(
            Dispute.objects.filter(order__in=orders).order_by("id"),
            "public_id",
            "status",
            "reason",
            "description",
            "opened_at",
        ),
        "proposals": _rows(
            Proposal.objects.filter(author=user).order_by("id"), "public_id", "kind", "status", "note", "created_at"
        ),
        "evidence": _rows(
            Evidence.objects.filter(uploaded_by=user).order_by("id"),
            "public_id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "created_at",
        ),
        "tickets": _rows(
            Ticket.objects.filter(owner=user).order_by("id"), "public_id", "subject", "status", "created_at"
        ),
        "ticket_messages": _rows(
            TicketMessage.objects.filter(author=user, internal=False).order_by("id"), "public_id", "body", "created_at"
        ),
        "notifications": _rows(
            Notification.objects.filter(user=user).order_by("id"), "code", "title", "body", "created_at", "read_at"
        ),
        "wallets": [
            {
                "currency": account.currency,
                "balance": account.balance,
                "entries": _rows(
                    Entry.objects.filter(account=account).order_by("id"),
                    "transaction__public_id",
                    "transaction__kind",
                    "amount",
                    "currency",
                    "transaction__created_at",
                ),
            }
            for account in accounts
            if account.kind == Account.Kind.WALLET
        ],
        "activity": _rows(
            AuditEvent.objects.filter(actor=user).order_by("id"), "code", "actor_role", "subject_type", "created_at"
        ),
    }


def erasure_blockers(user: User) -> list[str]:
    """Why `user` cannot be erased yet; empty when they can."""
    blockers = []
    held = Account.objects.filter(user=user, kind=Account.Kind.WALLET).exclude(balance=0)
    blockers += [f"the {a.currency} wallet holds {a.balance} (minor units): withdraw it first" for a in held]
    # Money on its way to or from the wallet would land on an account nobody can use again.
    on_the_way = Account.objects.filter(user=user, kind__in=[Account.Kind.HELD, Account.Kind.WITHDRAWING]).exclude(
        balance=0
    )
    blockers += [f"{a.balance} {a.currency} (minor units) is still {a.kind}: wait until it settles" for a in on_the_way]
    if Hold.objects.filter(user=user, status__in=Hold.OPEN_STATUSES).exists():
        blockers.append("proceeds are still held (a payout hold or a warranty)")
    if in_debt(user):
        blockers.append("a chargeback left a debt that is not repaid")
    open_orders = Order.objects.filter(Q(buyer=user) | Q(seller=user)).exclude(status__in=FINAL_STATUSES)
    if open_orders.exists():
        blockers.append(f"{open_orders.count()} order(s) have not ended")
    return blockers


def erase_user(*, user_id: int, by: User) -> User:
    """Anonymises the person; keeps every ledger line and case record (see the module's doc)."""
    if not by.is_staff:
        from core.errors import Forbidden

        raise Forbidden(_("Only the administration can erase an account."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.username.startswith("erased-"):
            return user
        if user.pk == by.pk:
            raise Conflict(_("Staff cannot erase their own account."), code="erasure_blocked")
        blockers = erasure_blockers(user)
        if blockers:
            raise Conflict("The account cannot be erased yet: " + "; ".join(blockers) + ".", code="erasure_blocked")
        address = user.email
        user.username = f"erased-{user.public_id}"
        user.email = ""
        user.first_name = user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.save()
        ApiToken.objects.filter(user=user).delete()
        SecondFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        Notification.objects.filter(user=user).delete()
        if address:
            OutboundEmail.objects.filter(to=address, status=OutboundEmail.Status.PENDING).delete()
            OutboundEmail.objects.filter(to=address).update(to="erased@parley.invalid", body="", subject="(erased)")
        end_sessions(user)
        audit.record(accounts_events.USER_ERASED, subject=user, by=by, role=AuditEvent.ActorRole.STAFF)
    return user


def end_sessions(user: User) -> int:
    """Ends every web session of `user` (sessions are signed blobs, so each is decoded)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=clock.system_now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended
