"""How the steps of a suspension read on the timelines of the user, their listings, orders and
disputes (`accounts.suspension`)."""

from core import timeline

timeline.register(
    {
        "user.signed_up": "{actor} signed up",
        "user.provisioned": "The marketplace's backend created the account",
        "user.login_link_created": "The marketplace's backend made a one-time login link",
        "user.erased": "{actor} erased the person's data; ledger lines and case records are kept",
        "token.revoked": "{actor} revoked an API token",
        "user.second_factor_enrolled": "{actor} set up an authenticator app as a second factor",
        "user.second_factor_removed": "{actor} removed their second factor",
        "user.recovery_code_used": "{actor} logged in with a recovery code",
        "user.password_reset_requested": "A password reset link was sent to the account's e-mail address",
        "user.password_reset": "{actor} chose a new password through a reset link",
        "user.email_verified": "{actor} confirmed their e-mail address",
        "user.email_changed": "{actor} changed their e-mail address",
        "user.data_exported": "{actor} downloaded the person's data",
        "listing.created": "{actor} listed it",
        "listing.updated": "{actor} changed the listing",
        "user.suspended": "{actor} suspended the account: {reason}",
        "user.reinstated": "{actor} reinstated the account: {reason}",
        "listing.hidden": "The seller's account is suspended: the listing is hidden and cannot be ordered",
        "listing.shown": "The seller's account is reinstated: the listing is listed again",
        "order.seller_suspended": "The seller's account is suspended: the buyer may cancel at once for a full refund",
        "order.seller_reinstated": "The seller's account is reinstated",
        "order.payout_held": "The seller's account is suspended: the order no longer completes and pays out "
        "by itself; the buyer may still confirm or open a dispute",
        "order.payout_resumed": "The seller's account is reinstated: the order completes by itself at {completes_at}",
        "order.buyer_suspended": "The buyer's account is suspended",
        "order.buyer_reinstated": "The buyer's account is reinstated",
        "dispute.party_suspended": "The {party}'s account is suspended: the case goes to the administration",
        "dispute.party_reinstated": "The {party}'s account is reinstated; the administration keeps the case",
    }
)
