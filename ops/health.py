"""`GET /healthz`: the process is up and answering. No database access, no session, no
authentication: what load balancers poll, and the bare-request floor the benchmark measures."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
