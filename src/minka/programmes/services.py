"""Writes to programme settings."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.core.money import Money
from minka.core.scope import can
from minka.programmes.models import FundingSource, Programme


@transaction.atomic
def funding_source_add(
    *, user: Any, programme: Programme, name: str, kind: str, amount: Money
) -> FundingSource:
    """Record money a programme may spend, in the currency it was agreed in."""
    if not can(user, "change", programme):
        raise DomainError(_("You may not change this programme."), code="forbidden")
    if amount.amount_minor <= 0:
        raise DomainError(_("The amount must be positive."), field="amount")
    try:
        with transaction.atomic():
            return FundingSource.objects.create(
                programme=programme,
                name=name.strip(),
                kind=kind,
                amount_minor=amount.amount_minor,
                currency=amount.currency,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("The programme already has a funding source with this name."), field="name"
        ) from exc
