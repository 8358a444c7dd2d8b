"""The audit events of the domain: each code named once, beside the sentence it reads as on a
timeline (`core.timeline.event`); actions record it by that name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.timeline import event, vocabulary
from orders.models import Order

ORDER_PLACED = event(
    "order.placed", _("{actor} placed the order and paid {price} plus a {fee} service fee into escrow")
)
ORDER_DELIVERED = event("order.delivered", _("{actor} marked the order delivered"))
ORDER_CONFIRMED = event("order.confirmed", _("{actor} confirmed delivery"))
ORDER_AUTO_COMPLETED = event(
    "order.auto_completed", _("The guarantee window ended without confirmation or dispute; the order completed")
)
ORDER_CANCELLED = event("order.cancelled", _("{actor} cancelled the order"))
ORDER_DISPUTED = event(
    "order.disputed", _("The payment is frozen while the dispute lasts; the order no longer completes by itself")
)
ORDER_AUTO_CANCELLED = event(
    "order.auto_cancelled", _("The seller did not deliver in time; the order cancelled by itself with a full refund")
)
ORDER_PROCEEDS_FROZEN = event(
    "order.proceeds_frozen", _("A warranty dispute was opened: the seller's held proceeds wait for its outcome")
)
ORDER_PROCEEDS_RELEASED = event(
    "order.proceeds_released", _("The hold ended: {amount} of proceeds went to the seller's wallet")
)
ORDER_SETTLED = event(
    "order.settled",
    _(
        "Escrow settled ({status}): {buyer_refund} refunded, {fee_refund} fee refunded, "
        "{seller_payout} to the seller, {platform_fee} platform fee"
    ),
)

# How the codes these events hold read inside their sentences.
vocabulary("status", dict(Order.Status.choices))
