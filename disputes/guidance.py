"""The refund rules spelled out for one case, as the mediator reads them before deciding."""

from __future__ import annotations

from django.utils.translation import gettext as _

from disputes.models import Dispute, Reason
from disputes.outcomes import has_delivery
from policy import rules


def applicable_rules(dispute: Dispute) -> list[str]:
    order = dispute.order
    policy = order.policy
    delivered = has_delivery(dispute)
    lines = []
    if not delivered:
        lines.append(_("The order was never delivered: the buyer is eligible for a full refund."))
    if dispute.reason in rules.NO_KEEP_REASONS:
        lines.append(
            _("The reason is %(reason)s: on a return the seller may keep nothing.")
            % {"reason": str(Reason(dispute.reason).label).lower()}
        )
    else:
        lines.append(
            _("On a return the seller may keep up to %(percent)s %% of the price.")
            % {"percent": policy.max_seller_keep_on_return}
        )
    if order.kind == "service" and delivered:
        lines.append(
            _("A completed service: a refund needs a finding of seller error in delivery (tick “seller error”).")
        )
    if dispute.reason == Reason.DEFECTIVE and delivered and order.kind == "product":
        lines.append(
            _(
                "Defective with no other resolution: the buyer is entitled to a full refund once the item "
                "is returned (decide “return and refund” with nothing kept)."
            )
        )
    if dispute.reason in (Reason.INCORRECT, Reason.INCOMPLETE, Reason.DEFECTIVE):
        lines.append(_("Incorrect, incomplete or defective delivery: a full or a partial refund may be decided."))
    lines.append(_("A refund returns the same share of the buyer's service fee."))
    lines.append(_("Only communication on Parley counts: the order chat and the dispute chat are the record."))
    return lines
