from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import DomainError
from core.pagination import keyset_page
from ledger import queries
from payments import actions
from policy.active import configured_policy
from web.auth import me
from web.errors import add_to_form
from web.forms import DepositForm


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    user = me(request)
    form = DepositForm(request.POST or None, initial={"currency": configured_policy().currencies[0]})
    if request.method == "POST" and form.is_valid():
        try:
            actions.deposit(by=user, amount=form.money())
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, f"{form.money()} added to your wallet.")
            return redirect("web:wallet")
    page = keyset_page(queries.wallet_entries(user), cursor=request.GET.get("cursor"), limit=25)
    return render(
        request,
        "web/wallet.html",
        {
            "balances": queries.wallet_balances(user),
            "page": page,
            "form": form,
            "nav": "wallet",
        },
    )
