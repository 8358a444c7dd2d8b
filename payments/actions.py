"""Money in and out through the payment provider: deposits, withdrawals, chargebacks.

A withdrawal is a two-phase transfer. `request_withdrawal` moves the amount at once from the
wallet to the user's pending-withdrawals account and schedules its submission; the
submission (`submit_withdrawal`, run right after the request commits and, as a backstop, by
the deadline engine) asks the provider to pay it and settles it with the answer in the same
transaction: paid, it leaves through the clearing account; failed, it returns to the wallet.
The settlement has a unique key and runs only on a pending withdrawal, so an answer that comes
twice, or a worker that dies between the answer and the commit, moves nothing twice: the
next try asks the provider again about the same reference and gets the same answer."""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.queries import still_active
from core import audit, clock, crashpoints, deadlines, locking
from core.actors import SystemActor
from core.errors import Conflict, NotAllowedInState, NotFound, ValidationFailed
from core.money import MAX_AMOUNT, Money
from ledger import accounts
from ledger.models import Account, Transaction
from ledger.posting import InsufficientFunds, Leg, post
from ledger.queries import balance_of, in_debt
from notifications.actions import notify
from orders.models import Order
from payments import events
from payments.models import Deposit, Withdrawal
from payments.providers import PayoutAnswer, active_provider
from policy.active import configured_policy

logger = logging.getLogger("parley.payments")

SUBMIT_WITHDRAWAL = "payments.withdrawal_submit"


def _check_amount(amount: Money, *, what: str) -> None:
    if amount.amount <= 0:
        raise ValidationFailed(
            _("A %(what)s must be more than zero.") % {"what": what}, fields={"amount": ["must be positive"]}
        )
    if amount.currency not in configured_policy().currencies:
        raise ValidationFailed(
            _("This marketplace trades in %(join)s.") % {"join": ", ".join(configured_policy().currencies)},
            fields={"amount.currency": ["not accepted here"]},
        )


def deposit(*, by: User, amount: Money) -> Transaction:
    """Charges the provider and credits the wallet, in one transaction with the ledger entry.
    A debt from a chargeback is repaid first: only the rest reaches the wallet."""
    _check_amount(amount, what="deposit")
    provider = active_provider()
    with transaction.atomic():
        wallet = accounts.locked_wallet(by, amount.currency)
        if wallet.balance + amount.amount > MAX_AMOUNT:
            raise Conflict(_("A wallet cannot hold that much."), code="balance_limit")
        # Checked again under the wallet's row lock (the one post() takes), so deposits racing
        # each other cannot all pass the check above together.
        if locking.lock_one(Account, wallet.pk).balance + amount.amount > MAX_AMOUNT:
            raise Conflict(_("A wallet cannot hold that much."), code="balance_limit")
        charge = provider.charge(amount=amount, payer_ref=by.public_id)
        receivable = accounts.receivable(by, amount.currency)
        debt = -balance_of(receivable)
        repaid = Money(min(debt, amount.amount), amount.currency) if debt > 0 else Money.zero(amount.currency)
        legs = [Leg(accounts.clearing(provider.name, amount.currency), -amount)]
        if repaid.amount:
            legs.append(Leg(receivable, repaid))
        if (amount - repaid).amount:
            legs.append(Leg(wallet, amount - repaid))
        txn = post(kind=Transaction.Kind.DEPOSIT, legs=legs, memo=f"{charge.provider} {charge.reference}")
        deposit = Deposit.objects.create(
            user=by,
            amount=amount.amount,
            currency=amount.currency,
            provider=charge.provider,
            reference=charge.reference,
            transaction=txn,
            created_at=clock.now(),
        )
        audit.record(
            events.WALLET_DEPOSITED,
            subject=by,
            by=by,
            role="user",
            data={
                "deposit_id": deposit.public_id,
                "amount": amount.as_dict(),
                "debt_repaid": repaid.as_dict(),
                "provider": charge.provider,
                "reference": charge.reference,
            },
        )
    return txn


# Withdrawals --------------------------------------------------------------------------------


def withdrawals_blocked_reason(user: User) -> str | None:
    """Why this user may not withdraw now (suspended, or in debt); None when they may."""
    if not user.is_active:
        return "Withdrawals are blocked while the account is suspended."
    if in_debt(user):
        return "Withdrawals are blocked until the debt from a chargeback is repaid."
    return None


