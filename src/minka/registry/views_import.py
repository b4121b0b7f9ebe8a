"""The import page: upload, preview (a dry run), then confirm; and template downloads.

The uploaded file is kept in a private folder between preview and confirmation, named by an
unguessable token bound to the user, and deleted once imported."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.core.errors import DomainError
from minka.registry import importers

KIND_LABELS = {
    "communities": _l("Communities"),
    "households": _l("Households with their members"),
    "organizations": _l("Organizations with members and boards"),
}
PENDING_MAX_AGE_S = 24 * 3600


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_l("What the file contains"), choices=list(KIND_LABELS.items()))
    file = forms.FileField(label=_l("File (CSV or XLSX)"))


def _pending_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT).parent / "pending-imports"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > PENDING_MAX_AGE_S:
            old.unlink(missing_ok=True)
    return folder


def _pending_path(user_id: int, token: str, suffix: str) -> Path:
    if not token.isalnum() or suffix not in (".csv", ".xlsx", ".txt"):
        raise Http404
    return _pending_dir() / f"{user_id}-{token}{suffix}"


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "kinds": KIND_LABELS, "columns": importers.COLUMNS}
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, context)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.MINKA_IMPORT_MAX_BYTES:
            form.add_error(
                "file",
                _("The file is larger than the %(mb)d MB allowed.")
                % {"mb": settings.MINKA_IMPORT_MAX_BYTES // 2**20},
            )
            return render(request, "registry/import.html", context)
        data = upload.read()
        kind = form.cleaned_data["kind"]
        try:
            result = importers.import_file(
                kind=kind, data=data, filename=upload.name, user=request.user, dry_run=True
            )
        except DomainError as exc:
            form.add_error("file", str(exc))
            return render(request, "registry/import.html", context)
        context["result"] = result
        if result.ok:
            token = secrets.token_hex(16)
            suffix = Path(upload.name).suffix.lower()
            _pending_path(request.user.pk, token, suffix).write_bytes(data)
            context.update(token=token, suffix=suffix, kind=kind, filename=upload.name)
    return render(request, "registry/import.html", context)


def _confirm(request: HttpRequest, context: dict) -> HttpResponse:
    kind = request.POST.get("kind", "")
    token, suffix = request.POST.get("token", ""), request.POST.get("suffix", "")
    path = _pending_path(request.user.pk, token, suffix)
    if kind not in KIND_LABELS or not path.exists():
        messages.error(request, _("That preview has expired; upload the file again."))
        return redirect("import")
    try:
        result = importers.import_file(
            kind=kind,
            data=path.read_bytes(),
            filename=request.POST.get("filename", path.name),
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("import")
    if result.ok:
        path.unlink(missing_ok=True)
        messages.success(request, " · ".join(importers.summary_lines(result)))
        return redirect("import")
    context["result"] = result
    return render(request, "registry/import.html", context)


@login_required
def import_template_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in KIND_LABELS or fmt not in ("csv", "xlsx"):
        raise Http404
    body = importers.import_template(kind, fmt)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="minka-{kind}.{fmt}"'
    return response
