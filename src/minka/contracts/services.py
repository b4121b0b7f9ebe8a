"""Every write on a Contrato de Donación con Carga, with its rules.

Money moves only through ledger journals (commitment at signing, disbursement at ATF
execution, spending at the approval of an expense report, refund and release at liquidation or
cancellation), each with an idempotency key; decisions append to the audit chain. Rows that
money depends on are locked (contract first, then ledger accounts by id) inside the
transaction that writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.contracts import tranches as calc
from minka.contracts.models import (
    Addendum,
    Atf,
    AtfState,
    Concept,
    Contract,
    ContractLine,
    ContractParty,
    ContractState,
    CounterpartDeposit,
    DepositKind,
    ExpenseLine,
    ExpenseReport,
    Liquidation,
    MisuseFlag,
    ReceiptType,
    ReportState,
    Tranche,
    TranchePolicy,
    TrancheState,
)
from minka.core.audit import audit_record
from minka.core.errors import DomainError
from minka.core.models import Role
from minka.core.money import Money
from minka.core.scope import can, user_scope
from minka.core.validators import is_valid_ruc
from minka.ledger.models import AccountKind
from minka.ledger.services import LegSpec, account_for, balance, journal_post
from minka.registry.models import AccountStatus, BankAccount, BoardPosition, BoardRole

# Which state may follow which (Sierra Sur); cancellation is possible from any open state.
TRANSITIONS: dict[str, set[str]] = {
    ContractState.PROPOSAL: {ContractState.APPROVED, ContractState.REJECTED},
    ContractState.APPROVED: {ContractState.SIGNED},
    ContractState.SIGNED: {ContractState.TRANCHE_1_PAID},
    ContractState.TRANCHE_1_PAID: {ContractState.TRANCHE_2_REQUESTED, ContractState.LIQUIDATED},
    ContractState.TRANCHE_2_REQUESTED: {ContractState.TRANCHE_2_APPROVED},
    ContractState.TRANCHE_2_APPROVED: {ContractState.TRANCHE_2_PAID},
    ContractState.TRANCHE_2_PAID: {ContractState.LIQUIDATED},
    ContractState.REJECTED: set(),
    ContractState.LIQUIDATED: set(),
    ContractState.CANCELLED: set(),
}
CLOSED = {ContractState.REJECTED, ContractState.LIQUIDATED, ContractState.CANCELLED}
RUNNING = {
    ContractState.SIGNED,
    ContractState.TRANCHE_1_PAID,
    ContractState.TRANCHE_2_REQUESTED,
    ContractState.TRANCHE_2_APPROVED,
    ContractState.TRANCHE_2_PAID,
}


@dataclass(frozen=True)
class LineInput:
    concept: str
    project: Money
    organization: Money
    other: Money
    description: str = ""


@dataclass(frozen=True)
class ExpenseInput:
    spent_on: datetime.date
    receipt_type: str
    receipt_number: str
    supplier_ruc: str
    concept: str
    amount: Money
    description: str = ""
    scan: Any = None


# --- permissions ------------------------------------------------------------------------------


def _require_manage(user: Any, contract: Contract) -> None:
    """Officers of the contract's area, its programme's manager and administrators."""
    if not can(user, "change", contract):
        raise DomainError(_("You may not act on this contract."), code="forbidden")


def _require_manager(user: Any, programme: Any) -> None:
    scope = user_scope(user).change
    if not (scope.everything or programme.pk in scope.programme_ids):
        raise DomainError(_("Only the programme's manager may do this."), code="forbidden")


def _represents(user: Any, contract: Contract) -> bool:
    scope = user_scope(user)
    party_ids = set(contract.parties.values_list("organization_id", flat=True))
    return Role.ORG_REP in scope.roles and bool(scope.view.organization_ids & party_ids)


def _require_represent_or_manage(user: Any, contract: Contract) -> None:
    if not (_represents(user, contract) or can(user, "change", contract)):
        raise DomainError(_("You may not act on this contract."), code="forbidden")


def _transition(contract: Contract, to: str) -> None:
    if to == ContractState.CANCELLED:
        if contract.state in CLOSED:
            raise DomainError(_("A closed contract cannot be cancelled."))
    elif to not in TRANSITIONS[contract.state]:
        raise DomainError(
            _("A contract in state “%(state)s” cannot become “%(to)s”.")
            % {"state": contract.get_state_display(), "to": ContractState(to).label}
        )
    contract.state = to
    contract.save(update_fields=["state"])


def _locked(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update()
        .select_related("programme", "organization", "funding_source", "local_office")
        .get(pk=contract.pk)
    )


# --- amounts ----------------------------------------------------------------------------------


def totals(contract: Contract) -> dict[str, Money]:
    row = contract.lines.aggregate(
        project=Sum("project_minor"),
        organization=Sum("organization_minor"),
        other=Sum("other_minor"),
    )
    return {key: contract.money(int(value or 0)) for key, value in row.items()}


def _accounts(contract: Contract) -> dict[str, Any]:
    programme, currency = contract.programme, contract.currency
    return {
        "budget": account_for(
            programme=programme,
            kind=AccountKind.BUDGET,
            currency=currency,
            funding_source=contract.funding_source,
        ),
        "held": account_for(
            programme=programme,
            kind=AccountKind.HELD,
            currency=currency,
            organization=contract.organization,
            commitment=contract.commitment_ref,
        ),
    }


def _committed_account(contract: Contract, concept: str) -> Any:
    return account_for(
        programme=contract.programme,
        kind=AccountKind.COMMITTED,
        currency=contract.currency,
        commitment=contract.commitment_ref,
        concept=concept,
        organization=contract.organization,
    )


def _spent_account(contract: Contract, concept: str) -> Any:
    return account_for(
        programme=contract.programme,
        kind=AccountKind.SPENT,
        currency=contract.currency,
        commitment=contract.commitment_ref,
        concept=concept,
        organization=contract.organization,
    )


def money_position(contract: Contract) -> dict[str, Money]:
    """The contract's money by stage, from its ledger legs in one query (read-only)."""
    from minka.ledger.models import Leg

    by_kind = dict(
        Leg.objects.filter(
            account__programme=contract.programme, account__commitment=contract.commitment_ref
        )
        .values("account__kind")
        .annotate(total=Sum("amount_minor"))
        .values_list("account__kind", "total")
    )
    project = totals(contract)["project"].amount_minor
    paid = (
        contract.tranches.filter(state=TrancheState.PAID).aggregate(total=Sum("amount_minor"))[
            "total"
        ]
        or 0
    )
    return {
        "project": contract.money(project),
        "to_disburse": contract.money(int(by_kind.get(AccountKind.COMMITTED, 0))),
        "disbursed": contract.money(int(paid)),
        "held": contract.money(int(by_kind.get(AccountKind.HELD, 0))),
        "accounted": contract.money(int(by_kind.get(AccountKind.SPENT, 0))),
        "deposited": contract.money(cash_deposited(contract)),
        "counterpart": contract.money(int(by_kind.get(AccountKind.COUNTERPART, 0))),
    }


