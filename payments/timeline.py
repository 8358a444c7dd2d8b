"""How money entering and leaving a wallet reads on the user's timeline and in the list of
events webhooks deliver (`api.openapi.event_codes`)."""

from core import timeline

timeline.register(
    {
        "wallet.deposited": "{actor} deposited {amount} ({deposit_id})",
        "wallet.withdrawal_requested": "{actor} asked to withdraw {amount} ({withdrawal_id})",
        "wallet.withdrawal_paid": "The payment provider paid out the withdrawal {withdrawal_id} of {amount}",
        "wallet.withdrawal_failed": "The provider could not pay out {withdrawal_id}: {amount} is back in the wallet",
        "wallet.charged_back": "The deposit {deposit_id} of {amount} was charged back; {debt} is owed",
    }
)
