"""The dispute's transition table (PRODUCT.md §4). The actions enforce it, `allowed_actions`
and the pages read it, the stateful tests walk it.

```
awaiting_seller ──seller responds──▶ negotiating ──proposal accepted──▶ resolved
      │                                   │    ├─ return agreed ─▶ awaiting_return ─▶ resolved
      │ seller_response timeout           │    └─ redelivery agreed ─▶ awaiting_redelivery ─▶ resolved
      ▼                                   ▼
  escalated ◀── a party escalates / auto_escalate_after elapsed / a return or redelivery missed
      ├─ the administration requests information ─▶ that party answers (or forfeits)
      └─ the administration decides ─▶ resolved (or awaiting_return for a decided return)
            └─ under an `appeal_window`: decided ─ the window closes / both parties accept ─▶ (the decision's effect)
                  └─ a party appeals ─▶ appealed ─ another staff member decides, finally ─▶ (its effect)
```
In `decided` and `appealed` the money stays in escrow and the order stays `disputed`.
"""

from __future__ import annotations

from core.transitions import Transition

T = Transition.of

OPEN = ["awaiting_seller", "negotiating", "awaiting_return", "awaiting_redelivery", "escalated", "decided", "appealed"]
TALKING = ["awaiting_seller", "negotiating", "escalated"]
PARTIES = ["buyer", "seller"]

# `waits_for_due_deadline`: once a deadline of the case is due, what it does comes first, even if
# the worker is a moment behind. Messages, evidence, assignment and questions go on (whether a
# message still counts as the seller's response is `lifecycle.respond`'s to say).
DUE_FIRST = True

TRANSITIONS: dict[str, Transition] = {
    "message": T(OPEN, None, ["buyer", "seller", "staff"]),
    "add_evidence": T(OPEN, None, ["buyer", "seller", "staff"]),
    # Proposals stay possible while the administration looks at the case: an agreement ends it.
    # The seller's proposal is their response (negotiating); the buyer's revised request keeps
    # the case waiting for the seller.
    "propose": T(TALKING, None, PARTIES, waits_for_due_deadline=DUE_FIRST),
    "accept_proposal": T(TALKING, None, PARTIES, waits_for_due_deadline=DUE_FIRST),
    "reject_proposal": T(TALKING, None, PARTIES, waits_for_due_deadline=DUE_FIRST),
    "escalate": T(
        ["awaiting_seller", "negotiating", "awaiting_return", "awaiting_redelivery"],
        "escalated",
        PARTIES,
        waits_for_due_deadline=DUE_FIRST,
    ),
    "mark_returned": T(["awaiting_return"], "awaiting_return", ["buyer"], waits_for_due_deadline=DUE_FIRST),
    "confirm_return": T(["awaiting_return"], "resolved", ["seller"], waits_for_due_deadline=DUE_FIRST),
    "redeliver": T(["awaiting_redelivery"], "awaiting_redelivery", ["seller"], waits_for_due_deadline=DUE_FIRST),
    "confirm_redelivery": T(["awaiting_redelivery"], "resolved", ["buyer"], waits_for_due_deadline=DUE_FIRST),
    "answer_info": T(["escalated"], "escalated", PARTIES, waits_for_due_deadline=DUE_FIRST),
    "request_info": T(["escalated"], "escalated", ["staff"]),
    "decide": T(["escalated", "appealed"], None, ["staff"], waits_for_due_deadline=DUE_FIRST),
    # A decision waiting for its appeal window (PRODUCT.md §15).
    "appeal": T(["decided"], "appealed", PARTIES),
    "accept_decision": T(["decided"], None, PARTIES, waits_for_due_deadline=DUE_FIRST),
    "settle_decision": T(["decided"], None, ["system"]),
    "assign": T(OPEN, None, ["staff"]),
    # What the system does when a deadline falls due.
    "seller_silence": T(["awaiting_seller"], None, ["system"]),
    "auto_escalate": T(["awaiting_seller", "negotiating"], "escalated", ["system"]),
    "missed_step": T(["awaiting_return", "awaiting_redelivery"], "escalated", ["system"]),
    "redelivery_timeout": T(["awaiting_redelivery"], "resolved", ["system"]),
    "forfeit": T(["escalated"], "resolved", ["system"]),
}

# The actions a person may take on the dispute page, in the order the page shows them.
PERSON_ACTIONS = (
    "message",
    "add_evidence",
    "propose",
    "escalate",
    "mark_returned",
    "confirm_return",
    "redeliver",
    "confirm_redelivery",
    "answer_info",
    "request_info",
    "decide",
    "accept_decision",
    "appeal",
    "assign",
)

# What each side may propose. Withdrawing releases the money to the seller, so it is the
# buyer's alone; everything else either side may offer.
PROPOSAL_KINDS: dict[str, tuple[str, ...]] = {
    "buyer": ("partial_refund", "full_refund", "replacement", "full_delivery", "return_and_refund", "withdraw"),
    "seller": ("partial_refund", "full_refund", "replacement", "full_delivery", "return_and_refund"),
}