def cash_deposited(contract: Contract) -> int:
    total = contract.deposits.filter(kind=DepositKind.CASH).aggregate(total=Sum("amount_minor"))[
        "total"
    ]
    return int(total or 0)


def accounted_minor(contract: Contract) -> int:
    total = ExpenseLine.objects.filter(
        report__contract=contract, report__state=ReportState.APPROVED
    ).aggregate(total=Sum("amount_minor"))["total"]
    return int(total or 0)


# --- creation and decisions -------------------------------------------------------------------


def _policy(programme: Any, instrument: str) -> TranchePolicy:
    policy = TranchePolicy.objects.filter(programme=programme, instrument=instrument).first()
    return policy or TranchePolicy(programme=programme, instrument=instrument)


@transaction.atomic
def contract_create(
    *,
    user: Any,
    programme: Any,
    local_office: Any,
    organization: Any,
    instrument: str,
    title: str,
    funding_source: Any,
    term_months: int,
    lines: Sequence[LineInput],
    justification: str,
    member_organizations: Sequence[Any] = (),
    head_office_authorised: bool = False,
) -> Contract:
    """A contract made directly by the programme manager, with a written justification (until
    contracts come from initiatives approved at a CLAR)."""
    _require_manager(user, programme)
    if not justification.strip():
        raise DomainError(_("Say why this contract is made without a CLAR."), field="justification")
    if local_office.programme_id != programme.pk or funding_source.programme_id != programme.pk:
        raise DomainError(
            _("The office and the funding source must be the programme's."), field="local_office"
        )
    if not can(user, "view", organization):
        raise DomainError(_("That organization is outside your scope."), field="organization")
    if term_months < 1 or term_months > 60:
        raise DomainError(_("The term is 1 to 60 months."), field="term_months")
    if not lines:
        raise DomainError(_("A contract needs at least one budget line."), field="lines")
    currency = programme.currency
    concepts = [line.concept for line in lines]
    if len(set(concepts)) != len(concepts):
        raise DomainError(_("Each concept appears once; add the amounts together."), field="lines")
    project = organization_share = other = 0
    for line in lines:
        for money in (line.project, line.organization, line.other):
            if money.currency != currency:
                raise DomainError(
                    _("Amounts are in %(currency)s.") % {"currency": currency}, field="lines"
                )
            if money.amount_minor < 0:
                raise DomainError(_("Amounts cannot be negative."), field="lines")
        if line.concept == Concept.PRIZES and (
            line.organization.amount_minor or line.other.amount_minor
        ):
            raise DomainError(_("Contest prizes are paid 100 % by the project."), field="lines")
        project += line.project.amount_minor
        organization_share += line.organization.amount_minor
        other += line.other.amount_minor
    if project <= 0:
        raise DomainError(_("The project's share must be positive."), field="lines")
    policy = _policy(programme, instrument)
    total = project + organization_share + other
    if not calc.reaches(organization_share, total, policy.minimum_counterpart_percent):
        raise DomainError(
            _("The organization must put in at least %(percent)d %% of the cost.")
            % {"percent": policy.minimum_counterpart_percent},
            field="lines",
        )
    first_percent = policy.first_tranche_percent
    if (
        first_percent == 100
        and policy.needs_head_office_authorisation
        and not head_office_authorised
    ):
        raise DomainError(
            _("A single tranche of 100 %% needs the head office's authorisation."),
            field="head_office_authorised",
        )
    year = timezone.localdate().year
    sequence = (
        Contract.objects.filter(
            programme=programme, code__startswith=f"{programme.code}-{year}-"
        ).count()
        + 1
    )
    contract = Contract.objects.create(
        code=f"{programme.code}-{year}-{sequence:04d}",
        programme=programme,
        local_office=local_office,
        organization=organization,
        instrument=instrument,
        title=title.strip(),
        funding_source=funding_source,
        currency=currency,
        term_months=term_months,
        justification=justification.strip(),
        first_tranche_percent=first_percent,
        counterpart_percent_before_first=policy.counterpart_percent_before_first,
        accounted_percent_before_second=policy.accounted_percent_before_second,
        head_office_authorised=head_office_authorised,
        created_by=user,
    )
    ContractParty.objects.create(contract=contract, organization=organization, is_lead=True)
    for member in member_organizations:
        if member.pk != organization.pk:
            ContractParty.objects.get_or_create(contract=contract, organization=member)
    ContractLine.objects.bulk_create(
        [
            ContractLine(
                contract=contract,
                concept=line.concept,
                description=line.description,
                project_minor=line.project.amount_minor,
                organization_minor=line.organization.amount_minor,
                other_minor=line.other.amount_minor,
            )
            for line in lines
        ]
    )
    for number, amount in enumerate(calc.tranche_amounts(project, first_percent), start=1):
        Tranche.objects.create(contract=contract, number=number, amount_minor=amount)
    audit_record(
        actor=user,
        action="contract.created",
        obj=contract,
        programme=programme,
        data={
            "code": contract.code,
            "project": project,
            "organization": organization_share,
            "other": other,
        },
    )
    return contract


@transaction.atomic
def contract_decide(*, user: Any, contract: Contract, approve: bool, reason: str = "") -> Contract:
    contract = _locked(contract)
    _require_manager(user, contract.programme)
    if not approve and not reason.strip():
        raise DomainError(_("Say why the proposal is rejected."), field="reason")
    _transition(contract, ContractState.APPROVED if approve else ContractState.REJECTED)
    audit_record(
        actor=user,
        action="contract.approved" if approve else "contract.rejected",
        obj=contract,
        programme=contract.programme,
        data={"reason": reason.strip()},
    )
    return contract


