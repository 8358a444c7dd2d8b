from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.pagination import keyset_page
from ledger import queries
from payments import actions
from payments.models import Withdrawal
from policy.active import configured_policy
from web.auth import me
from web.errors import add_to_form
from web.forms import DepositForm, WithdrawForm


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    user = me(request)
    currency = configured_policy().currencies[0]
    posted = request.POST if request.method == "POST" else None
    withdrawing = posted is not None and posted.get("op") == "withdraw"
    form = DepositForm(None if withdrawing else posted, initial={"currency": currency})
    withdraw_form = WithdrawForm(posted if withdrawing else None, prefix="w", initial={"currency": currency})
    if withdrawing and withdraw_form.is_valid():
        try:
            withdrawal = actions.request_withdrawal(by=user, amount=withdraw_form.money())
        except DomainError as exc:
            add_to_form(withdraw_form, exc)
        else:
            messages.success(
                request,
                _("Withdrawal %(public_id)s of %(money)s requested.")
                % {"public_id": withdrawal.public_id, "money": withdrawal.money},
            )
            return redirect("web:wallet")
    if posted is not None and not withdrawing and form.is_valid():
        try:
            actions.deposit(by=user, amount=form.money())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("%(money)s added to your wallet.") % {"money": form.money()})
            return redirect("web:wallet")
    view = queries.wallet_view(user)
    page = keyset_page(queries.wallet_entries(user), cursor=request.GET.get("cursor"), limit=25)
    return render(
        request,
        "web/wallet.html",
        {
            "balances": view.balances,
            "view": view,
            "withdrawals": Withdrawal.objects.filter(user=user).order_by("-id")[:10],
            "blocked": actions.withdrawals_blocked_reason(user),
            "page": page,
            "form": form,
            "withdraw_form": withdraw_form,
            "nav": "wallet",
        },
    )
