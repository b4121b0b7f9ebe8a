"""Every write of the assistance market and the training cascade, with its rules.

Who acts: an organization acts through its representative (organization representative role)
or through the officers and managers of its area; a confirmation is also signed by a current
president or treasurer of the organization; only the client's representative rates. A provider
account edits its own profile and records its own visits and training events.

Money: the part of a payment that comes from the grant is spending of the funds the
organization holds under its Donación con Carga (SPENT[ta] ← HELD), refused if it holds too
little; the organization's own part is a counterpart contribution (COUNTERPART ← CONTRIBUTED);
both with an idempotency key per payment. A service hired without a grant contract is paid
entirely outside the programme's books and only recorded here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.assistance import indicators
from minka.assistance.models import (
    Attendance,
    CascadeAssignment,
    CascadeSettings,
    HouseholdVisit,
    Practice,
    PracticeAdoption,
    ProviderCoverage,
    ProviderProfile,
    ProviderRating,
    SelectionMethod,
    ServiceConfirmation,
    ServiceContract,
    ServicePayment,
    ServiceState,
    TrainingEvent,
    VerificationMethod,
)
from minka.contracts.models import Concept, Contract, ContractState, ExpenseLine, ReportState
from minka.core.audit import audit_record
from minka.core.errors import DomainError
from minka.core.models import Role
from minka.core.money import Money
from minka.core.scope import can, user_scope
from minka.ledger.models import AccountKind, Journal
from minka.ledger.services import LegSpec, account_for, journal_post
from minka.registry.models import (
    BoardPosition,
    BoardRole,
    Household,
    Organization,
    Person,
    Provider,
    ProviderKind,
)

# The states of a grant contract in which the organization holds and spends funds.
GRANT_RUNNING = {
    ContractState.SIGNED,
    ContractState.TRANCHE_1_PAID,
    ContractState.TRANCHE_2_REQUESTED,
    ContractState.TRANCHE_2_APPROVED,
    ContractState.TRANCHE_2_PAID,
}
TRAINER_KINDS = {ProviderKind.YACHAQ, ProviderKind.TECHNICIAN, ProviderKind.FIRM}
DEFAULT_USUAL, DEFAULT_CAP = 40, 60


# --- who may act -----------------------------------------------------------------------------


def represents(user: Any, organization_id: int) -> bool:
    """The user is the organization's representative (president, treasurer)."""
    scope = user_scope(user)
    return Role.ORG_REP in scope.roles and organization_id in scope.view.organization_ids


def is_provider(user: Any, provider_id: int) -> bool:
    """The user is the provider's own account."""
    scope = user_scope(user)
    return Role.PROVIDER in scope.roles and provider_id in scope.view.provider_ids


def may_act_for(user: Any, organization: Organization) -> bool:
    return represents(user, organization.pk) or can(user, "change", organization)


def _require_act_for(user: Any, organization: Organization) -> None:
    if not may_act_for(user, organization):
        raise DomainError(
            _("Only the organization's representative or an officer of its area may do this."),
            code="forbidden",
        )


def _require_board_signatory(organization: Organization, person: Person, on: datetime.date) -> None:
    holds = BoardPosition.objects.filter(
        Q(term_end__isnull=True) | Q(term_end__gte=on),
        organization=organization,
        person=person,
        role__in=[BoardRole.PRESIDENT, BoardRole.TREASURER],
        term_start__lte=on,
    ).exists()
    if not holds:
        raise DomainError(
            _("%(person)s is not the organization's president or treasurer on %(date)s.")
            % {"person": person, "date": on.isoformat()},
            field="signed_by",
        )


def _positive_money(amount: Money, currency: str, field_name: str, *, zero_ok: bool) -> int:
    if amount.currency != currency:
        raise DomainError(
            _("Amounts are in %(currency)s.") % {"currency": currency}, field=field_name
        )
    if amount.amount_minor < 0 or (amount.amount_minor == 0 and not zero_ok):
        raise DomainError(_("The amount must be positive."), field=field_name)
    return amount.amount_minor


def _not_future(day: datetime.date, field_name: str) -> None:
    if day > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field=field_name)


# --- provider profiles -----------------------------------------------------------------------