def _current_holder(organization: Any, role: str) -> BoardPosition | None:
    return (
        BoardPosition.objects.filter(organization=organization, role=role, term_end__isnull=True)
        .select_related("person")
        .first()
    )


@transaction.atomic
def contract_sign(*, user: Any, contract: Contract, signed_on: datetime.date) -> Contract:
    """Record the signatures (the office and each party's current president and treasurer)
    and commit the project share in the ledger, concept by concept, against the budget."""
    contract = _locked(contract)
    _require_manage(user, contract)
    if contract.state != ContractState.APPROVED:
        raise DomainError(_("Only an approved contract can be signed."))
    for party in contract.parties.select_related("organization"):
        president = _current_holder(party.organization, BoardRole.PRESIDENT)
        treasurer = _current_holder(party.organization, BoardRole.TREASURER)
        if president is None or treasurer is None:
            raise DomainError(
                _("%(organization)s has no registered president and treasurer to sign.")
                % {"organization": party.organization},
                field="signed_on",
            )
        party.president, party.treasurer, party.signed_on = (
            president.person,
            treasurer.person,
            signed_on,
        )
        party.save(update_fields=["president", "treasurer", "signed_on"])
    contract.signed_on = signed_on
    contract.signed_by_office = user
    contract.save(update_fields=["signed_on", "signed_by_office"])
    _transition(contract, ContractState.SIGNED)
    budget = _accounts(contract)["budget"]
    legs = []
    for line in contract.lines.filter(project_minor__gt=0):
        amount = contract.money(line.project_minor)
        legs += [
            LegSpec(_committed_account(contract, line.concept), amount),
            LegSpec(budget, -amount),
        ]
    journal_post(
        programme=contract.programme,
        kind="commitment",
        legs=legs,
        memo=_("Commitment of contract %(code)s") % {"code": contract.code},
        effective_date=signed_on,
        idempotency_key=f"contract:{contract.pk}:commit",
        actor=user,
    )
    audit_record(
        actor=user,
        action="contract.signed",
        obj=contract,
        programme=contract.programme,
        data={"signed_on": signed_on.isoformat()},
    )
    return contract


# --- counterpart ------------------------------------------------------------------------------


@transaction.atomic
def counterpart_deposit_record(
    *,
    user: Any,
    contract: Contract,
    kind: str,
    slip_number: str,
    deposited_on: datetime.date,
    amount: Money,
    description: str = "",
) -> CounterpartDeposit:
    contract = _locked(contract)
    _require_represent_or_manage(user, contract)
    if contract.state not in RUNNING:
        raise DomainError(_("Deposits are recorded on a signed, running contract."))
    slip = slip_number.strip()
    if not slip:
        raise DomainError(_("Give the slip or record number."), field="slip_number")
    if amount.currency != contract.currency or amount.amount_minor <= 0:
        raise DomainError(
            _("The amount must be positive, in %(currency)s.") % {"currency": contract.currency},
            field="amount",
        )
    if contract.deposits.filter(kind=kind, slip_number=slip).exists():
        raise DomainError(_("This slip is already recorded for the contract."), field="slip_number")
    programme = contract.programme
    counterpart = account_for(
        programme=programme,
        kind=AccountKind.COUNTERPART,
        currency=contract.currency,
        commitment=contract.commitment_ref,
        organization=contract.organization,
    )
    contributed = account_for(
        programme=programme,
        kind=AccountKind.CONTRIBUTED,
        currency=contract.currency,
        organization=contract.organization,
    )
    journal = journal_post(
        programme=programme,
        kind="counterpart",
        legs=[LegSpec(counterpart, amount), LegSpec(contributed, -amount)],
        memo=_("Counterpart %(kind)s %(slip)s, contract %(code)s")
        % {"kind": DepositKind(kind).label, "slip": slip, "code": contract.code},
        effective_date=deposited_on,
        idempotency_key=f"contract:{contract.pk}:deposit:{kind}:{slip}",
        actor=user,
        reference=slip,
    )
    return CounterpartDeposit.objects.create(
        contract=contract,
        kind=kind,
        slip_number=slip,
        deposited_on=deposited_on,
        amount_minor=amount.amount_minor,
        description=description,
        journal=journal,
        recorded_by=user,
    )


# --- tranches and ATFs ------------------------------------------------------------------------


def verified_account(contract: Contract) -> BankAccount | None:
    return (
        BankAccount.objects.filter(
            organization=contract.organization,
            status=AccountStatus.VERIFIED,
            institution__sbs_regulated=True,
            currency=contract.currency,
        )
        .select_related("institution")
        .first()
    )


def tranche_blockers(contract: Contract, tranche: Tranche) -> list[str]:
    """Every reason the tranche cannot be paid now; empty when it can."""
    reasons: list[str] = []
    if tranche.state != TrancheState.PENDING:
        return [_("The tranche is not pending.")]
    if contract.state not in RUNNING:
        reasons.append(_("The contract is not signed or is closed."))
    for role, label in (
        (BoardRole.PRESIDENT, _("president")),
        (BoardRole.TREASURER, _("treasurer")),
    ):
        if _current_holder(contract.organization, role) is None:
            reasons.append(_("The organization has no registered %(role)s.") % {"role": label})
    if verified_account(contract) is None:
        reasons.append(
            _("The organization has no verified account at an SBS-regulated institution.")
        )
    if contract.misuse_flags.filter(lifted_on__isnull=True).exists():
        reasons.append(_("Suspended: a misuse flag is open until corrective action is proven."))
    earlier = contract.tranches.filter(number__lt=tranche.number).exclude(state=TrancheState.PAID)
    if earlier.exists():
        reasons.append(_("An earlier tranche is not paid yet."))
    shares = totals(contract)
    if tranche.number == 1:
        deposited = cash_deposited(contract)
        percent = contract.counterpart_percent_before_first
        if not calc.reaches(deposited, shares["organization"].amount_minor, percent):
            missing = calc.missing_for(deposited, shares["organization"].amount_minor, percent)
            reasons.append(
                _(
                    "The organization has deposited %(deposited)s; %(percent)d %% of its share "
                    "needs %(missing)s more."
                )
                % {
                    "deposited": contract.money(deposited),
                    "percent": percent,
                    "missing": contract.money(missing),
                }
            )
    else:
        if contract.state != ContractState.TRANCHE_2_APPROVED:
            reasons.append(_("The mid-term review has not approved the progress."))
        first = contract.tranches.filter(number=1).first()
        accounted = accounted_minor(contract)
        percent = contract.accounted_percent_before_second
        if first is not None and not calc.reaches(accounted, first.amount_minor, percent):
            reasons.append(
                _(
                    "%(accounted)s of the first tranche is accounted for; "
                    "%(percent)d %% is required."
                )
                % {"accounted": contract.money(accounted), "percent": percent}
            )
    paid = (
        contract.tranches.filter(state=TrancheState.PAID).aggregate(total=Sum("amount_minor"))[
            "total"
        ]
        or 0
    )
    if paid + tranche.amount_minor > shares["project"].amount_minor:
        reasons.append(
            _("The tranche would take the disbursements past the contract's project share.")
        )
    return reasons


