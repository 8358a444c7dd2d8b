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

Inside `awaiting_return` and `awaiting_redelivery` the case moves through steps (`Dispute.step`,
`STEP_TRANSITIONS`): each step says whose move it is and which deadline runs.
```
awaiting_return:      return_shipping ──the buyer sent it──▶ return_receiving ──the seller confirms──▶ (resolved)
awaiting_redelivery:  redelivering ──delivered again──▶ redelivery_confirming ──confirmed / window ends──▶ (resolved)
at any step:          ──a party escalates, or the step is missed──▶ (escalated)
```
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from core.transitions import StepChange, Transition

T = Transition.of
S = StepChange.of

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

# The steps of a return and of a redelivery, each beside its one status and waiting on one party;
# every other status has no step. The database keeps a step beside its status (a check constraint).
NO_STEP = ""
STEP_STATUS: dict[str, str] = {
    "return_shipping": "awaiting_return",
    "return_receiving": "awaiting_return",
    "redelivering": "awaiting_redelivery",
    "redelivery_confirming": "awaiting_redelivery",
}
STEP_WAITS_ON: dict[str, str] = {
    "return_shipping": "buyer",
    "return_receiving": "seller",
    "redelivering": "seller",
    "redelivery_confirming": "buyer",
}
ANY_STEP = [NO_STEP, *STEP_STATUS]

# The step table: keyed by the action (or, for entering and resolving, by the lifecycle step
# every agreement, decision and settlement goes through). An action it does not name keeps the
# step. The actions' verdicts check it; `lifecycle.take_step` applies it.
STEP_TRANSITIONS: dict[str, StepChange] = {
    "enter_return": S([NO_STEP], "return_shipping"),
    "enter_redelivery": S([NO_STEP], "redelivering"),
    "mark_returned": S(
        ["return_shipping"], "return_receiving", gettext_noop("You already marked the item as returned.")
    ),
    "confirm_return": S(["return_receiving"], NO_STEP, gettext_noop("The buyer has not sent the item back yet.")),
    "redeliver": S(
        ["redelivering"], "redelivery_confirming", gettext_noop("You already delivered; the buyer must confirm.")
    ),
    "confirm_redelivery": S(
        ["redelivery_confirming"], NO_STEP, gettext_noop("The seller has not delivered again yet.")
    ),
    "redelivery_timeout": S(["redelivery_confirming"], NO_STEP, gettext_noop("Nothing was redelivered.")),
    "missed_step": S(
        ["return_shipping", "return_receiving", "redelivering"], NO_STEP, gettext_noop("That step was taken in time.")
    ),
    "escalate": S(ANY_STEP, NO_STEP),
    # A case resolves once its step is done: the step's own action leaves it first.
    "resolve": S([NO_STEP], NO_STEP),
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
