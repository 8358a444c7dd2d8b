"""Seeding a large deadline storm in bulk (PostgreSQL): N delivered orders whose auto-complete
deadlines fall due together, written by `INSERT ... SELECT` copies of one template order.

The template is placed and delivered through the real actions; each copy gets its own order row
(buyer and seller spread over the cast), its own escrow holding the order's total, a funding
transaction with the template's two entries (the buyer's wallet to the escrow, so every wallet's
cached balance still equals its entries and the ledger check holds), and its own auto-complete
deadline due when the template's is. Copies have no audit events, notifications or reminders
of their placing and delivery: only what the completion reads and writes. Columns are copied
from the template by the model's own field list, so a column added later is copied too."""

from __future__ import annotations

from typing import Any

from django.db import connection, models, transaction

from bench.cast import Cast
from core import deadlines
from core.models import Deadline
from ledger.models import Account, Entry, Transaction
from orders import actions as orders
from orders.models import Order

PREFIX = "storm"


def _copy(model: type[models.Model], *, overrides: dict[str, str], source: str, where: str) -> str:
    """`INSERT INTO <model> (...) SELECT ...`: every concrete column but the key, from `t.<column>`
    unless overridden by an SQL expression."""
    quote = connection.ops.quote_name
    columns = [str(f.column) for f in model._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(column, f"t.{quote(column)}") for column in columns]
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source} WHERE {where}"
    )


def _template(cast: Cast) -> tuple[Order, Deadline, Transaction]:
    listing = cast.listing(0)
    with transaction.atomic():
        order = orders.place_order(by=cast.buyer(0), listing_id=listing.pk)
        orders.deliver(order_id=order.pk, by=listing.seller, note="KEY-1234")
        deadlines.cancel(subject=order, kinds=[orders.GUARANTEE_REMINDER], reason="bulk storm: completions only")
    due = Deadline.objects.get(subject_type="order", subject_id=order.pk, kind=orders.AUTO_COMPLETE)
    funding = Transaction.objects.get(order_id=order.pk, kind=Transaction.Kind.ORDER_FUNDED)
    return order, due, funding


def delivered_orders(cast: Cast, n: int) -> list[int]:
    """The ids of `n` delivered orders (the template and n - 1 copies), due together."""
    template, due, funding = _template(cast)
    copies = n - 1
    buyers = [b.pk for b in cast.buyers]
    wallets = [Account.objects.get(key=f"wallet:{pk}:{template.currency}").pk for pk in buyers]
    sellers = [listing.seller_id for listing in cast.listings]
    listings = [listing.pk for listing in cast.listings]
    total = template.price_amount + template.fee_amount
    entries = list(Entry.objects.filter(transaction=funding).values("account_id", "amount"))
    escrow_id = Account.objects.get(key=f"escrow:{template.pk}").pk
    params: dict[str, Any] = {
        "n": copies,
        "t": template.pk,
        "buyers": buyers,
        "sellers": sellers,
        "listings": listings,
    }
    order_ids = f"SELECT id FROM orders_order WHERE public_id LIKE 'ord_{PREFIX}%%'"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            _copy(
                Order,
                overrides={
                    "public_id": f"'ord_{PREFIX}' || g",
                    "buyer_id": "(%(buyers)s::bigint[])[1 + g %% cardinality(%(buyers)s::bigint[])]",
                    "seller_id": "(%(sellers)s::bigint[])[1 + g %% cardinality(%(sellers)s::bigint[])]",
                    "listing_id": "(%(listings)s::bigint[])[1 + g %% cardinality(%(listings)s::bigint[])]",
                },
                source="orders_order t, generate_series(1, %(n)s) g",
                where="t.id = %(t)s",
            ),
            params,
        )
        subject = "t.subject_id = %(t)s AND t.id = %(due)s"
        cur.execute(
            _copy(
                Deadline,
                overrides={"subject_id": "o.id", "case_id": "o.id" if due.case_id == template.pk else "t.case_id"},
                source=f"core_deadline t, ({order_ids}) o",
                where=subject,
            ),
            params | {"due": due.pk},
        )
        cur.execute(
            _copy(
                Account,
                overrides={"key": "'escrow:' || o.id", "order_id": "o.id"},
                source=f"ledger_account t, ({order_ids}) o",
                where="t.id = %(escrow)s",
            ),
            params | {"escrow": escrow_id},
        )
        key = "NULL" if funding.unique_key is None else f"replace(t.unique_key, ':{template.pk}:', ':' || o.id || ':')"
        cur.execute(
            _copy(
                Transaction,
                overrides={"public_id": "'txn_' || o.public_id", "order_id": "o.id", "unique_key": key},
                source=f"ledger_transaction t, (SELECT id, public_id FROM orders_order WHERE id IN ({order_ids})) o",  # noqa: S608
                where="t.id = %(funding)s",
            ),
            params | {"funding": funding.pk},
        )
        for entry in entries:
            account = "e.id" if entry["account_id"] == escrow_id else "w.id"
            cur.execute(
                _copy(
                    Entry,
                    overrides={"transaction_id": "x.id", "account_id": account},
                    source=(
                        "ledger_entry t, ledger_transaction x JOIN orders_order o ON o.id = x.order_id "
                        "JOIN ledger_account e ON e.key = 'escrow:' || o.id "
                        "JOIN ledger_account w ON w.key = 'wallet:' || o.buyer_id || ':' || o.currency"
                    ),
                    where=f"t.transaction_id = %(funding)s AND t.account_id = %(account)s "
                    f"AND x.public_id LIKE 'txn_ord_{PREFIX}%%'",
                ),
                params | {"funding": funding.pk, "account": entry["account_id"]},
            )
        cur.execute(
            "UPDATE ledger_account a SET balance = a.balance - %(total)s * c.n FROM "  # noqa: S608
            f"(SELECT buyer_id, count(*) AS n FROM orders_order WHERE id IN ({order_ids}) GROUP BY buyer_id) c "
            "WHERE a.id = ANY(%(wallets)s) AND a.user_id = c.buyer_id",
            params | {"total": total, "wallets": wallets},
        )
        cur.execute(order_ids)
        ids = [template.pk, *(row[0] for row in cur.fetchall())]
    with connection.cursor() as cur:
        for table in ("orders_order", "core_deadline", "ledger_account", "ledger_transaction", "ledger_entry"):
            cur.execute(f"ANALYZE {table}")
    return ids
