"""A small page that runs one service from one form: the shape of most workflow steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minka.core.errors import DomainError


def action_page(
    request: HttpRequest,
    *,
    title: Any,
    back: str,
    form: forms.Form,
    run: Callable[[dict[str, Any]], Any],
    intro: Any = "",
    done: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """Validate the form, call `run(cleaned_data)`; a DomainError lands on the field it names
    (or on the form), and nothing is saved. On success redirect to `done(result)` or `back`."""
    if request.method == "POST" and form.is_valid():
        try:
            result = run(form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect(done(result) if done else back)
    return render(
        request,
        "core/action_form.html",
        {"title": title, "back": back, "form": form, "intro": intro},
    )


def button_action(
    request: HttpRequest, *, run: Callable[[], Any], success: Callable[[Any], Any], back: str
) -> HttpResponse:
    """A one-click step (a POST button): run the service, say what happened, go back."""
    from django.http import Http404

    if request.method != "POST":
        raise Http404
    try:
        result = run()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(result))
    return redirect(back)