def _require_payable(contract: Contract, tranche: Tranche) -> None:
    reasons = tranche_blockers(contract, tranche)
    if reasons:
        raise DomainError(" ".join(str(r) for r in reasons), code="blocked")


@transaction.atomic
def atf_prepare(*, user: Any, contract: Contract, tranche: Tranche) -> Atf:
    """Prepare the funds-transfer authorisation of a tranche. At most one live ATF exists per
    tranche: a second, simultaneous request fails on the database's unique constraint."""
    contract = _locked(contract)
    _require_manage(user, contract)
    tranche = Tranche.objects.select_for_update().get(pk=tranche.pk, contract=contract)
    if Atf.objects.filter(tranche=tranche).exclude(state=AtfState.CANCELLED).exists():
        raise DomainError(_("This tranche already has an ATF."), code="duplicate")
    _require_payable(contract, tranche)
    account = verified_account(contract)
    assert account is not None  # checked by the blockers
    number = f"ATF-{contract.code}-{tranche.number}"
    cancelled = Atf.objects.filter(tranche=tranche, state=AtfState.CANCELLED).count()
    if cancelled:
        number = f"{number}-{cancelled + 1}"
    try:
        with transaction.atomic():
            atf = Atf.objects.create(
                number=number,
                contract=contract,
                tranche=tranche,
                amount_minor=tranche.amount_minor,
                bank_account=account,
                prepared_by=user,
            )
    except IntegrityError as exc:
        raise DomainError(_("This tranche already has an ATF."), code="duplicate") from exc
    audit_record(
        actor=user,
        action="atf.prepared",
        obj=atf,
        programme=contract.programme,
        data={"number": atf.number, "amount": atf.amount_minor},
    )
    return atf


def _locked_atf(atf: Atf) -> tuple[Contract, Atf]:
    contract = _locked(atf.contract)
    return contract, Atf.objects.select_for_update().select_related("tranche").get(pk=atf.pk)


@transaction.atomic
def atf_approve(*, user: Any, atf: Atf) -> Atf:
    contract, atf = _locked_atf(atf)
    _require_manage(user, contract)
    if atf.state != AtfState.PREPARED:
        raise DomainError(_("Only a prepared ATF can be approved."))
    if atf.prepared_by_id == getattr(user, "pk", None):
        raise DomainError(_("The person who prepared an ATF cannot approve it."), code="four_eyes")
    _require_payable(contract, atf.tranche)
    atf.state, atf.approved_by, atf.approved_at = AtfState.APPROVED, user, timezone.now()
    atf.save(update_fields=["state", "approved_by", "approved_at"])
    audit_record(
        actor=user,
        action="atf.approved",
        obj=atf,
        programme=contract.programme,
        data={"number": atf.number},
    )
    return atf


@transaction.atomic
def atf_execute(*, user: Any, atf: Atf, bank_reference: str, executed_on: datetime.date) -> Atf:
    """Record the bank transfer and post the disbursement: the tranche leaves the contract's
    commitments (by concept, in proportion) and is held by the organization."""
    contract, atf = _locked_atf(atf)
    _require_manage(user, contract)
    if atf.state != AtfState.APPROVED:
        raise DomainError(_("Only an approved ATF can be executed."))
    reference = bank_reference.strip()
    if not reference:
        raise DomainError(_("Give the bank's reference of the transfer."), field="bank_reference")
    tranche = atf.tranche
    _require_payable(contract, tranche)
    remaining = {
        line.concept: balance(_committed_account(contract, line.concept)).amount_minor
        for line in contract.lines.all()
    }
    remaining = {concept: amount for concept, amount in remaining.items() if amount > 0}
    if sum(remaining.values()) < atf.amount_minor:
        raise DomainError(
            _("The contract's commitment does not cover this transfer."), code="insufficient"
        )
    split = calc.split_proportionally(atf.amount_minor, remaining)
    held = _accounts(contract)["held"]
    legs = [LegSpec(held, contract.money(atf.amount_minor))]
    legs += [
        LegSpec(_committed_account(contract, concept), -contract.money(amount))
        for concept, amount in split.items()
    ]
    journal = journal_post(
        programme=contract.programme,
        kind="disbursement",
        legs=legs,
        memo=_("Tranche %(number)d of contract %(code)s")
        % {"number": tranche.number, "code": contract.code},
        effective_date=executed_on,
        idempotency_key=f"atf:{atf.pk}:execute",
        actor=user,
        reference=reference,
    )
    atf.state, atf.executed_by, atf.executed_at = AtfState.EXECUTED, user, timezone.now()
    atf.bank_reference, atf.journal = reference, journal
    atf.save(update_fields=["state", "executed_by", "executed_at", "bank_reference", "journal"])
    tranche.state, tranche.paid_on = TrancheState.PAID, executed_on
    tranche.save(update_fields=["state", "paid_on"])
    _transition(
        contract,
        ContractState.TRANCHE_1_PAID if tranche.number == 1 else ContractState.TRANCHE_2_PAID,
    )
    return atf


