"""What suspending a user does (PRODUCT.md §14), domain by domain, and the statement of reasons
they receive. Only `accounts.actions.suspend` and `reinstate` call this, inside their
transaction, holding the user's lock; each step writes its own timeline events.

Consequences: the user cannot log in or act (`is_active`, set by the caller); their listings
are hidden and cannot be ordered (read from `is_active`, so reinstating lists them again);
buyers of their undelivered orders may cancel at once for a full refund; their delivered
orders do not pay them out by themselves while the suspension lasts (the buyer may still
confirm or dispute); their open disputes go to the administration; their money stays theirs."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from notifications.actions import notify

CONSEQUENCES = (
    "They cannot log in or act: their API tokens, web sessions and keys acting on their behalf stop working.",
    "Their listings are hidden and cannot be ordered.",
    "Buyers of their undelivered orders may cancel at once for a full refund.",
    "Their delivered orders do not complete and pay them by themselves until they are reinstated; "
    "the buyer may still confirm or open a dispute.",
    "Their open disputes go to the administration.",
    "Their money stays theirs: nothing is moved out of their wallet.",
)
REINSTATEMENT = (
    "They can log in and act again, and their listings are listed again.",
    "Delivered orders that were held complete by themselves again when their guarantee window ends "
    "(at once if it has ended).",
    "Orders their buyers cancelled stay cancelled; disputes stay with the administration.",
)


def apply(user: User, *, by: User) -> dict[str, int]:
    """Applies the consequences; returns what they touched, for the audit event."""
    from catalog import suspension as listings
    from disputes import suspension as disputes
    from orders import suspension as orders

    return {
        "listings_hidden": listings.hide(user, by=by),
        **orders.suspended(user, by=by),
        "disputes_escalated": disputes.party_suspended(user, by=by),
    }


def undo(user: User, *, by: User) -> dict[str, int]:
    from catalog import suspension as listings
    from disputes import suspension as disputes
    from orders import suspension as orders

    return {
        "listings_shown": listings.show(user, by=by),
        **orders.reinstated(user, by=by),
        "disputes_told": disputes.party_reinstated(user, by=by),
    }


def tell(user: User, *, reason: str, effects: dict[str, int], suspended: bool) -> None:
    """The statement of reasons: what was decided, why, what it means, and what the user can do.
    It reaches them by e-mail (they cannot log in to read it) and in the app."""
    if suspended:
        notify(
            users=[user],
            code="account.suspended",
            title=lambda: _("Your Parley account is suspended"),
            body=lambda: "\n".join(
                [
                    _("The administration suspended your account."),
                    _("Reason: %(reason)s") % {"reason": reason},
                    "",
                    _("What this means:"),
                    "- " + _("You cannot log in or act on Parley until the suspension is lifted."),
                    "- " + _("Your listings are hidden and cannot be ordered."),
                    "- " + _("Buyers of orders you have not delivered may cancel them for a full refund."),
                    "- "
                    + _("Orders you delivered do not complete and pay you by themselves while the suspension lasts."),
                    "- " + _("Your open disputes go to the administration, which decides them."),
                    "- " + _("Your money stays yours: nothing is taken from your wallet."),
                    "",
                    _(
                        "If you think this is a mistake, reply to the administration of this marketplace with the "
                        "facts that show it; they can reinstate your account."
                    ),
                ]
            ),
        )
    else:
        notify(
            users=[user],
            code="account.reinstated",
            title=lambda: _("Your Parley account is reinstated"),
            body=lambda: "\n".join(
                [
                    _("The administration lifted the suspension of your account: you can log in and act again."),
                    _("Reason: %(reason)s") % {"reason": reason},
                    "",
                    _(
                        "Your listings are listed again. Orders you delivered complete by themselves again when "
                        "their guarantee window ends. Orders that buyers cancelled meanwhile stay cancelled, and "
                        "disputes that went to the administration stay with it."
                    ),
                ]
            ),
            link="/",
        )