@transaction.atomic
def provider_profile_save(
    *,
    user: Any,
    provider: Provider,
    summary: str,
    daily_rate: Money | None,
    available: bool,
    areas: Sequence[Any],
) -> ProviderProfile:
    """The provider's public profile and the territories it serves (replacing the previous
    list). The provider itself or an officer of its district may edit it."""
    if not (is_provider(user, provider.pk) or can(user, "change", provider)):
        raise DomainError(_("You may not edit this provider's profile."), code="forbidden")
    if daily_rate is not None and daily_rate.amount_minor <= 0:
        raise DomainError(_("The daily rate must be positive."), field="daily_rate")
    if not areas:
        raise DomainError(_("Name at least one territory served."), field="areas")
    profile, _created = ProviderProfile.objects.select_for_update().get_or_create(provider=provider)
    profile.summary = summary.strip()
    profile.daily_rate_minor = daily_rate.amount_minor if daily_rate else None
    profile.currency = daily_rate.currency if daily_rate else profile.currency
    profile.available = available
    profile.save()
    wanted = {area.pk: area for area in areas}
    ProviderCoverage.objects.filter(provider=provider).exclude(area_id__in=wanted).delete()
    existing = set(
        ProviderCoverage.objects.filter(provider=provider).values_list("area_id", flat=True)
    )
    ProviderCoverage.objects.bulk_create(
        [
            ProviderCoverage(provider=provider, area=a)
            for pk, a in wanted.items()
            if pk not in existing
        ]
    )
    return profile


# --- contracts -------------------------------------------------------------------------------


def _programme_covers(programme: Any, district_path: str) -> bool:
    return any(
        district_path.startswith(path)
        for path in programme.coverage_areas.values_list("path", flat=True)
    )