@transaction.atomic
def atf_cancel(*, user: Any, atf: Atf, reason: str) -> Atf:
    contract, atf = _locked_atf(atf)
    _require_manage(user, contract)
    if atf.state in (AtfState.EXECUTED, AtfState.CANCELLED):
        raise DomainError(_("An executed or cancelled ATF cannot be cancelled."))
    if not reason.strip():
        raise DomainError(_("Say why the ATF is cancelled."), field="reason")
    atf.state = AtfState.CANCELLED
    atf.save(update_fields=["state"])
    audit_record(
        actor=user,
        action="atf.cancelled",
        obj=atf,
        programme=contract.programme,
        data={"reason": reason},
    )
    return atf


# --- mid-term, misuse -------------------------------------------------------------------------


@transaction.atomic
def tranche2_request(*, user: Any, contract: Contract) -> Contract:
    contract = _locked(contract)
    _require_represent_or_manage(user, contract)
    second = contract.tranches.filter(number=2, state=TrancheState.PENDING).first()
    if second is None:
        raise DomainError(_("This contract has no second tranche to request."))
    first = contract.tranches.get(number=1)
    accounted = accounted_minor(contract)
    if not calc.reaches(accounted, first.amount_minor, contract.accounted_percent_before_second):
        raise DomainError(
            _(
                "Account for at least %(percent)d %% of the first tranche first "
                "(%(accounted)s so far)."
            )
            % {
                "percent": contract.accounted_percent_before_second,
                "accounted": contract.money(accounted),
            }
        )
    _transition(contract, ContractState.TRANCHE_2_REQUESTED)
    audit_record(
        actor=user, action="contract.tranche2_requested", obj=contract, programme=contract.programme
    )
    return contract


@transaction.atomic
def midterm_decide(
    *, user: Any, contract: Contract, approve: bool, decided_on: datetime.date, reference: str
) -> Contract:
    """The mid-term CLAR's decision on progress; approval releases the second tranche."""
    contract = _locked(contract)
    _require_manage(user, contract)
    if contract.state != ContractState.TRANCHE_2_REQUESTED:
        raise DomainError(_("The second tranche has not been requested."))
    if not reference.strip():
        raise DomainError(_("Give the reference of the mid-term acta."), field="reference")
    if approve:
        contract.midterm_approved_on, contract.midterm_reference = decided_on, reference.strip()
        contract.save(update_fields=["midterm_approved_on", "midterm_reference"])
        _transition(contract, ContractState.TRANCHE_2_APPROVED)
    audit_record(
        actor=user,
        action="contract.midterm_approved" if approve else "contract.midterm_held",
        obj=contract,
        programme=contract.programme,
        data={"reference": reference.strip(), "date": decided_on.isoformat()},
    )
    return contract


@transaction.atomic
def misuse_flag_raise(
    *, user: Any, contract: Contract, description: str, raised_on: datetime.date
) -> MisuseFlag:
    """Suspends every pending tranche: ATFs cannot be approved or executed while it is open."""
    contract = _locked(contract)
    _require_manage(user, contract)
    if contract.state in CLOSED:
        raise DomainError(_("The contract is closed."))
    if not description.strip():
        raise DomainError(_("Describe what was found."), field="description")
    flag = MisuseFlag.objects.create(
        contract=contract, description=description.strip(), raised_by=user, raised_on=raised_on
    )
    audit_record(
        actor=user,
        action="contract.misuse_flagged",
        obj=contract,
        programme=contract.programme,
        data={"flag": flag.pk, "description": flag.description},
    )
    return flag


@transaction.atomic
def misuse_flag_lift(
    *, user: Any, flag: MisuseFlag, corrective_action: str, lifted_on: datetime.date
) -> MisuseFlag:
    contract = _locked(flag.contract)
    _require_manage(user, contract)
    flag = MisuseFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.lifted_on is not None:
        raise DomainError(_("This flag is already lifted."))
    if not corrective_action.strip():
        raise DomainError(
            _("Document the corrective action that was proven."), field="corrective_action"
        )
    if lifted_on < flag.raised_on:
        raise DomainError(_("A flag cannot be lifted before it was raised."), field="lifted_on")
    flag.corrective_action, flag.lifted_by, flag.lifted_on = (
        corrective_action.strip(),
        user,
        lifted_on,
    )
    flag.save(update_fields=["corrective_action", "lifted_by", "lifted_on"])
    audit_record(
        actor=user,
        action="contract.misuse_lifted",
        obj=contract,
        programme=contract.programme,
        data={"flag": flag.pk, "corrective_action": flag.corrective_action},
    )
    return flag


# --- accountability ---------------------------------------------------------------------------


def receipt_key(supplier_ruc: str, receipt_type: str, receipt_number: str) -> str:
    """One receipt, however it is typed: "F001-123" and "f001 - 000123" are the same."""
    series, _sep, number = receipt_number.strip().upper().replace(" ", "").rpartition("-")
    number = number.lstrip("0") or "0"
    return f"{supplier_ruc.strip()}:{receipt_type}:{series}-{number}"


