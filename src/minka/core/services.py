"""Writes shared by every app: saving an edited record inside the user's scope."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms import ModelForm
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.core.scope import can, restrict


@transaction.atomic
def record_save(*, user: Any, form: ModelForm) -> Any:
    """Save a validated model form if the user may change the record before and after the edit.

    Checking after the save (inside the transaction) refuses moving a record out of the user's
    scope, e.g. an officer re-assigning a community to a district of another office."""
    instance = form.instance
    if instance.pk is not None and not can(
        user, "change", type(instance).objects.get(pk=instance.pk)
    ):
        raise DomainError(_("You may not change this record."), code="forbidden")
    saved = form.save()
    if not restrict(type(saved).objects.filter(pk=saved.pk), user, "change").exists():
        raise DomainError(
            _("The record would fall outside the territory you are responsible for."),
            code="forbidden",
        )
    return saved
