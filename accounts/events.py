"""How the steps of a suspension read on the timelines of the user, their listings, orders and
disputes (`accounts.suspension`).

Each code is named once, beside the sentence it reads as (`core.timeline.event`); actions
record it by that name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.timeline import event

USER_SIGNED_UP = event("user.signed_up", _("{actor} signed up"))
USER_PROVISIONED = event("user.provisioned", _("The marketplace's backend created the account"))
USER_LOGIN_LINK_CREATED = event("user.login_link_created", _("The marketplace's backend made a one-time login link"))
USER_ERASED = event("user.erased", _("{actor} erased the person's data; ledger lines and case records are kept"))
TOKEN_REVOKED = event("token.revoked", _("{actor} revoked an API token"))
USER_SECOND_FACTOR_ENROLLED = event(
    "user.second_factor_enrolled", _("{actor} set up an authenticator app as a second factor")
)
USER_SECOND_FACTOR_REMOVED = event("user.second_factor_removed", _("{actor} removed their second factor"))
USER_RECOVERY_CODE_USED = event("user.recovery_code_used", _("{actor} logged in with a recovery code"))
USER_PASSWORD_RESET_REQUESTED = event(
    "user.password_reset_requested", _("A password reset link was sent to the account's e-mail address")
)
USER_PASSWORD_RESET = event("user.password_reset", _("{actor} chose a new password through a reset link"))
USER_PASSWORD_CHANGED = event("user.password_changed", _("{actor} changed their password"))
USER_RECOVERY_CODES_RENEWED = event("user.recovery_codes_renewed", _("{actor} replaced their recovery codes"))
USER_EMAIL_VERIFIED = event("user.email_verified", _("{actor} confirmed their e-mail address"))
USER_EMAIL_CHANGED = event("user.email_changed", _("{actor} changed their e-mail address"))
USER_DATA_EXPORTED = event("user.data_exported", _("{actor} downloaded the person's data"))
LISTING_CREATED = event("listing.created", _("{actor} listed it"))
LISTING_UPDATED = event("listing.updated", _("{actor} changed the listing"))
USER_SUSPENDED = event("user.suspended", _("{actor} suspended the account: {reason}"))
USER_REINSTATED = event("user.reinstated", _("{actor} reinstated the account: {reason}"))
LISTING_HIDDEN = event(
    "listing.hidden", _("The seller's account is suspended: the listing is hidden and cannot be ordered")
)
LISTING_SHOWN = event("listing.shown", _("The seller's account is reinstated: the listing is listed again"))
ORDER_SELLER_SUSPENDED = event(
    "order.seller_suspended", _("The seller's account is suspended: the buyer may cancel at once for a full refund")
)
ORDER_SELLER_REINSTATED = event("order.seller_reinstated", _("The seller's account is reinstated"))
ORDER_PAYOUT_HELD = event(
    "order.payout_held",
    _(
        "The seller's account is suspended: the order no longer completes and pays out by itself; "
        "the buyer may still confirm or open a dispute"
    ),
)
ORDER_PAYOUT_RESUMED = event(
    "order.payout_resumed", _("The seller's account is reinstated: the order completes by itself at {completes_at}")
)
ORDER_BUYER_SUSPENDED = event("order.buyer_suspended", _("The buyer's account is suspended"))
ORDER_BUYER_REINSTATED = event("order.buyer_reinstated", _("The buyer's account is reinstated"))
DISPUTE_PARTY_SUSPENDED = event(
    "dispute.party_suspended",
    {
        "buyer": _("The buyer's account is suspended: the case goes to the administration"),
        "seller": _("The seller's account is suspended: the case goes to the administration"),
    },
)
DISPUTE_PARTY_REINSTATED = event(
    "dispute.party_reinstated",
    {
        "buyer": _("The buyer's account is reinstated; the administration keeps the case"),
        "seller": _("The seller's account is reinstated; the administration keeps the case"),
    },
)