def grant_ta_room(grant_contract: Contract, *, excluding: ServiceContract | None = None) -> int:
    """The technical-assistance share of the grant not yet committed to providers nor
    presented in expense reports: what a new service may still take from the grant."""
    line = grant_contract.lines.filter(concept=Concept.TECHNICAL_ASSISTANCE).first()
    if line is None:
        return 0
    reported = (
        ExpenseLine.objects.filter(
            report__contract=grant_contract,
            report__state__in=[ReportState.SUBMITTED, ReportState.APPROVED],
            concept=Concept.TECHNICAL_ASSISTANCE,
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    services = ServiceContract.objects.filter(grant_contract=grant_contract).exclude(
        state=ServiceState.CANCELLED
    )
    if excluding is not None:
        services = services.exclude(pk=excluding.pk)
    committed = 0
    for contract in services.only("pk", "state", "grant_minor"):
        if contract.state == ServiceState.ACTIVE:
            committed += contract.grant_minor
        else:  # a completed service keeps only what it was paid
            committed += paid_by_payer(contract)["grant"]
    return int(line.project_minor - reported - committed)


def paid_by_payer(contract: ServiceContract) -> dict[str, int]:
    row = contract.payments.aggregate(
        grant=Sum("grant_minor"), own=Sum("own_minor"), other=Sum("other_minor")
    )
    return {key: int(value or 0) for key, value in row.items()}


@transaction.atomic
def service_contract_create(
    *,
    user: Any,
    organization: Organization,
    provider: Provider,
    topic: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    days: int,
    daily_rate: Money,
    selection: str,
    grant: Money,
    own: Money,
    other: Money,
    grant_contract: Contract | None = None,
    programme: Any = None,
    description: str = "",
    selection_note: str = "",
    other_payer: str = "",
    copy: Any = None,
) -> ServiceContract:
    """The organization hires a provider: for an initiative of its grant contract (the copy
    attaches to that contract) or on its own, paying with its own money."""
    _require_act_for(user, organization)
    organization = Organization.objects.select_related("district").get(pk=organization.pk)
    if grant_contract is not None:
        grant_contract = Contract.objects.select_for_update().get(pk=grant_contract.pk)
        if not grant_contract.parties.filter(organization=organization).exists():
            raise DomainError(
                _("That grant contract is not the organization's."), field="grant_contract"
            )
        if grant_contract.state not in GRANT_RUNNING:
            raise DomainError(
                _("The grant contract must be signed and running."), field="grant_contract"
            )
        programme = grant_contract.programme
    if programme is None:
        raise DomainError(_("Name the programme."), field="programme")
    if not _programme_covers(programme, organization.district.path):
        raise DomainError(
            _("The programme does not cover the organization's district."), field="programme"
        )
    currency = programme.currency
    topic = topic.strip()
    if not topic:
        raise DomainError(_("Give the topic of the service."), field="topic")
    if ends_on < starts_on:
        raise DomainError(_("The service cannot end before it starts."), field="ends_on")
    if days < 1:
        raise DomainError(_("The service lasts at least one day."), field="days")
    if days > (ends_on - starts_on).days + 1:
        raise DomainError(
            _("%(days)d days do not fit between the start and the end.") % {"days": days},
            field="days",
        )
    if selection not in SelectionMethod.values:
        raise DomainError(_("Say how the provider was chosen."), field="selection")
    rate = _positive_money(daily_rate, currency, "daily_rate", zero_ok=False)
    grant_minor = _positive_money(grant, currency, "grant", zero_ok=True)
    own_minor = _positive_money(own, currency, "own", zero_ok=True)
    other_minor = _positive_money(other, currency, "other", zero_ok=True)
    if grant_minor + own_minor + other_minor != days * rate:
        raise DomainError(
            _("The amounts by payer add up to %(sum)s, but %(days)d days × %(rate)s is %(total)s.")
            % {
                "sum": Money(grant_minor + own_minor + other_minor, currency),
                "days": days,
                "rate": daily_rate,
                "total": Money(days * rate, currency),
            },
            field="grant",
        )
    if other_minor and not other_payer.strip():
        raise DomainError(_("Name the other payer."), field="other_payer")
    if grant_minor:
        if grant_contract is None:
            raise DomainError(
                _("Money from the grant needs the organization's grant contract."),
                field="grant_contract",
            )
        room = grant_ta_room(grant_contract)
        if grant_minor > room:
            raise DomainError(
                _("The grant's technical-assistance share has %(room)s left for new services.")
                % {"room": Money(max(room, 0), currency)},
                field="grant",
                code="insufficient",
            )
    sequence = ServiceContract.objects.filter(programme=programme).count() + 1
    contract = ServiceContract(
        code=f"AT-{programme.code}-{sequence:05d}",
        programme=programme,
        organization=organization,
        provider=provider,
        grant_contract=grant_contract,
        topic=topic,
        description=description.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        days=days,
        daily_rate_minor=rate,
        currency=currency,
        selection=selection,
        selection_note=selection_note.strip(),
        grant_minor=grant_minor,
        own_minor=own_minor,
        other_minor=other_minor,
        other_payer=other_payer.strip(),
        created_by=user,
    )
    while ServiceContract.objects.filter(code=contract.code).exists():
        sequence += 1
        contract.code = f"AT-{programme.code}-{sequence:05d}"
    if copy:
        contract.copy = copy
    contract.save()
    audit_record(
        actor=user,
        action="ta_contract.created",
        obj=contract,
        programme=programme,
        data={
            "code": contract.code,
            "provider": provider.pk,
            "organization": organization.pk,
            "grant_contract": grant_contract.pk if grant_contract else None,
            "grant": grant_minor,
            "own": own_minor,
            "other": other_minor,
        },
    )
    return contract


def _locked(contract: ServiceContract) -> ServiceContract:
    return (
        ServiceContract.objects.select_for_update(of=("self",))
        .select_related("organization", "provider", "programme", "grant_contract")
        .get(pk=contract.pk)
    )


@transaction.atomic
def service_confirm(
    *,
    user: Any,
    contract: ServiceContract,
    confirmed_on: datetime.date,
    days_delivered: int,
    work_done: str,
    amount: Money,
    signed_by: Person,
) -> ServiceConfirmation:
    """The organization confirms a part of the service before it is paid; its president or
    treasurer signs."""
    contract = _locked(contract)
    _require_act_for(user, contract.organization)
    if contract.state == ServiceState.CANCELLED:
        raise DomainError(_("The contract is cancelled."))
    if confirmed_on < contract.starts_on:
        raise DomainError(_("The service had not started on that date."), field="confirmed_on")
    _not_future(confirmed_on, "confirmed_on")
    if not work_done.strip():
        raise DomainError(_("Describe the work delivered."), field="work_done")
    if days_delivered < 1:
        raise DomainError(_("At least one day must have been delivered."), field="days_delivered")
    amount_minor = _positive_money(amount, contract.currency, "amount", zero_ok=False)
    _require_board_signatory(contract.organization, signed_by, confirmed_on)
    so_far = contract.confirmations.aggregate(
        days=Sum("days_delivered"), amount=Sum("amount_minor")
    )
    if (so_far["days"] or 0) + days_delivered > contract.days:
        raise DomainError(
            _("Only %(left)d of the contract's %(days)d days are left to confirm.")
            % {"left": contract.days - (so_far["days"] or 0), "days": contract.days},
            field="days_delivered",
        )
    if (so_far["amount"] or 0) + amount_minor > contract.total_minor:
        raise DomainError(
            _("Only %(left)s of the contract's value is left to confirm.")
            % {"left": contract.money(contract.total_minor - (so_far["amount"] or 0))},
            field="amount",
        )
    number = (
        contract.confirmations.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    confirmation = ServiceConfirmation.objects.create(
        contract=contract,
        number=number,
        confirmed_on=confirmed_on,
        days_delivered=days_delivered,
        work_done=work_done.strip(),
        amount_minor=amount_minor,
        signed_by=signed_by,
        recorded_by=user,
    )
    audit_record(
        actor=user,
        action="ta_confirmation.recorded",
        obj=confirmation,
        programme=contract.programme,
        data={
            "contract": contract.code,
            "number": number,
            "days": days_delivered,
            "amount": amount_minor,
            "signed_by": signed_by.pk,
        },
    )
    return confirmation


@transaction.atomic
def service_pay(
    *,
    user: Any,
    confirmation: ServiceConfirmation,
    paid_on: datetime.date,
    grant: Money,
    own: Money,
    other: Money,
    receipt: str,
) -> ServicePayment:
    """Pay one confirmed part of the service, split by payer. Without a confirmation there is
    nothing to pay; a confirmation is paid once."""
    contract = _locked(confirmation.contract)
    _require_act_for(user, contract.organization)
    confirmation = ServiceConfirmation.objects.select_for_update().get(pk=confirmation.pk)
    if ServicePayment.objects.filter(confirmation=confirmation).exists():
        raise DomainError(_("This confirmation has already been paid."), code="already_paid")
    if contract.state == ServiceState.CANCELLED:
        raise DomainError(_("The contract is cancelled."))
    if paid_on < confirmation.confirmed_on:
        raise DomainError(
            _("A payment cannot precede the confirmation of the service."), field="paid_on"
        )
    _not_future(paid_on, "paid_on")
    receipt = receipt.strip()
    if not receipt:
        raise DomainError(_("Give the number of the provider's receipt."), field="receipt")
    currency = contract.currency
    parts = {
        "grant": _positive_money(grant, currency, "grant", zero_ok=True),
        "own": _positive_money(own, currency, "own", zero_ok=True),
        "other": _positive_money(other, currency, "other", zero_ok=True),
    }
    if sum(parts.values()) != confirmation.amount_minor:
        raise DomainError(
            _("The payment must add up to the confirmed %(amount)s.")
            % {"amount": contract.money(confirmation.amount_minor)},
            field="grant",
        )
    paid = paid_by_payer(contract)
    agreed = {
        "grant": contract.grant_minor,
        "own": contract.own_minor,
        "other": contract.other_minor,
    }
    labels = {
        "grant": _("the grant"),
        "own": _("the organization's own money"),
        "other": _("others"),
    }
    for payer, amount_minor in parts.items():
        if paid[payer] + amount_minor > agreed[payer]:
            raise DomainError(
                _("The contract puts %(agreed)s on %(payer)s; %(paid)s is already paid.")
                % {
                    "agreed": contract.money(agreed[payer]),
                    "payer": labels[payer],
                    "paid": contract.money(paid[payer]),
                },
                field=payer,
            )
    grant_contract = contract.grant_contract
    if parts["grant"]:
        assert grant_contract is not None  # database constraint: grant money needs the contract
        grant_contract = Contract.objects.select_for_update().get(pk=grant_contract.pk)
        if grant_contract.state not in GRANT_RUNNING:
            raise DomainError(
                _("The grant contract is no longer running; pay from the grant is closed."),
                field="grant",
            )
    # One payment per confirmation (a database unique constraint), so the confirmation names
    # the payment's journals: a repeated request finds them instead of posting twice.
    key = f"ta-payment:{confirmation.pk}"
    grant_journal = own_journal = None
    if grant_contract is not None:
        grant_journal = _post_grant(
            contract, grant_contract, parts["grant"], paid_on, receipt, f"{key}:grant", user
        )
        own_journal = _post_own(
            contract, grant_contract, parts["own"], paid_on, receipt, f"{key}:own", user
        )
    payment = ServicePayment.objects.create(
        confirmation=confirmation,
        contract=contract,
        paid_on=paid_on,
        grant_minor=parts["grant"],
        own_minor=parts["own"],
        other_minor=parts["other"],
        receipt=receipt,
        grant_journal=grant_journal,
        own_journal=own_journal,
        paid_by=user,
    )
    audit_record(
        actor=user,
        action="ta_payment.recorded",
        obj=payment,
        programme=contract.programme,
        data={
            "contract": contract.code,
            "confirmation": confirmation.number,
            "receipt": receipt,
            **parts,
        },
    )
    return payment


def _post_grant(
    contract: ServiceContract,
    grant_contract: Contract,
    amount_minor: int,
    paid_on: datetime.date,
    receipt: str,
    key: str,
    user: Any,
) -> Journal | None:
    if not amount_minor:
        return None
    programme, organization = grant_contract.programme, grant_contract.organization
    amount = Money(amount_minor, grant_contract.currency)
    spent = account_for(
        programme=programme,
        kind=AccountKind.SPENT,
        currency=grant_contract.currency,
        commitment=grant_contract.commitment_ref,
        concept=Concept.TECHNICAL_ASSISTANCE,
        organization=organization,
    )
    held = account_for(
        programme=programme,
        kind=AccountKind.HELD,
        currency=grant_contract.currency,
        organization=organization,
        commitment=grant_contract.commitment_ref,
    )
    return journal_post(
        programme=programme,
        kind="spending",
        legs=[LegSpec(spent, amount), LegSpec(held, -amount)],
        memo=_("Technical assistance %(code)s, receipt %(receipt)s")
        % {"code": contract.code, "receipt": receipt},
        effective_date=paid_on,
        idempotency_key=key,
        actor=user,
        reference=receipt,
    )


def _post_own(
    contract: ServiceContract,
    grant_contract: Contract,
    amount_minor: int,
    paid_on: datetime.date,
    receipt: str,
    key: str,
    user: Any,
) -> Journal | None:
    if not amount_minor:
        return None
    programme, organization = grant_contract.programme, contract.organization
    amount = Money(amount_minor, grant_contract.currency)
    counterpart = account_for(
        programme=programme,
        kind=AccountKind.COUNTERPART,
        currency=grant_contract.currency,
        commitment=grant_contract.commitment_ref,
        organization=organization,
    )
    contributed = account_for(
        programme=programme,
        kind=AccountKind.CONTRIBUTED,
        currency=grant_contract.currency,
        organization=organization,
    )
    return journal_post(
        programme=programme,
        kind="counterpart",
        legs=[LegSpec(counterpart, amount), LegSpec(contributed, -amount)],
        memo=_("Own money for technical assistance %(code)s, receipt %(receipt)s")
        % {"code": contract.code, "receipt": receipt},
        effective_date=paid_on,
        idempotency_key=key,
        actor=user,
        reference=receipt,
    )


@transaction.atomic
def service_complete(
    *,
    user: Any,
    contract: ServiceContract,
    completed_on: datetime.date,
    men_assisted: int,
    women_assisted: int,
    note: str = "",
) -> ServiceContract:
    """Close the service with the men and women it assisted; the client can then rate it."""
    contract = _locked(contract)
    _require_act_for(user, contract.organization)
    if contract.state != ServiceState.ACTIVE:
        raise DomainError(_("Only a contracted service can be completed."))
    if completed_on < contract.starts_on:
        raise DomainError(_("The service cannot end before it starts."), field="completed_on")
    _not_future(completed_on, "completed_on")
    if men_assisted < 0 or women_assisted < 0:
        raise DomainError(_("Counts cannot be negative."), field="men_assisted")
    if men_assisted + women_assisted == 0:
        raise DomainError(_("Record the men and women assisted."), field="men_assisted")
    if not contract.confirmations.exists():
        raise DomainError(_("No part of the service has been confirmed yet."))
    contract.state = ServiceState.COMPLETED
    contract.completed_on = completed_on
    contract.men_assisted, contract.women_assisted = men_assisted, women_assisted
    contract.closing_note = note.strip()
    contract.save()
    audit_record(
        actor=user,
        action="ta_contract.completed",
        obj=contract,
        programme=contract.programme,
        data={"men": men_assisted, "women": women_assisted},
    )
    return contract


@transaction.atomic
def service_cancel(*, user: Any, contract: ServiceContract, reason: str) -> ServiceContract:
    """End the contract early; what was paid stays paid, the rest is released."""
    contract = _locked(contract)
    _require_act_for(user, contract.organization)
    if contract.state != ServiceState.ACTIVE:
        raise DomainError(_("Only a contracted service can be cancelled."))
    if not reason.strip():
        raise DomainError(_("Say why the contract ends."), field="reason")
    if contract.confirmations.filter(payment__isnull=True).exists():
        raise DomainError(_("A confirmed part is waiting for payment; pay it first."))
    contract.state = ServiceState.CANCELLED
    contract.closing_note = reason.strip()
    contract.save(update_fields=["state", "closing_note"])
    audit_record(
        actor=user,
        action="ta_contract.cancelled",
        obj=contract,
        programme=contract.programme,
        data={"reason": reason.strip()},
    )
    return contract


@transaction.atomic
def provider_rate(
    *,
    user: Any,
    contract: ServiceContract,
    quality: int,
    punctuality: int,
    relevance: int,
    communication: int,
    would_hire_again: bool,
    signed_by: Person,
    rated_on: datetime.date,
    comment: str = "",
) -> ProviderRating:
    """The client organization rates the provider once the service is completed. Only its
    representative may: not officers, not the provider."""
    contract = _locked(contract)
    if not represents(user, contract.organization_id):
        raise DomainError(
            _("Only the client organization's representative rates the provider."),
            code="forbidden",
        )
    if contract.state != ServiceState.COMPLETED:
        raise DomainError(_("The provider is rated when the service is completed."))
    if ProviderRating.objects.filter(contract=contract).exists():
        raise DomainError(_("This service has already been rated."), code="already_rated")
    for name, value in (
        ("quality", quality),
        ("punctuality", punctuality),
        ("relevance", relevance),
        ("communication", communication),
    ):
        if not 1 <= value <= 5:
            raise DomainError(_("Each criterion is scored from 1 to 5."), field=name)
    assert contract.completed_on is not None
    if rated_on < contract.completed_on:
        raise DomainError(_("The rating comes after the service ends."), field="rated_on")
    _not_future(rated_on, "rated_on")
    _require_board_signatory(contract.organization, signed_by, rated_on)
    rating = ProviderRating.objects.create(
        contract=contract,
        provider=contract.provider,
        organization=contract.organization,
        quality=quality,
        punctuality=punctuality,
        relevance=relevance,
        communication=communication,
        would_hire_again=would_hire_again,
        comment=comment.strip(),
        signed_by=signed_by,
        rated_by=user,
        rated_on=rated_on,
    )
    audit_record(
        actor=user,
        action="ta_rating.recorded",
        obj=rating,
        programme=contract.programme,
        data={
            "contract": contract.code,
            "score": str(indicators.rating_score(quality, punctuality, relevance, communication)),
        },
    )
    return rating


# --- cascade ---------------------------------------------------------------------------------


def load_limits(programme: Any) -> tuple[int, int]:
    settings = CascadeSettings.objects.filter(programme=programme).first()
    if settings is None:
        return DEFAULT_USUAL, DEFAULT_CAP
    return settings.households_per_yachachiq, settings.hard_cap


@transaction.atomic
def cascade_settings_save(
    *, user: Any, programme: Any, households_per_yachachiq: int, hard_cap: int
) -> CascadeSettings:
    grants = user_scope(user).change
    if not (grants.everything or programme.pk in grants.programme_ids):
        raise DomainError(_("Only the programme's manager may do this."), code="forbidden")
    if households_per_yachachiq < 1 or hard_cap < households_per_yachachiq:
        raise DomainError(
            _("The maximum must be at least the usual number of households."), field="hard_cap"
        )
    settings, _created = CascadeSettings.objects.update_or_create(
        programme=programme,
        defaults={"households_per_yachachiq": households_per_yachachiq, "hard_cap": hard_cap},
    )
    return settings


@dataclass
class AssignResult:
    assignments: list[CascadeAssignment]
    load: int
    status: indicators.Load
    warning: str = ""
    codes: list[str] = field(default_factory=list)


def active_load(yachachiq: Provider, programme: Any) -> int:
    return CascadeAssignment.objects.filter(
        yachachiq=yachachiq, programme=programme, ended_on__isnull=True
    ).count()


@transaction.atomic
def yachachiq_assign(
    *,
    user: Any,
    programme: Any,
    yachachiq: Provider,
    households: Sequence[Household],
    assigned_on: datetime.date,
) -> AssignResult:
    """Add households to a yachachiq's plan. Above the programme's usual load the result
    carries a warning; above its hard cap nothing is assigned."""
    # The yachachiq's row is the lock: two assignments at once cannot both pass the cap.
    yachachiq = Provider.objects.select_for_update().get(pk=yachachiq.pk)
    if yachachiq.kind != ProviderKind.YACHACHIQ:
        raise DomainError(_("Households are assigned to a yachachiq."), field="yachachiq")
    if not households:
        raise DomainError(_("Name at least one household."), field="households")
    ids = {h.pk for h in households}
    rows = list(
        Household.objects.filter(pk__in=ids).select_related("community__district").order_by("pk")
    )
    for household in rows:
        if not can(user, "change", household):
            raise DomainError(
                _("Household %(code)s is outside your area.") % {"code": household.code},
                field="households",
                code="forbidden",
            )
        if not _programme_covers(programme, household.community.district.path):
            raise DomainError(
                _("Household %(code)s is outside the programme's areas.")
                % {"code": household.code},
                field="households",
            )
    taken = list(
        CascadeAssignment.objects.filter(
            programme=programme, household_id__in=ids, ended_on__isnull=True
        ).values_list("household__code", flat=True)
    )
    if taken:
        raise DomainError(
            _("Already in a yachachiq's plan: %(codes)s.") % {"codes": ", ".join(sorted(taken))},
            field="households",
        )
    usual, cap = load_limits(programme)
    current = active_load(yachachiq, programme)
    status = indicators.load_status(current=current, adding=len(rows), usual=usual, cap=cap)
    if status == indicators.Load.REFUSED:
        raise DomainError(
            _(
                "%(name)s would serve %(count)d households; the programme allows at most "
                "%(cap)d per yachachiq."
            )
            % {"name": yachachiq.name, "count": current + len(rows), "cap": cap},
            field="households",
            code="over_cap",
        )
    assignments = CascadeAssignment.objects.bulk_create(
        [
            CascadeAssignment(
                programme=programme, yachachiq=yachachiq, household=h, assigned_on=assigned_on
            )
            for h in rows
        ]
    )
    warning = ""
    if status == indicators.Load.WARNING:
        warning = _("%(name)s now serves %(count)d households, more than the usual %(usual)d.") % {
            "name": yachachiq.name,
            "count": current + len(rows),
            "usual": usual,
        }
    return AssignResult(
        assignments=assignments,
        load=current + len(rows),
        status=status,
        warning=warning,
        codes=[h.code for h in rows],
    )


@transaction.atomic
def assignment_end(
    *, user: Any, assignment: CascadeAssignment, ended_on: datetime.date
) -> CascadeAssignment:
    assignment = CascadeAssignment.objects.select_for_update().get(pk=assignment.pk)
    if not can(user, "change", assignment.household):
        raise DomainError(_("That household is outside your area."), code="forbidden")
    if assignment.ended_on is not None:
        raise DomainError(_("The assignment has already ended."))
    if ended_on < assignment.assigned_on:
        raise DomainError(_("It cannot end before it began."), field="ended_on")
    assignment.ended_on = ended_on
    assignment.save(update_fields=["ended_on"])
    return assignment


@transaction.atomic
def training_event_record(
    *,
    user: Any,
    programme: Any,
    trainer: Provider,
    topic: str,
    held_on: datetime.date,
    place: str,
    district: Any,
    attendees: Sequence[Person],
    cost: Money | None = None,
    practice: str = "",
) -> TrainingEvent:
    """A yachaq (or a technician) trains yachachiq; attendance by person."""
    if not (is_provider(user, trainer.pk) or _officer_of(user, district.path)):
        raise DomainError(_("You may not record events there."), code="forbidden")
    if trainer.kind not in TRAINER_KINDS:
        raise DomainError(
            _("Training events are given by a yachaq or a technician."), field="trainer"
        )
    if getattr(district, "level", 3) != 3:
        raise DomainError(_("Name the district where the event took place."), field="district")
    if not _programme_covers(programme, district.path):
        raise DomainError(_("The programme does not cover that district."), field="district")
    if not topic.strip():
        raise DomainError(_("Give the topic."), field="topic")
    if not place.strip():
        raise DomainError(_("Give the place."), field="place")
    if practice and practice not in Practice.values:
        raise DomainError(_("Unknown practice."), field="practice")
    _not_future(held_on, "held_on")
    if not attendees:
        raise DomainError(_("Record who attended."), field="attendees")
    people = {p.pk: p for p in attendees}
    cost_minor = 0
    if cost is not None:
        cost_minor = _positive_money(cost, programme.currency, "cost", zero_ok=True)
    event = TrainingEvent.objects.create(
        programme=programme,
        trainer=trainer,
        topic=topic.strip(),
        practice=practice,
        held_on=held_on,
        place=place.strip(),
        district=district,
        cost_minor=cost_minor,
        currency=programme.currency,
        recorded_by=user,
    )
    Attendance.objects.bulk_create([Attendance(event=event, person=p) for p in people.values()])
    return event


def _officer_of(user: Any, path: str) -> bool:
    grants = user_scope(user).change
    return grants.everything or any(path.startswith(p) for p in grants.area_paths)


@transaction.atomic
def household_visit_record(
    *,
    user: Any,
    programme: Any,
    yachachiq: Provider,
    household: Household,
    visited_on: datetime.date,
    practice: str,
    note: str = "",
) -> HouseholdVisit:
    """A yachachiq's visit to a household of its plan. The yachachiq's own account or an
    officer of the household's area records it."""
    if not (is_provider(user, yachachiq.pk) or can(user, "change", household)):
        raise DomainError(_("You may not record visits for this household."), code="forbidden")
    assignment = (
        CascadeAssignment.objects.filter(
            programme=programme,
            yachachiq=yachachiq,
            household=household,
            ended_on__isnull=True,
        )
        .order_by("-assigned_on")
        .first()
    )
    if assignment is None:
        raise DomainError(
            _("Household %(code)s is not in this yachachiq's plan.") % {"code": household.code},
            field="household",
        )
    if visited_on < assignment.assigned_on:
        raise DomainError(
            _("The household joined the plan on %(date)s.")
            % {"date": assignment.assigned_on.isoformat()},
            field="visited_on",
        )
    _not_future(visited_on, "visited_on")
    if practice not in Practice.values:
        raise DomainError(_("Unknown practice."), field="practice")
    return HouseholdVisit.objects.create(
        programme=programme,
        yachachiq=yachachiq,
        household=household,
        visited_on=visited_on,
        practice=practice,
        note=note.strip(),
        recorded_by=user,
    )


@transaction.atomic
def practice_adoption_verify(
    *,
    user: Any,
    programme: Any,
    household: Household,
    practice: str,
    method: str,
    verified_on: datetime.date,
    visit: HouseholdVisit | None = None,
    evidence: str = "",
) -> PracticeAdoption:
    """Record that a household adopted a practice it was taught: seen at a later visit, or in
    a contest."""
    taught = (
        HouseholdVisit.objects.filter(programme=programme, household=household, practice=practice)
        .order_by("visited_on")
        .first()
    )
    allowed = can(user, "change", household) or (
        taught is not None and is_provider(user, taught.yachachiq_id)
    )
    if not allowed:
        raise DomainError(_("You may not verify practices of this household."), code="forbidden")
    if practice not in Practice.values:
        raise DomainError(_("Unknown practice."), field="practice")
    if taught is None:
        raise DomainError(_("No visit taught this practice to the household."), field="practice")
    if method == VerificationMethod.VISIT:
        if (
            visit is None
            or visit.household_id != household.pk
            or visit.programme_id != programme.pk
        ):
            raise DomainError(_("Name the visit at which it was seen."), field="visit")
        verified_on = visit.visited_on
    elif method == VerificationMethod.CONTEST:
        if not evidence.strip():
            raise DomainError(_("Name the contest where it was seen."), field="evidence")
        visit = None
    else:
        raise DomainError(_("Say how the adoption was verified."), field="method")
    if verified_on <= taught.visited_on:
        raise DomainError(
            _("Adoption is verified after the practice was taught (on %(date)s).")
            % {"date": taught.visited_on.isoformat()},
            field="verified_on",
        )
    _not_future(verified_on, "verified_on")
    if PracticeAdoption.objects.filter(
        programme=programme, household=household, practice=practice
    ).exists():
        raise DomainError(_("This adoption is already recorded."), field="practice")
    return PracticeAdoption.objects.create(
        programme=programme,
        household=household,
        practice=practice,
        verified_on=verified_on,
        method=method,
        visit=visit,
        evidence=evidence.strip(),
        recorded_by=user,
    )
