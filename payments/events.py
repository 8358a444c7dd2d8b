"""How money entering and leaving a wallet reads on the user's timeline and in the list of
events webhooks deliver (`api.openapi.event_codes`).

Each code is named once, beside the sentence it reads as (`core.timeline.event`); actions
record it by that name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.timeline import event

WALLET_DEPOSITED = event("wallet.deposited", _("{actor} deposited {amount} ({deposit_id})"))
WALLET_WITHDRAWAL_REQUESTED = event(
    "wallet.withdrawal_requested", _("{actor} asked to withdraw {amount} ({withdrawal_id})")
)
WALLET_WITHDRAWAL_PAID = event(
    "wallet.withdrawal_paid", _("The payment provider paid out the withdrawal {withdrawal_id} of {amount}")
)
WALLET_WITHDRAWAL_FAILED = event(
    "wallet.withdrawal_failed", _("The provider could not pay out {withdrawal_id}: {amount} is back in the wallet")
)
WALLET_CHARGED_BACK = event(
    "wallet.charged_back", _("The deposit {deposit_id} of {amount} was charged back; {debt} is owed")
)