@transaction.atomic
def expense_report_submit(
    *, user: Any, contract: Contract, period_end: datetime.date, lines: Sequence[ExpenseInput]
) -> ExpenseReport:
    """Submit receipts. Every line is checked; any problem refuses the whole report, naming the
    line and the field. A receipt is never counted twice, and no concept may exceed the project's
    share for it nor the report the funds the organization holds."""
    contract = _locked(contract)
    _require_represent_or_manage(user, contract)
    if (
        contract.state not in RUNNING
        or not contract.tranches.filter(state=TrancheState.PAID).exists()
    ):
        raise DomainError(_("Expenses are reported once a tranche has been paid."))
    if not lines:
        raise DomainError(_("A report needs at least one receipt."), field="lines")
    problems: list[str] = []
    project_by_concept = dict(contract.lines.values_list("concept", "project_minor"))
    # What each concept has already used: everything accounted for in the ledger (approved
    # reports and payments such as technical assistance paid from the grant) plus receipts
    # submitted and still under review.
    from minka.ledger.models import Leg

    spent = dict(
        Leg.objects.filter(
            account__programme=contract.programme,
            account__commitment=contract.commitment_ref,
            account__kind=AccountKind.SPENT,
        )
        .values("account__concept")
        .annotate(total=Sum("amount_minor"))
        .values_list("account__concept", "total")
    )
    pending = dict(
        ExpenseLine.objects.filter(report__contract=contract, report__state=ReportState.SUBMITTED)
        .values("concept")
        .annotate(total=Sum("amount_minor"))
        .values_list("concept", "total")
    )
    used = {c: int(spent.get(c) or 0) + int(pending.get(c) or 0) for c in set(spent) | set(pending)}
    keys_in_report: set[str] = set()
    adding: dict[str, int] = {}
    for index, line in enumerate(lines, start=1):
        where = _("Receipt %(n)d") % {"n": index}
        if line.receipt_type not in ReceiptType.values:
            problems.append(f"{where}: " + _("unknown receipt type."))
            continue
        if not is_valid_ruc(line.supplier_ruc.strip()):
            problems.append(
                f"{where}: "
                + _("the supplier's RUC “%(ruc)s” is not valid.") % {"ruc": line.supplier_ruc}
            )
            continue
        if line.amount.currency != contract.currency or line.amount.amount_minor <= 0:
            problems.append(f"{where}: " + _("the amount must be positive."))
            continue
        if line.concept not in project_by_concept:
            problems.append(f"{where}: " + _("the contract has no budget line for this concept."))
            continue
        if line.spent_on > timezone.localdate() or (
            contract.signed_on and line.spent_on < contract.signed_on
        ):
            problems.append(f"{where}: " + _("the date is outside the contract's period."))
            continue
        key = receipt_key(line.supplier_ruc, line.receipt_type, line.receipt_number)
        if key in keys_in_report or ExpenseLine.objects.filter(receipt_key=key).exists():
            problems.append(f"{where}: " + _("this receipt has already been presented."))
            continue
        keys_in_report.add(key)
        adding[line.concept] = adding.get(line.concept, 0) + line.amount.amount_minor
    for concept, amount in adding.items():
        limit = project_by_concept[concept]
        if used.get(concept, 0) + amount > limit:
            problems.append(
                _("%(concept)s: %(total)s would exceed the project's share of %(limit)s.")
                % {
                    "concept": Concept(concept).label,
                    "total": contract.money(used.get(concept, 0) + amount),
                    "limit": contract.money(limit),
                }
            )
    held = balance(_accounts(contract)["held"]).amount_minor
    awaiting_review = sum(int(v or 0) for v in pending.values())
    if not problems and awaiting_review + sum(adding.values()) > held:
        problems.append(
            _("The receipts add up to more than the %(held)s the organization holds.")
            % {"held": contract.money(held)}
        )
    if problems:
        raise DomainError(" · ".join(problems), field="lines", code="invalid_lines")
    number = (
        contract.expense_reports.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    report = ExpenseReport.objects.create(
        contract=contract, number=number, period_end=period_end, submitted_by=user
    )
    for line in lines:
        ExpenseLine.objects.create(
            report=report,
            spent_on=line.spent_on,
            receipt_type=line.receipt_type,
            receipt_number=line.receipt_number.strip(),
            supplier_ruc=line.supplier_ruc.strip(),
            concept=line.concept,
            description=line.description,
            amount_minor=line.amount.amount_minor,
            scan=line.scan or "",
            receipt_key=receipt_key(line.supplier_ruc, line.receipt_type, line.receipt_number),
        )
    return report


@transaction.atomic
def expense_report_review(
    *, user: Any, report: ExpenseReport, approve: bool, note: str = ""
) -> ExpenseReport:
    """Approval posts the spending (held funds → accounted, by concept); returning the report
    frees its receipts for a corrected one."""
    contract = _locked(report.contract)
    _require_manage(user, contract)
    report = ExpenseReport.objects.select_for_update().get(pk=report.pk)
    if report.state != ReportState.SUBMITTED:
        raise DomainError(_("Only a submitted report can be reviewed."))
    if not approve and not note.strip():
        raise DomainError(_("Say why the report is returned."), field="note")
    report.reviewed_by, report.reviewed_at, report.review_note = user, timezone.now(), note.strip()
    if approve:
        by_concept = dict(
            report.lines.values("concept")
            .annotate(total=Sum("amount_minor"))
            .values_list("concept", "total")
        )
        held = _accounts(contract)["held"]
        total = sum(by_concept.values())
        legs = [
            LegSpec(_spent_account(contract, c), contract.money(int(a)))
            for c, a in by_concept.items()
        ]
        legs.append(LegSpec(held, -contract.money(int(total))))
        report.journal = journal_post(
            programme=contract.programme,
            kind="spending",
            legs=legs,
            memo=_("Expense report %(number)d of contract %(code)s")
            % {"number": report.number, "code": contract.code},
            effective_date=report.period_end,
            idempotency_key=f"expense-report:{report.pk}:approve",
            actor=user,
        )
        report.state = ReportState.APPROVED
    else:
        report.state = ReportState.REJECTED
        report.lines.update(receipt_key=None)
    report.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "journal"])
    audit_record(
        actor=user,
        action="expense_report.approved" if approve else "expense_report.returned",
        obj=report,
        programme=contract.programme,
        data={"note": note.strip()},
    )
    return report


# --- addenda, liquidation, cancellation -------------------------------------------------------