def request_withdrawal(*, by: User, amount: Money) -> Withdrawal:
    """Phase one: the amount leaves the wallet for the pending-withdrawals account at once.
    409 `insufficient_funds` beyond the available balance, 409 `withdrawals_blocked` while
    suspended or in debt; nothing moves on any refusal."""
    _check_amount(amount, what="withdrawal")
    provider = active_provider()
    with transaction.atomic():
        # The wallet's lock serialises this with every other move of the user's money in this
        # currency (another withdrawal, an order, a chargeback), so the checks below hold.
        wallet = accounts.locked_wallet(by, amount.currency)
        # The suspension as committed now, under a share lock on the user (as an order takes),
        # not as it was when the request authenticated.
        by.is_active = still_active(by.pk)
        if (reason := withdrawals_blocked_reason(by)) is not None:
            raise Conflict(reason, code="withdrawals_blocked")
        if wallet.balance < amount.amount:
            raise InsufficientFunds(
                _("Only %(Money)s is available to withdraw.") % {"Money": Money(wallet.balance, amount.currency)}
            )
        now = clock.now()
        withdrawal = Withdrawal.objects.create(
            user=by, amount=amount.amount, currency=amount.currency, provider=provider.name, created_at=now
        )
        post(
            kind=Transaction.Kind.WITHDRAWAL_REQUESTED,
            legs=[Leg(wallet, -amount), Leg(accounts.withdrawing(by, amount.currency), amount)],
            memo=f"withdrawal {withdrawal.public_id}",
            unique_key=f"withdrawal:{withdrawal.pk}:request",
        )
        audit.record(
            events.WALLET_WITHDRAWAL_REQUESTED,
            subject=by,
            by=by,
            role="user",
            data={"withdrawal_id": withdrawal.public_id, "amount": amount.as_dict()},
        )
        deadlines.schedule(kind=SUBMIT_WITHDRAWAL, due_at=now, subject=withdrawal, party="provider")
        pk = withdrawal.pk
        transaction.on_commit(lambda: _submit_soon(pk))
    return withdrawal


def _submit_soon(withdrawal_id: int) -> None:
    """Right after the request commits, ask the provider (the sandbox pays at once). If this
    fails or the process dies, the scheduled deadline asks again."""
    try:
        with transaction.atomic():
            submit_withdrawal(withdrawal_id=withdrawal_id)
            deadlines.cancel(subject=Withdrawal(pk=withdrawal_id), kinds=[SUBMIT_WITHDRAWAL], reason="submitted")
    except NotAllowedInState:
        pass
    except Exception:
        logger.exception("submitting withdrawal %s failed; the worker will try again", withdrawal_id)


def submit_withdrawal(*, withdrawal_id: int) -> Withdrawal:
    """Phase two: asks the provider to pay a pending withdrawal and settles it with the answer,
    in the caller's transaction."""
    with transaction.atomic():
        withdrawal = _lock(pk=withdrawal_id)
        if withdrawal.status != Withdrawal.Status.PENDING:
            raise NotAllowedInState(
                _("Withdrawal %(public_id)s is already %(status)s.")
                % {"public_id": withdrawal.public_id, "status": withdrawal.status}
            )
        provider = active_provider()
        answer = provider.payout(
            reference=withdrawal.public_id, amount=withdrawal.money, payee_ref=withdrawal.user.public_id
        )
        crashpoints.reached("withdrawal_answered")
        _settle(withdrawal, answer)
    return withdrawal


def provider_answered(*, withdrawal_public_id: str, answer: PayoutAnswer) -> Withdrawal | None:
    """The provider reports a payout's outcome (a webhook from a real provider). An answer
    for an unknown or already settled withdrawal changes nothing and is logged."""
    with transaction.atomic():
        found = Withdrawal.objects.filter(public_id=withdrawal_public_id).values_list("pk", flat=True).first()
        if found is None:
            logger.warning("provider answer %s for unknown withdrawal %s ignored", answer.status, withdrawal_public_id)
            return None
        withdrawal = _lock(pk=found)
        if withdrawal.status != Withdrawal.Status.PENDING:
            logger.warning(
                "provider answer %s for withdrawal %s ignored: it is already %s",
                answer.status,
                withdrawal.public_id,
                withdrawal.status,
            )
            return withdrawal
        _settle(withdrawal, answer)
        deadlines.cancel(subject=withdrawal, kinds=[SUBMIT_WITHDRAWAL], reason="answered")
    return withdrawal


def _lock(*, pk: int) -> Withdrawal:
    try:
        return Withdrawal.objects.select_for_update(of=("self",)).select_related("user").get(pk=pk)
    except Withdrawal.DoesNotExist:
        raise NotFound(_("No such withdrawal.")) from None


def _settle(withdrawal: Withdrawal, answer: PayoutAnswer) -> None:
    """Settles a pending, locked withdrawal exactly once (the unique key backs the status)."""
    user, money = withdrawal.user, withdrawal.money
    pending = accounts.withdrawing(user, money.currency)
    if answer.status == "paid":
        legs = [Leg(pending, -money), Leg(accounts.clearing(withdrawal.provider, money.currency), money)]
        kind, status = Transaction.Kind.WITHDRAWAL_PAID, Withdrawal.Status.PAID
    else:
        legs = [Leg(pending, -money), Leg(accounts.wallet(user, money.currency), money)]
        kind, status = Transaction.Kind.WITHDRAWAL_FAILED, Withdrawal.Status.FAILED
    post(
        kind=kind,
        legs=legs,
        memo=f"withdrawal {withdrawal.public_id} {status}",
        unique_key=f"withdrawal:{withdrawal.pk}:settlement",
    )
    withdrawal.status = status
    withdrawal.provider_reference = answer.reference[:100]
    withdrawal.failure_reason = answer.detail[:200] if status == Withdrawal.Status.FAILED else ""
    withdrawal.settled_at = clock.now()
    withdrawal.save(update_fields=["status", "provider_reference", "failure_reason", "settled_at"])
    system = SystemActor(rule="provider_answer")
    audit.record(
        f"wallet.withdrawal_{status}",
        subject=user,
        by=system,
        role="system",
        data={"withdrawal_id": withdrawal.public_id, "amount": money.as_dict(), "provider_reference": answer.reference},
    )
    notify(
        users=[user],
        code=f"wallet.withdrawal_{status}",
        link=reverse("web:wallet"),
        title=lambda: (
            (_("Withdrawal of %(money)s paid") if status == "paid" else _("Withdrawal of %(money)s failed"))
            % {"money": money}
        ),
        body=lambda: (
            _("The payment provider paid it out.")
            if status == "paid"
            else _("The payment provider could not pay it; the money is back in your wallet.")
        ),
    )


