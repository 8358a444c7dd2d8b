"""Staff pages for webhooks: register an endpoint (its secret shown once), see what each was
sent, disable one. The same actions as `/api/v1/webhooks`."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import DomainError
from web.auth import me
from web.errors import add_to_form, posted
from web.forms import WebhookForm
from web.views.staff import staff_only
from webhooks import actions, queries
from webhooks.models import WebhookDelivery

Status = WebhookDelivery.Status
RECENT = 50


@never_cache  # the answer to a registration carries the secret: no cache may keep it
@staff_only
def endpoint_list(request: HttpRequest) -> HttpResponse:
    user = me(request)
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_endpoint(
                by=user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.event_list(),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            form = WebhookForm()  # the secret is rendered on this answer only, never stored in a message
    endpoints = (
        queries.endpoints_for(user)
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=Status.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__status=Status.FAILED)),
            sent=Count("deliveries", filter=Q(deliveries__status=Status.SENT)),
        )
        .order_by("-is_active", "-id")
    )
    return render(
        request,
        "web/staff_webhooks.html",
        {"endpoints": endpoints, "form": form, "created": created, "nav": "staff"},
    )


@staff_only
def endpoint_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    endpoint = queries.get_endpoint_for(me(request), public_id)
    status = request.GET.get("status")
    status = status if status in Status.values else None
    deliveries = queries.deliveries_of(endpoint, status=status).order_by("-id")[:RECENT]
    return render(
        request,
        "web/staff_webhook.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries,
            "status": status,
            "statuses": Status.choices,
            "recent": RECENT,
            "nav": "staff",
        },
    )


@posted(staff_only)
def endpoint_disable(request: HttpRequest, public_id: str) -> HttpResponse:
    endpoint = queries.get_endpoint_for(me(request), public_id)
    actions.disable_endpoint(endpoint_id=endpoint.pk, by=me(request))
    messages.success(request, _("The endpoint is disabled. Nothing more is sent to it."))
    return redirect("web:staff_webhook", public_id=public_id)
