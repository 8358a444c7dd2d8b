"""The demo's support desk (`seed(desk=True)`, what `make run` seeds): about sixty items in the
staff inbox in varied states, made through the actions, under each preset, while alice's
disputes keep the states the demo promises."""

from __future__ import annotations

from collections import Counter

from core import clock
from desk import queries
from disputes.models import Dispute
from disputes.tests.support import presets
from ops import demo
from ops.tests.test_demo import _dispute_states


@presets()
def test_the_desk_fills_the_staff_inbox(preset, db):
    assert demo.seed(desk=True) is True
    alice = {title: state for title, state in _dispute_states().items() if not title.startswith(tuple(demo_titles()))}
    assert alice == {
        "Game account: level 80 mage": Dispute.Status.ESCALATED,
        "Gift card, 25 USD": Dispute.Status.AWAITING_SELLER,
        "Steam key: Hollow Orbit (EU)": Dispute.Status.NEGOTIATING,
    }
    carol = demo.User.objects.get(username="carol")
    page = queries.page(queries.Filters(viewer=carol), now=clock.now())
    assert 55 <= page.total <= 70
    everything = queries.after(queries.Filters(viewer=carol), now=clock.now(), position=None, limit=100).items
    assert len(everything) == page.total
    kinds = Counter(i.kind for i in everything)
    assert kinds["dispute"] and kinds["info_request"] and kinds["ticket"]
    assert {i.assignee for i in everything} >= {"carol", "dave", None}
    assert any(i.breach for i in everything)


def demo_titles() -> list[str]:
    return [title for title, _, _ in demo.DESK_ITEMS]
