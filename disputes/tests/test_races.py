"""Two people settle the same dispute at the same instant (T6 in the reliability notes): each
thread has its own database connection and a barrier releases them together. Exactly one
settlement happens; the loser gets a `DomainError` (a clean refusal), never anything else.

PostgreSQL only: SQLite serialises writers anyway and `select_for_update` is a no-op there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from core.errors import DomainError
from disputes import actions
from disputes.models import Dispute
from disputes.tests.support import bring_to_administration, decide_now
from ledger.models import Transaction
from ops.ledger_check import run_checks
from testsupport import factories

pytestmark = pytest.mark.postgres
ROUNDS = 6


def race(*contenders: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Runs the contenders in threads released together; returns ("ok", result),
    ("refused", DomainError) or ("crashed", exception) for each."""
    barrier = threading.Barrier(len(contenders))
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(contenders)

    def run(index: int, contender: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", contender())
        except DomainError as exc:
            outcomes[index] = ("refused", exc)
        except Exception as exc:
            outcomes[index] = ("crashed", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def assert_one_winner(outcomes: list[tuple[str, Any]], dispute: Dispute) -> None:
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED
    assert Transaction.objects.filter(order_id=dispute.order_id, kind=Transaction.Kind.ORDER_SETTLED).count() == 1
    assert run_checks().problems == []


@pytest.fixture
def people(make_user, transactional_db):
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True)


def disputed(people, tclock) -> Dispute:
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    return factories.open_dispute(order, kind="full_refund")


def test_two_different_proposals_accepted_at_once(people, tclock):
    buyer, seller, _ = people
    for _ in range(ROUNDS):
        dispute = disputed(people, tclock)
        request = dispute.proposals.get()
        offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=40_00)

        outcomes = race(
            lambda request=request: actions.accept_proposal(proposal_id=request.pk, by=seller),
            lambda offer=offer: actions.accept_proposal(proposal_id=offer.pk, by=buyer),
        )

        assert_one_winner(outcomes, dispute)
        accepted = list(dispute.proposals.filter(status="accepted").values_list("kind", flat=True))
        assert len(accepted) == 1
        assert dispute.outcome == accepted[0]


def test_an_acceptance_racing_the_administrations_decision(people, tclock):
    buyer, seller, staff = people
    for _ in range(ROUNDS):
        dispute = bring_to_administration(disputed(people, tclock), tclock)
        offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=25_00)

        outcomes = race(
            lambda offer=offer: actions.accept_proposal(proposal_id=offer.pk, by=buyer),
            lambda dispute=dispute: decide_now(
                dispute_id=dispute.pk, by=staff, outcome="release_to_seller", note="The key works."
            ),
        )

        assert_one_winner(outcomes, dispute)
        assert dispute.decided_by in ("agreement", "administrator")


def test_a_withdrawal_racing_the_sellers_acceptance(people, tclock):
    buyer, seller, _ = people
    for _ in range(ROUNDS):
        dispute = disputed(people, tclock)
        request = dispute.proposals.get()

        outcomes = race(
            lambda dispute=dispute: actions.propose(dispute_id=dispute.pk, by=buyer, kind="withdraw"),
            lambda request=request: actions.accept_proposal(proposal_id=request.pk, by=seller),
        )

        assert_one_winner(outcomes, dispute)
        assert (dispute.outcome, dispute.order.status) in (("withdrawn", "completed"), ("full_refund", "refunded"))
