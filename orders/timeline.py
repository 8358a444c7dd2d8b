from core import timeline

timeline.register(
    {
        "order.placed": "{actor} placed the order and paid {price} plus a {fee} service fee into escrow",
        "order.delivered": "{actor} marked the order delivered",
        "order.confirmed": "{actor} confirmed delivery",
        "order.auto_completed": "The guarantee window ended without confirmation or dispute; the order completed",
        "order.cancelled": "{actor} cancelled the order",
        "order.disputed": "The payment is frozen while the dispute lasts; the order no longer completes by itself",
        "order.auto_cancelled": "The seller did not deliver in time; the order cancelled by itself with a full refund",
        "order.proceeds_frozen": "A warranty dispute was opened: the seller's held proceeds wait for its outcome",
        "order.proceeds_released": "The hold ended: {amount} of proceeds went to the seller's wallet",
        "order.settled": "Escrow settled ({status}): {buyer_refund} refunded, {fee_refund} fee refunded, "
        "{seller_payout} to the seller, {platform_fee} platform fee",
    }
)
