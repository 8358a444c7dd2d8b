from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.pagination import keyset_page
from notifications import actions, queries
from web.auth import me
from web.errors import back


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(queries.for_user(me(request)), cursor=request.GET.get("cursor"), limit=30)
    return render(request, "web/notifications.html", {"page": page})


@require_POST
@login_required
def open_notification(request: HttpRequest, public_id: str) -> HttpResponse:
    note = actions.mark_read(user=me(request), public_id=public_id)
    return redirect(note.link or "web:notifications")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    actions.mark_all_read(user=me(request))
    return back(request, reverse("web:notifications"))
