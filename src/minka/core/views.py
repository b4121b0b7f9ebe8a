"""Home dashboard, health check and API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minka.core.models import ApiToken
from minka.core.selectors import dashboard_counts


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers and uptime checks)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", dashboard_counts(user=request.user))


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    tokens = request.user.api_tokens.all()
    return render(request, "core/api_tokens.html", {"tokens": tokens})


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    name = (request.POST.get("name") or "").strip()[:100] or _("API token")
    _token, key = ApiToken.issue(user=request.user, name=name)
    tokens = request.user.api_tokens.all()
    return render(request, "core/api_tokens.html", {"tokens": tokens, "new_key": key})


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    request.user.api_tokens.filter(pk=pk).delete()
    messages.success(request, _("Token revoked."))
    return redirect("api-tokens")