# Chargebacks --------------------------------------------------------------------------------


def chargeback(*, deposit_id: int, by: SystemActor | User) -> Deposit:
    """The provider reversed a deposit. Parley takes the amount back from the wallet; what the
    wallet no longer holds becomes the user's debt. Staff get a ticket listing the orders paid
    from that deposit; the user is told that a dispute, not a chargeback, is the way to a
    refund. A second reversal of the same deposit changes nothing (409 `already_charged_back`)."""
    from tickets import actions as tickets

    provider = active_provider()
    with transaction.atomic():
        found = Deposit.objects.select_for_update().select_related("user").filter(pk=deposit_id).first()
        if found is None:
            raise NotFound(_("No such deposit."))
        if found.status == Deposit.Status.CHARGED_BACK:
            raise Conflict(_("This deposit was already charged back."), code="already_charged_back")
        user, money = found.user, found.money
        reversal = provider.reverse(deposit_reference=found.reference)
        wallet = accounts.locked_wallet(user, money.currency)
        taken = Money(min(wallet.balance, money.amount), money.currency)
        debt = money - taken
        legs = [Leg(accounts.clearing(found.provider, money.currency), money)]
        if taken.amount:
            legs.append(Leg(wallet, -taken))
        if debt.amount:
            legs.append(Leg(accounts.receivable(user, money.currency), -debt))
        post(
            kind=Transaction.Kind.CHARGEBACK,
            legs=legs,
            memo=f"chargeback of {found.public_id} ({reversal.reference})",
            unique_key=f"deposit:{found.pk}:chargeback",
        )
        found.status = Deposit.Status.CHARGED_BACK
        found.charged_back_at = clock.now()
        found.save(update_fields=["status", "charged_back_at"])
        paid_from = _orders_paid_from(found)
        audit.record(
            events.WALLET_CHARGED_BACK,
            subject=user,
            by=by,
            role="system" if isinstance(by, SystemActor) else "staff",
            data={
                "deposit_id": found.public_id,
                "amount": money.as_dict(),
                "taken": taken.as_dict(),
                "debt": debt.as_dict(),
                "orders": [o.public_id for o in paid_from],
            },
        )
        listed = "\n".join(
            f"- {o.public_id}: {o.listing_snapshot.get('title', '')} ({o.total.format()})" for o in paid_from
        )
        tickets.open_ticket(
            by=user,
            subject=f"Chargeback of deposit {found.public_id}",
            category="payment",
            body=(
                # A stored English text: money in its fixed form, whatever language the caller reads.
                f"The payment provider reversed deposit {found.public_id} of {money.format()} ({reversal.reference}). "
                f"{taken.format()} was taken back from the wallet"
                + (
                    f"; {debt.format()} is owed as a debt, so ordering and withdrawing are blocked until it is repaid."
                    if debt.amount
                    else "."
                )
                + "\n\nOrders paid from this deposit:\n"
                + (listed or "- none")
            ),
        )
        notify(
            users=[user],
            code="wallet.charged_back",
            link=reverse("web:wallet"),
            title=lambda: _("Your deposit of %(money)s was charged back") % {"money": money},
            body=lambda: (
                (
                    _(
                        "%(taken)s was taken back from your wallet and you owe %(debt)s; until a deposit repays it "
                        "you cannot order or withdraw."
                    )
                    if debt.amount
                    else _("%(taken)s was taken back from your wallet.")
                )
                % {"taken": taken, "debt": debt}
                + " "
                + _(
                    "If something went wrong with an order, open a dispute on the order: a dispute, not a "
                    "chargeback, is the way to a refund here."
                )
            ),
        )
    return found


def _orders_paid_from(found: Deposit) -> list[Order]:
    """The user's orders placed since the deposit, oldest first, until their totals reach its
    amount: the money that deposit brought in paid for these (first in, first out)."""
    orders = Order.objects.filter(buyer=found.user, currency=found.currency, placed_at__gte=found.created_at).order_by(
        "placed_at", "id"
    )
    picked: list[Order] = []
    covered = 0
    for order in orders[:200]:
        if covered >= found.amount:
            break
        picked.append(order)
        covered += order.price_amount + order.fee_amount
    return picked
