"""Writes to the registry that carry a rule beyond saving a form."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.core.errors import DomainError
from minka.core.scope import can
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    BoardPosition,
    BoardRole,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Sex,
)


@transaction.atomic
def bank_account_verify(
    *, user: Any, account: BankAccount, verified: bool, note: str = ""
) -> BankAccount:
    """Record that an officer checked an account with its institution.

    Only an account at an SBS-regulated institution can be verified: programme money never
    goes to an unregulated one. A rejection needs a note so the organization knows why."""
    account = (
        BankAccount.objects.select_for_update().select_related("institution").get(pk=account.pk)
    )
    if not can(user, "change", account):
        raise DomainError(_("You may not verify this account."), code="forbidden")
    if verified and not account.institution.sbs_regulated:
        raise DomainError(
            _("%(institution)s is not regulated by the SBS; programme money cannot go there.")
            % {"institution": account.institution},
            field="decision",
        )
    if not verified and not note.strip():
        raise DomainError(_("Say why the account is rejected."), field="note")
    account.status = AccountStatus.VERIFIED if verified else AccountStatus.REJECTED
    account.verified_by = user if verified else None
    account.verified_at = timezone.now() if verified else None
    account.verification_note = note.strip()
    account.save()
    return account


def _require_change(user: Any, organization: Organization) -> None:
    if not can(user, "change", organization):
        raise DomainError(_("You may not change this organization."), code="forbidden")


@transaction.atomic
def membership_add(
    *, user: Any, organization: Organization, person: Person, joined_on: datetime.date | None = None
) -> Membership:
    """Register a person as a member. Women's groups admit women only."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_change(user, organization)
    if organization.kind == OrganizationKind.WOMENS_GROUP and person.sex != Sex.FEMALE:
        raise DomainError(_("A women's group admits women only."), field="dni")
    membership, created = Membership.objects.get_or_create(
        organization=organization, person=person, defaults={"joined_on": joined_on}
    )
    if not created:
        if membership.left_on is None:
            raise DomainError(
                _("This person is already a member of the organization."), field="dni"
            )
        membership.left_on = None  # re-joining
        membership.joined_on = joined_on or membership.joined_on
        membership.save()
    return membership


@transaction.atomic
def membership_end(*, user: Any, membership: Membership, left_on: datetime.date) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    )
    _require_change(user, membership.organization)
    if membership.left_on is not None:
        raise DomainError(_("This person already left the organization."), field="date")
    if membership.joined_on and left_on < membership.joined_on:
        raise DomainError(_("A member cannot leave before joining."), field="date")
    if membership.organization.board.filter(
        person=membership.person_id, term_end__isnull=True
    ).exists():
        raise DomainError(
            _("This member holds an open board position; end that term first."), field="date"
        )
    membership.left_on = left_on
    membership.save()
    return membership


@transaction.atomic
def board_position_assign(
    *, user: Any, organization: Organization, person: Person, role: str, term_start: datetime.date
) -> BoardPosition:
    """Seat a person on the board. The current holder's open term ends the day before; the new
    holder becomes a member if not one already."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _require_change(user, organization)
    if role != BoardRole.MEMBER:
        current = organization.board.filter(role=role, term_end__isnull=True).first()
        if current is not None:
            if current.person_id == person.pk:
                raise DomainError(_("This person already holds the position."), field="dni")
            if term_start <= current.term_start:
                raise DomainError(
                    _("The new term must start after the current holder's (%(date)s).")
                    % {"date": current.term_start.isoformat()},
                    field="term_start",
                )
            current.term_end = term_start - datetime.timedelta(days=1)
            current.save()
    if not organization.memberships.filter(person=person, left_on__isnull=True).exists():
        membership_add(user=user, organization=organization, person=person, joined_on=term_start)
    return BoardPosition.objects.create(
        organization=organization, person=person, role=role, term_start=term_start
    )


@transaction.atomic
def board_position_end(
    *, user: Any, position: BoardPosition, term_end: datetime.date
) -> BoardPosition:
    position = (
        BoardPosition.objects.select_for_update().select_related("organization").get(pk=position.pk)
    )
    _require_change(user, position.organization)
    if position.term_end is not None:
        raise DomainError(_("This term has already ended."), field="date")
    if term_end < position.term_start:
        raise DomainError(_("The term cannot end before it starts."), field="date")
    position.term_end = term_end
    position.save()
    return position
