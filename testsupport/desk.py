"""A support desk at work, for query counting: tickets in every state, escalated disputes with
and without questions to a party, and the notifications all of that sends. Every state is
reached through the real actions and the deadline engine."""

from __future__ import annotations

from accounts.models import User
from disputes import mediation
from disputes.models import Dispute
from ops import deadlines
from policy.active import configured_policy
from testsupport import factories
from tickets import actions as tickets
from tickets.models import Ticket


class Desk:
    """`owner` opens tickets, `buyer` opens disputes, `staff` works on both. `grow(n)` adds n
    tickets (open, answered, reopened by a reply, resolved; every other one assigned) and n
    disputes that the seller's silence escalates, some with a question to a party, some with
    the question answered, every other one assigned."""

    def __init__(self, *, owner: User, buyer: User, staff: User) -> None:
        self.owner, self.buyer, self.staff = owner, buyer, staff
        self.tickets: list[Ticket] = []
        self.disputes: list[Dispute] = []

    def grow(self, n: int) -> None:
        start = len(self.tickets)
        for i in range(start, start + n):
            self.tickets.append(self._ticket(i))
        fresh = [factories.dispute_of(self.buyer) for _ in range(n)]
        silence = configured_policy().seller_response_due
        assert silence is not None, "the desk needs a policy where a silent seller escalates"
        deadlines.advance(seconds=int(silence.total_seconds()) + 60)
        for i, dispute in enumerate(fresh, start=len(self.disputes)):
            self._work_on(dispute, i)
        self.disputes.extend(fresh)

    def _ticket(self, i: int) -> Ticket:
        order = factories.paid_order(self.owner, self.buyer) if i % 3 == 0 else None
        ticket = tickets.open_ticket(
            by=self.owner,
            subject=f"Question {i}",
            category="order" if order else "other",
            body="Please help.",
            order_public_id=order.public_id if order else None,
        )
        if i % 2:
            tickets.assign(ticket_id=ticket.pk, by=self.staff, assignee_username=self.staff.username)
        if i % 4 >= 1:
            tickets.reply(ticket_id=ticket.pk, by=self.staff, body="An answer.")
        if i % 4 == 2:
            tickets.reply(ticket_id=ticket.pk, by=self.owner, body="It still does not work.")
        if i % 4 == 3:
            tickets.resolve(ticket_id=ticket.pk, by=self.owner)
        return ticket

    def _work_on(self, dispute: Dispute, i: int) -> None:
        if i % 2:
            mediation.assign(dispute_id=dispute.pk, by=self.staff, assignee=self.staff.username)
        if i % 3 >= 1:
            party = "buyer" if i % 2 else "seller"
            question = mediation.request_info(dispute_id=dispute.pk, by=self.staff, party=party, question="Proof?")
            if i % 3 == 2:
                by = dispute.order.buyer if party == "buyer" else dispute.order.seller
                mediation.answer_info(request_id=question.pk, by=by, body="Here it is.")
