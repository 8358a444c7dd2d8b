"""The order's transition table (PRODUCT.md §3). Actions enforce it; `allowed_actions` and the
pages read it."""

from __future__ import annotations

from core.transitions import Transition

T = Transition.of

TRANSITIONS: dict[str, Transition] = {
    "deliver": T(["paid"], "delivered", ["seller"]),
    "confirm": T(["delivered"], "completed", ["buyer"]),
    # The buyer may cancel too, once the delivery is overdue (`orders.verdicts._buyer_cancel`).
    "cancel": T(["paid"], "cancelled", ["seller", "staff", "buyer"]),
    "auto_cancel": T(["paid"], "cancelled", ["system"]),
    # Also from `completed` during a warranty, for a `warranty_reasons` reason: an exception
    # to the table that `orders.verdicts._warranty_dispute` grants while the proceeds are held.
    "open_dispute": T(["paid", "delivered"], "disputed", ["buyer"]),
    "auto_complete": T(["delivered"], "completed", ["system"]),
    # Settling a dispute ends the order; the target follows from the money moved. Who may
    # settle is the dispute's business (its own table); here only the state is checked.
    "settle_dispute": T(["disputed"], None, ["system", "buyer", "seller", "staff"]),
    "message": T(
        ["paid", "delivered", "disputed", "completed", "refunded", "partially_refunded", "cancelled"],
        None,
        ["buyer", "seller", "staff"],
    ),
}

# The actions a person can take on an order page, in the order the page shows them.
PERSON_ACTIONS = ("deliver", "confirm", "open_dispute", "cancel")

FINAL_STATUSES = frozenset({"completed", "refunded", "partially_refunded", "cancelled"})
