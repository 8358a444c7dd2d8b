"""What the database holds, in a form two moments can be compared by: a refused action must
leave every count, balance and status exactly as it found them."""

from __future__ import annotations

from typing import Any

from django.db import connection

from chat.models import Message
from core.models import AuditEvent, Deadline
from ledger.models import Account, Entry, Transaction
from notifications.models import Notification, OutboundEmail
from orders.models import Order

WRITTEN_BY_ACTIONS: tuple[type[Any], ...] = (
    Transaction,
    Entry,
    Account,
    Order,
    AuditEvent,
    Notification,
    OutboundEmail,
    Deadline,
    Message,
)


def row_counts() -> dict[str, int]:
    """Rows in every table an action writes, in one round trip."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in WRITTEN_BY_ACTIONS]
    # Table names come from our own models' metadata, quoted: nothing here comes from outside.
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {model.__name__: count for model, count in zip(WRITTEN_BY_ACTIONS, row, strict=True)}


def snapshot() -> dict[str, Any]:
    """Row counts of every table an action writes, every cached balance, every order's status
    and every deadline's status."""
    return {
        "counts": row_counts(),
        "balances": dict(Account.objects.values_list("key", "balance")),
        "orders": dict(Order.objects.values_list("pk", "status")),
        "deadlines": dict(Deadline.objects.values_list("pk", "status")),
    }