@transaction.atomic
def addendum_record(
    *,
    user: Any,
    contract: Contract,
    signed_on: datetime.date,
    reason: str,
    concept: str = "",
    project_delta: int = 0,
    organization_delta: int = 0,
    term_delta_months: int = 0,
) -> Addendum:
    """Change the amount of a concept, the term or the contests. A larger project share is
    committed against the budget and added to the last pending tranche (or a new one); a smaller
    one is released and can never go below what was already disbursed."""
    contract = _locked(contract)
    _require_manager(user, contract.programme)
    if contract.state not in RUNNING:
        raise DomainError(_("Addenda change a signed, running contract."))
    if not reason.strip():
        raise DomainError(_("Give the reason for the addendum."), field="reason")
    if not (project_delta or organization_delta or term_delta_months):
        raise DomainError(_("The addendum changes nothing."), field="reason")
    if (project_delta or organization_delta) and concept not in Concept.values:
        raise DomainError(_("Choose the concept whose amounts change."), field="concept")
    if concept == Concept.PRIZES and organization_delta:
        raise DomainError(
            _("Contest prizes are paid 100 % by the project."), field="organization_delta"
        )
    if contract.term_months + term_delta_months < 1:
        raise DomainError(_("The term cannot end before it starts."), field="term_delta_months")
    number = contract.addenda.count() + 1
    if concept:
        line, _created = ContractLine.objects.select_for_update().get_or_create(
            contract=contract, concept=concept
        )
        if (
            line.project_minor + project_delta < 0
            or line.organization_minor + organization_delta < 0
        ):
            raise DomainError(_("A share cannot become negative."), field="project_delta")
        line.project_minor += project_delta
        line.organization_minor += organization_delta
        line.save(update_fields=["project_minor", "organization_minor"])
    if project_delta:
        budget = _accounts(contract)["budget"]
        committed = _committed_account(contract, concept)
        amount = contract.money(project_delta)
        journal_post(
            programme=contract.programme,
            kind="commitment" if project_delta > 0 else "decommitment",
            legs=[LegSpec(committed, amount), LegSpec(budget, -amount)],
            memo=_("Addendum %(number)d of contract %(code)s")
            % {"number": number, "code": contract.code},
            effective_date=signed_on,
            idempotency_key=f"contract:{contract.pk}:addendum:{number}",
            actor=user,
        )
        pending = contract.tranches.filter(state=TrancheState.PENDING).order_by("-number").first()
        if pending is not None:
            if pending.amount_minor + project_delta <= 0:
                raise DomainError(
                    _("The reduction is larger than the pending tranche."), field="project_delta"
                )
            pending.amount_minor += project_delta
            pending.save(update_fields=["amount_minor"])
        elif project_delta > 0:
            last = contract.tranches.order_by("-number").first()
            Tranche.objects.create(
                contract=contract,
                number=(last.number if last else 0) + 1,
                amount_minor=project_delta,
            )
        else:
            raise DomainError(
                _("Every tranche is paid: reduce the amount at liquidation instead."),
                field="project_delta",
            )
    if term_delta_months:
        contract.term_months += term_delta_months
        contract.save(update_fields=["term_months"])
    addendum = Addendum.objects.create(
        contract=contract,
        number=number,
        signed_on=signed_on,
        reason=reason.strip(),
        concept=concept,
        project_delta_minor=project_delta,
        organization_delta_minor=organization_delta,
        term_delta_months=term_delta_months,
        recorded_by=user,
    )
    audit_record(
        actor=user,
        action="contract.addendum",
        obj=contract,
        programme=contract.programme,
        data={
            "number": number,
            "concept": concept,
            "project_delta": project_delta,
            "organization_delta": organization_delta,
            "term_delta_months": term_delta_months,
        },
    )
    return addendum


def _release_and_refund(
    *, user: Any, contract: Contract, refund: int, reference: str, on: datetime.date, purpose: str
) -> None:
    """Return the unused held funds and release what was never disbursed, back to the budget."""
    accounts = _accounts(contract)
    held = balance(accounts["held"]).amount_minor
    if refund != held:
        raise DomainError(
            _("The organization holds %(held)s unaccounted; the refund must be exactly that.")
            % {"held": contract.money(held)},
            field="refund",
        )
    if refund:
        if not reference.strip():
            raise DomainError(
                _("Give the reference of the refund deposit."), field="refund_reference"
            )
        journal_post(
            programme=contract.programme,
            kind="refund",
            legs=[
                LegSpec(accounts["budget"], contract.money(refund)),
                LegSpec(accounts["held"], -contract.money(refund)),
            ],
            memo=_("Refund of unused funds, contract %(code)s") % {"code": contract.code},
            effective_date=on,
            idempotency_key=f"contract:{contract.pk}:{purpose}:refund",
            actor=user,
            reference=reference.strip(),
        )
    legs = []
    for line in contract.lines.all():
        account = _committed_account(contract, line.concept)
        remaining = balance(account).amount_minor
        if remaining > 0:
            legs += [
                LegSpec(accounts["budget"], contract.money(remaining)),
                LegSpec(account, -contract.money(remaining)),
            ]
    if legs:
        journal_post(
            programme=contract.programme,
            kind="decommitment",
            legs=legs,
            memo=_("Release of the undisbursed commitment, contract %(code)s")
            % {"code": contract.code},
            effective_date=on,
            idempotency_key=f"contract:{contract.pk}:{purpose}:release",
            actor=user,
        )


@transaction.atomic
def contract_liquidate(
    *,
    user: Any,
    contract: Contract,
    final_report: Any,
    closing_minute: Any,
    bank_statement: Any,
    refund: int,
    refund_reference: str,
    rating: str,
    liquidated_on: datetime.date,
    favourable: bool = True,
    note: str = "",
) -> Liquidation:
    """Close the contract: documents, refund of the unused balance, rating. The donation is
    perfected only on a favourable report."""
    contract = _locked(contract)
    _require_manage(user, contract)
    if ContractState.LIQUIDATED not in TRANSITIONS[contract.state]:
        raise DomainError(_("Liquidation comes after the last tranche is paid."))
    if contract.tranches.filter(state=TrancheState.PENDING).exists():
        raise DomainError(_("A tranche is still pending."))
    if contract.misuse_flags.filter(lifted_on__isnull=True).exists():
        raise DomainError(_("A misuse flag is open."))
    if contract.expense_reports.filter(state=ReportState.SUBMITTED).exists():
        raise DomainError(_("An expense report is waiting for review."))
    if not (final_report and closing_minute and bank_statement):
        raise DomainError(
            _("Attach the final report, the closing minute and the bank statement."),
            field="final_report",
        )
    if not favourable:
        raise DomainError(
            _("An unfavourable report keeps the contract open until it is corrected."),
            field="favourable",
        )
    _release_and_refund(
        user=user,
        contract=contract,
        refund=refund,
        reference=refund_reference,
        on=liquidated_on,
        purpose="liquidation",
    )
    liquidation = Liquidation.objects.create(
        contract=contract,
        final_report=final_report,
        closing_minute=closing_minute,
        bank_statement=bank_statement,
        refund_minor=refund,
        refund_reference=refund_reference.strip(),
        rating=rating,
        favourable=favourable,
        note=note,
        liquidated_by=user,
        liquidated_on=liquidated_on,
    )
    _transition(contract, ContractState.LIQUIDATED)
    audit_record(
        actor=user,
        action="contract.liquidated",
        obj=contract,
        programme=contract.programme,
        data={"rating": rating, "refund": refund},
    )
    return liquidation


@transaction.atomic
def contract_cancel(
    *,
    user: Any,
    contract: Contract,
    reason: str,
    cancelled_on: datetime.date,
    refund: int = 0,
    refund_reference: str = "",
) -> Contract:
    """Termination (breach, mutual agreement, dissolution, false information): live ATFs and
    pending tranches are cancelled, unused funds are returned and the commitment released."""
    contract = _locked(contract)
    _require_manager(user, contract.programme)
    if not reason.strip():
        raise DomainError(_("Give the reason for the cancellation."), field="reason")
    _transition(contract, ContractState.CANCELLED)
    contract.atfs.filter(state__in=[AtfState.PREPARED, AtfState.APPROVED]).update(
        state=AtfState.CANCELLED
    )
    contract.tranches.filter(state=TrancheState.PENDING).update(state=TrancheState.CANCELLED)
    if contract.signed_on is not None:
        _release_and_refund(
            user=user,
            contract=contract,
            refund=refund,
            reference=refund_reference,
            on=cancelled_on,
            purpose="cancellation",
        )
    audit_record(
        actor=user,
        action="contract.cancelled",
        obj=contract,
        programme=contract.programme,
        data={"reason": reason.strip(), "refund": refund},
    )
    return contract


@dataclass(frozen=True)
class BankBatch:
    content: bytes
    count: int
    message_id: str
    filename: str


@transaction.atomic
def atf_batch_export(
    *,
    user: Any,
    programme: Any,
    file_format: str,
    again: bool = False,
    debtor_account: str = "",
    debtor_bic: str = "",
    debtor_name: str = "",
    message_id: str = "",
) -> BankBatch:
    """The programme's approved ATFs as a bank batch (CSV or ISO 20022 pain.001.001.03).

    Each ATF is marked with the batch that carried it; a later batch leaves it out unless
    `again` is asked for explicitly, so one file sent twice cannot pay a tranche twice."""
    from minka.contracts.bankfiles import BATCH_RELATED, atf_batch_csv, atf_batch_pain001

    _require_manager(user, programme)
    atfs = Atf.objects.select_for_update().filter(
        contract__programme=programme, state=AtfState.APPROVED
    )
    if not again:
        atfs = atfs.filter(exported_at__isnull=True)
    chosen = list(atfs.select_related(*BATCH_RELATED).order_by("number"))
    if not chosen:
        raise DomainError(_("No approved ATF is waiting to be sent to the bank."))
    now = timezone.now()
    batch_id = message_id or f"{programme.code[:16]}-{timezone.localtime(now):%Y%m%d%H%M%S}"
    if file_format == "xml":
        account = debtor_account or programme.bank_account
        if not account:
            raise DomainError(
                _("Record the programme's disbursement account first (or give it for this batch)."),
                field="debtor_account",
            )
        content = atf_batch_pain001(
            chosen,
            debtor_name=debtor_name or programme.institution or programme.name,
            debtor_iban_or_account=account,
            debtor_bic=debtor_bic or programme.bank_bic,
            message_id=batch_id,
            created_at=now,
        )
    else:
        content = atf_batch_csv(chosen)
    Atf.objects.filter(pk__in=[atf.pk for atf in chosen]).update(
        exported_at=now, export_batch=batch_id
    )
    for atf in chosen:
        audit_record(
            actor=user,
            action="atf.exported",
            obj=atf,
            programme=programme,
            data={"batch": batch_id, "format": file_format, "amount": atf.amount_minor},
        )
    extension = "xml" if file_format == "xml" else "csv"
    return BankBatch(
        content=content, count=len(chosen), message_id=batch_id, filename=f"{batch_id}.{extension}"
    )


@transaction.atomic
def contract_create_from_clar(*, user: Any, initiative: Any, event: Any) -> Contract:
    """The draft contract of an initiative the CLAR funded: its budget lines, its organization
    (and, for a PIT, every member organization as a jointly liable party), already approved."""
    organization = initiative.organization
    if not can(user, "change", organization):
        raise DomainError(_("You may not act for this organization."), code="forbidden")
    programme = initiative.call.programme
    offices = [
        (area.path, office)
        for office in programme.local_offices.prefetch_related("areas")
        for area in office.areas.all()
        if organization.district.path.startswith(area.path)
    ]
    if not offices:
        raise DomainError(
            _("No local office of the programme serves %(organization)s.")
            % {"organization": organization}
        )
    office = max(offices, key=lambda pair: len(pair[0]))[1]
    policy = _policy(programme, initiative.instrument)
    project = sum(line.project_minor for line in initiative.lines.all())
    year = timezone.localdate().year
    sequence = (
        Contract.objects.filter(
            programme=programme, code__startswith=f"{programme.code}-{year}-"
        ).count()
        + 1
    )
    contract = Contract.objects.create(
        code=f"{programme.code}-{year}-{sequence:04d}",
        programme=programme,
        local_office=office,
        organization=organization,
        instrument=initiative.instrument,
        title=initiative.title,
        funding_source=initiative.call.funding_source,
        currency=initiative.currency,
        term_months=initiative.term_months,
        justification=_("Approved at %(event)s, initiative %(code)s.")
        % {"event": event, "code": initiative.code},
        first_tranche_percent=policy.first_tranche_percent,
        counterpart_percent_before_first=policy.counterpart_percent_before_first,
        accounted_percent_before_second=policy.accounted_percent_before_second,
        state=ContractState.APPROVED,
        created_by=user,
    )
    ContractParty.objects.create(contract=contract, organization=organization, is_lead=True)
    for component in initiative.components.select_related("organization"):
        if component.organization_id != organization.pk:
            ContractParty.objects.get_or_create(
                contract=contract, organization=component.organization
            )
    ContractLine.objects.bulk_create(
        [
            ContractLine(
                contract=contract,
                concept=line.concept,
                description=line.description,
                project_minor=line.project_minor,
                organization_minor=line.organization_minor,
                other_minor=line.other_minor,
            )
            for line in initiative.lines.all()
        ]
    )
    for number, amount in enumerate(
        calc.tranche_amounts(project, policy.first_tranche_percent), start=1
    ):
        Tranche.objects.create(contract=contract, number=number, amount_minor=amount)
    audit_record(
        actor=user,
        action="contract.created_from_clar",
        obj=contract,
        programme=programme,
        data={"initiative": initiative.code, "event": event.pk, "project": project},
    )
    return contract
