"""Every write of the CLAR: initiatives and their eligibility, juries, attendance, score
sheets, and the public decision that funds initiatives and drafts their contracts."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minka.clar import allocation, scoring
from minka.clar.models import (
    AttachmentKind,
    Attendance,
    Call,
    ClarEvent,
    EventState,
    Initiative,
    InitiativeFamily,
    InitiativeLine,
    InitiativeState,
    Juror,
    Method,
    Outcome,
    Rubric,
    ScoreSheet,
    Stage,
)
from minka.contracts import services as contract_services
from minka.contracts.models import Contract, ContractState
from minka.core.audit import audit_record
from minka.core.errors import DomainError
from minka.core.models import Role
from minka.core.money import Money
from minka.core.scope import can, user_scope
from minka.registry.models import BoardPosition, BoardRole, Person

CENT = Decimal("0.01")


def _centi(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _points(centi: int | None) -> str:
    return "—" if centi is None else f"{Decimal(centi) / 100:.2f}"


def _represents(user: Any, organization: Any) -> bool:
    scope = user_scope(user)
    return Role.ORG_REP in scope.roles and organization.pk in scope.view.organization_ids


def _require_organization(user: Any, organization: Any) -> None:
    if not (_represents(user, organization) or can(user, "change", organization)):
        raise DomainError(_("You may not act for this organization."), code="forbidden")


def _require_event(user: Any, event: ClarEvent) -> None:
    if not can(user, "change", event):
        raise DomainError(_("You may not run this CLAR."), code="forbidden")


# --- initiatives ------------------------------------------------------------------------------


@transaction.atomic
def initiative_create(
    *,
    user: Any,
    call: Call,
    organization: Any,
    instrument: str,
    title: str,
    lines: Sequence[contract_services.LineInput],
    family_dnis: Sequence[str],
    variant: str = "standalone",
    summary: str = "",
    term_months: int = 12,
    pit: Initiative | None = None,
) -> Initiative:
    """Register a plan with its budget and families (a draft until submitted)."""
    _require_organization(user, organization)
    if not title.strip():
        raise DomainError(_("Give the plan a title."), field="title")
    if not lines:
        raise DomainError(_("A plan needs at least one budget line."), field="lines")
    dnis = [d.strip() for d in family_dnis if d.strip()]
    persons = {p.dni: p for p in Person.objects.filter(dni__in=dnis)}
    unknown = [d for d in dnis if d not in persons]
    if unknown:
        raise DomainError(
            _("These DNIs are not registered: %(dnis)s. Register the families first.")
            % {"dnis": ", ".join(unknown)},
            field="families",
        )
    if len(set(dnis)) != len(dnis):
        raise DomainError(_("A family is listed twice."), field="families")
    if pit is not None and (pit.instrument != "pit" or pit.call_id != call.pk):
        raise DomainError(_("The territorial plan must be a PIT of the same call."), field="pit")
    sequence = Initiative.objects.filter(call=call).count() + 1
    initiative = Initiative.objects.create(
        call=call,
        code=f"{call.code}-{sequence:04d}",
        organization=organization,
        instrument=instrument,
        variant="in_pit" if pit is not None else variant,
        pit=pit,
        title=title.strip(),
        summary=summary,
        term_months=term_months,
        currency=call.programme.currency,
        created_by=user,
    )
    for line in lines:
        if line.concept == "prizes" and (line.organization.amount_minor or line.other.amount_minor):
            raise DomainError(_("Contest prizes are paid 100 % by the project."), field="lines")
        InitiativeLine.objects.create(
            initiative=initiative,
            concept=line.concept,
            description=line.description,
            project_minor=line.project.amount_minor,
            organization_minor=line.organization.amount_minor,
            other_minor=line.other.amount_minor,
        )
    InitiativeFamily.objects.bulk_create(
        [InitiativeFamily(initiative=initiative, person=persons[d]) for d in dnis]
    )
    return initiative


def eligibility(initiative: Initiative, *, on: datetime.date) -> list[dict[str, Any]]:
    """Every reason the initiative cannot compete, as codes with parameters."""
    call = initiative.call
    reasons: list[dict[str, Any]] = []
    if not call.opens_on <= on <= call.closes_on:
        reasons.append(
            {
                "code": "call_closed",
                "params": {
                    "opens": call.opens_on.isoformat(),
                    "closes": call.closes_on.isoformat(),
                },
            }
        )
    if (
        call.envelopes.exists()
        and not call.envelopes.filter(instrument=initiative.instrument).exists()
    ):
        reasons.append({"code": "no_envelope", "params": {}})
    for role, label in ((BoardRole.PRESIDENT, "president"), (BoardRole.TREASURER, "treasurer")):
        if not BoardPosition.objects.filter(
            organization=initiative.organization, role=role, term_end__isnull=True
        ).exists():
            reasons.append({"code": "board_missing", "params": {"role": label}})
    totals = initiative.totals()
    total = sum(m.amount_minor for m in totals.values())
    if total and totals["organization"].amount_minor * 100 < total * call.min_counterpart_percent:
        share = (Decimal(totals["organization"].amount_minor) * 100 / total).quantize(
            Decimal("0.1")
        )
        reasons.append(
            {
                "code": "counterpart_low",
                "params": {"share": str(share), "minimum": call.min_counterpart_percent},
            }
        )
    project = totals["project"].amount_minor
    if project < call.min_amount_minor:
        reasons.append(
            {
                "code": "amount_low",
                "params": {"limit": str(Money(call.min_amount_minor, initiative.currency))},
            }
        )
    if project > call.max_amount_minor:
        reasons.append(
            {
                "code": "amount_high",
                "params": {"limit": str(Money(call.max_amount_minor, initiative.currency))},
            }
        )
    if initiative.instrument in ("pdn", "pgrn") and not initiative.families.exists():
        reasons.append({"code": "no_families", "params": {}})
    others = (
        InitiativeFamily.objects.filter(initiative__call=call)
        .exclude(initiative=initiative)
        .exclude(initiative__state__in=[InitiativeState.DRAFT, InitiativeState.INELIGIBLE])
    )
    for family in initiative.families.select_related("person"):
        count = others.filter(person=family.person).count()
        if count >= call.max_plans_per_family:
            reasons.append(
                {
                    "code": "family_in_other_plans",
                    "params": {"dni_end": (family.person.dni or "")[-3:], "count": count},
                }
            )
    for contract in Contract.objects.filter(
        organization=initiative.organization,
        state__in=contract_services.RUNNING,
        signed_on__isnull=False,
    ):
        if contract.signed_on is None:
            continue
        due = contract.signed_on + datetime.timedelta(days=31 * contract.term_months)
        if due < on:
            reasons.append({"code": "arrears", "params": {"contract": contract.code}})
    if (
        initiative.instrument == "idl"
        and not initiative.attachments.filter(kind=AttachmentKind.TECHNICAL_FILE).exists()
    ):
        reasons.append({"code": "technical_file", "params": {}})
    return reasons


@transaction.atomic
def initiative_submit(
    *, user: Any, initiative: Initiative, on: datetime.date | None = None
) -> Initiative:
    """Check eligibility with its reasons and take a place in the submission order."""
    initiative = (
        Initiative.objects.select_for_update()
        .select_related("call", "organization")
        .get(pk=initiative.pk)
    )
    _require_organization(user, initiative.organization)
    if initiative.state not in (InitiativeState.DRAFT, InitiativeState.INELIGIBLE):
        raise DomainError(_("This plan has already been submitted."))
    Call.objects.select_for_update().get(pk=initiative.call_id)  # one submission number at a time
    reasons = eligibility(initiative, on=on or timezone.localdate())
    initiative.eligibility = reasons
    initiative.state = InitiativeState.INELIGIBLE if reasons else InitiativeState.ELIGIBLE
    if initiative.submitted_seq is None:
        last = (
            Initiative.objects.filter(call_id=initiative.call_id).aggregate(m=Max("submitted_seq"))[
                "m"
            ]
            or 0
        )
        initiative.submitted_seq = last + 1
    initiative.submitted_at = timezone.now()
    initiative.save(update_fields=["eligibility", "state", "submitted_seq", "submitted_at"])
    return initiative


# --- the jury ---------------------------------------------------------------------------------


@transaction.atomic
def juror_add(
    *,
    user: Any,
    event: ClarEvent,
    juror_user: Any,
    institution: str,
    organization: Any = None,
    community: Any = None,
    scores_field: bool = True,
    scores_public: bool = True,
) -> Juror:
    _require_event(user, event)
    if event.state != EventState.PLANNED:
        raise DomainError(_("The CLAR has already decided."))
    if not juror_user.role_assignments.filter(role=Role.JUROR, programme=event.programme).exists():
        raise DomainError(
            _("Give the user the juror role in this programme first."), field="juror_user"
        )
    if not (scores_field or scores_public):
        raise DomainError(
            _("A juror scores in the field, in public, or both."), field="scores_field"
        )
    if Juror.objects.filter(event=event, user=juror_user).exists():
        raise DomainError(_("This person is already on the jury."), field="juror_user")
    return Juror.objects.create(
        event=event,
        user=juror_user,
        institution=institution.strip(),
        organization=organization,
        community=community,
        scores_field=scores_field,
        scores_public=scores_public,
    )


def _initiatives_of(event: ClarEvent):
    queryset = Initiative.objects.filter(
        state__in=[
            InitiativeState.ELIGIBLE,
            InitiativeState.APPROVED,
            InitiativeState.NOT_APPROVED,
            InitiativeState.FUNDED,
            InitiativeState.NOT_FUNDED,
        ]
    )
    if event.call_id:
        queryset = queryset.filter(call_id=event.call_id)
    return queryset.filter(organization__district__path__startswith=event.area.path)


@transaction.atomic
def attendance_record(
    *, user: Any, event: ClarEvent, initiative: Initiative, present_dnis: Sequence[str]
) -> Attendance:
    _require_event(user, event)
    if not _initiatives_of(event).filter(pk=initiative.pk).exists():
        raise DomainError(_("This initiative does not compete in this CLAR."))
    dnis = sorted({d.strip() for d in present_dnis if d.strip()})
    bad = [d for d in dnis if not (len(d) == 8 and d.isdigit())]
    if bad:
        raise DomainError(
            _("Not valid DNIs: %(dnis)s.") % {"dnis": ", ".join(bad)}, field="present_dnis"
        )
    attendance, _created = Attendance.objects.update_or_create(
        event=event, initiative=initiative, defaults={"present_dnis": dnis, "recorded_by": user}
    )
    return attendance


def rubric_for(event: ClarEvent, instrument: str, stage: str) -> Rubric:
    rubric = (
        Rubric.objects.filter(
            Q(programme=event.programme) | Q(programme__isnull=True),
            instrument=instrument,
            stage=stage,
            active=True,
        )
        .order_by("programme_id", "-version")  # programme rubrics sort before defaults (NULL last)
        .prefetch_related("criteria")
    )
    own = [r for r in rubric if r.programme_id is not None]
    chosen = own[0] if own else next(iter(rubric), None)
    if chosen is None:
        raise DomainError(_("No rubric is defined for this instrument and stage."))
    return chosen


def attendance_share(initiative: Initiative, event: ClarEvent) -> tuple[int, int, bool]:
    """(present, families, disqualified) from the DNIs checked at the field evaluation."""
    plan = {dni for dni in initiative.families.values_list("person__dni", flat=True) if dni}
    if not plan:
        return 0, 0, False  # a plan without listed families (a PIT, an IDL) has no attendance rule
    attendance = Attendance.objects.filter(event=event, initiative=initiative).first()
    present = set(attendance.present_dnis) if attendance else set()
    counted = len(plan & present)
    return counted, len(plan), scoring.attendance_disqualifies(plan, present)


def _conflict(juror: Juror, initiative: Initiative) -> bool:
    organization = initiative.organization
    return (juror.organization_id is not None and juror.organization_id == organization.pk) or (
        juror.community_id is not None and juror.community_id == organization.community_id
    )


def sheet_submit(
    *, user: Any, event: ClarEvent, initiative: Initiative, stage: str, points: dict[str, Decimal]
) -> ScoreSheet:
    """A juror's sheet. Attendance criteria come from the DNIs present, not from the juror.
    A juror never scores its own organization's or community's plan: the attempt is refused and
    logged in the audit trail."""
    juror = Juror.objects.filter(event=event, user=user).first()
    if juror is None:
        raise DomainError(_("You are not on this CLAR's jury."), code="forbidden")
    if _conflict(juror, initiative):
        with transaction.atomic():
            audit_record(
                actor=user,
                action="clar.conflict_refused",
                obj=initiative,
                programme=event.programme,
                data={"event": event.pk, "juror": juror.pk, "stage": stage},
            )
        raise DomainError(
            _(
                "You cannot score a plan of your own organization or community; "
                "this attempt has been recorded."
            ),
            code="conflict",
        )
    with transaction.atomic():
        event = ClarEvent.objects.select_for_update().get(pk=event.pk)
        if event.state != EventState.PLANNED:
            raise DomainError(_("The CLAR has already decided; sheets are closed."))
        if (
            stage == Stage.FIELD
            and not juror.scores_field
            or stage == Stage.PUBLIC
            and not juror.scores_public
        ):
            raise DomainError(_("You are not a scorer for this stage."), code="forbidden")
        if not _initiatives_of(event).filter(pk=initiative.pk).exists():
            raise DomainError(_("This initiative does not compete in this CLAR."))
        rubric = rubric_for(event, initiative.instrument, stage)
        criteria = list(rubric.criteria.all())
        values = dict(points)
        for criterion in criteria:
            if criterion.from_attendance:
                if not Attendance.objects.filter(event=event, initiative=initiative).exists():
                    raise DomainError(
                        _("Record the families present at the field evaluation first.")
                    )
                present, families, _disqualified = attendance_share(initiative, event)
                share = Decimal(present) / Decimal(families) if families else Decimal(0)
                values[criterion.code] = scoring.attendance_points(
                    share, Decimal(criterion.max_points_centi) / 100
                )
        try:
            total = scoring.sheet_total(
                values,
                [scoring.Criterion(c.code, Decimal(c.max_points_centi) / 100) for c in criteria],
                weight=rubric.weight,
            )
        except scoring.ScoringError as exc:
            raise DomainError(str(exc), field="points") from exc
        sheet, _created = ScoreSheet.objects.update_or_create(
            event=event,
            initiative=initiative,
            juror=juror,
            stage=stage,
            defaults={
                "rubric": rubric,
                "points": {
                    code: str(Decimal(value).quantize(CENT)) for code, value in values.items()
                },
                "total_centi": _centi(total),
            },
        )
        return sheet


# --- results and decision ---------------------------------------------------------------------


@dataclass
class Row:
    initiative: Initiative
    field_totals: list[int] = field(default_factory=list)
    public_totals: list[int] = field(default_factory=list)
    field_mean: int | None = None
    public_mean: int | None = None
    score: int | None = None
    present: int = 0
    families: int = 0
    disqualified: bool = False
    approved: bool = False


@dataclass
class Results:
    rows: dict[int, Row]
    ranking: list[int]
    rule: allocation.Allocation
    optimiser: allocation.Allocation
    envelope_minor: int
    tie_break: list[str]


def _mean(values: list[int]) -> int | None:
    if not values:
        return None
    return int((Decimal(sum(values)) / len(values)).quantize(Decimal(1)))


def event_results(event: ClarEvent) -> Results:
    """Scores, ranking, and both allocations side by side (nothing is written)."""
    initiatives = list(
        _initiatives_of(event).select_related("organization__district").prefetch_related("lines")
    )
    rows = {i.pk: Row(initiative=i) for i in initiatives}
    for sheet in ScoreSheet.objects.filter(event=event, initiative__in=initiatives).only(
        "initiative_id", "stage", "total_centi"
    ):
        target = rows[sheet.initiative_id]
        (target.field_totals if sheet.stage == Stage.FIELD else target.public_totals).append(
            sheet.total_centi
        )
    threshold = Decimal(event.threshold_centi) / 100
    candidates = []
    for row in rows.values():
        row.present, row.families, row.disqualified = attendance_share(row.initiative, event)
        row.field_mean, row.public_mean = _mean(row.field_totals), _mean(row.public_totals)
        if row.field_totals:
            final = scoring.final_score(
                [Decimal(v) / 100 for v in row.field_totals],
                [Decimal(v) / 100 for v in row.public_totals],
            )
            row.score = _centi(final)
            row.approved = not row.disqualified and scoring.is_approved(final, threshold)
        project = sum(line.project_minor for line in row.initiative.lines.all())
        candidates.append(
            allocation.Candidate(
                id=row.initiative.pk,
                score=Decimal(row.score or 0) / 100,
                amount_minor=project,
                approved=row.approved,
                disqualified=row.disqualified,
                women_led=row.initiative.women_led,
                youth=row.initiative.youth,
                district=row.initiative.organization.district.code,
                submitted_seq=row.initiative.submitted_seq or 0,
            )
        )
    quotas = allocation.Quotas(
        min_women_share=Decimal(event.min_women_share_percent) / 100
        if event.min_women_share_percent
        else None,
        min_youth_share=Decimal(event.min_youth_share_percent) / 100
        if event.min_youth_share_percent
        else None,
        max_per_district=event.max_per_district,
    )
    ranked = allocation.rank(candidates)
    global_rank = {c.id: position for position, c in enumerate(ranked, start=1)}
    groups = envelope_groups(event, candidates, rows)
    return Results(
        rows=rows,
        ranking=[c.id for c in ranked],
        rule=_merge(
            [allocation.allocate_by_rule(group, amount, quotas) for amount, group in groups],
            global_rank,
        ),
        optimiser=_merge(
            [allocation.allocate_optimal(group, amount, quotas) for amount, group in groups],
            global_rank,
        ),
        envelope_minor=sum(amount for amount, _group in groups),
        tie_break=[str(step) for step in allocation.TIE_BREAK_RULE],
    )


def envelope_groups(
    event: ClarEvent, candidates: list[allocation.Candidate], rows: dict[int, Row]
) -> list[tuple[int, list[allocation.Candidate]]]:
    """The pools the CLAR allocates: the call's envelopes for the event's area (by instrument
    and, where set, area — the most specific first), or the event's budget when the call has
    none. An initiative no envelope covers competes for nothing and is told so."""
    envelopes = []
    if event.call is not None:
        for envelope in event.call.envelopes.select_related("area"):
            path = envelope.area.path if envelope.area is not None else ""
            if not path or path.startswith(event.area.path) or event.area.path.startswith(path):
                envelopes.append((envelope, path))
    if not envelopes:
        return [(event.budget_minor, candidates)]
    envelopes.sort(key=lambda pair: -len(pair[1]))
    pools: dict[int, list[allocation.Candidate]] = {e.pk: [] for e, _path in envelopes}
    uncovered: list[allocation.Candidate] = []
    for candidate in candidates:
        initiative = rows[candidate.id].initiative
        district = initiative.organization.district.path
        for envelope, path in envelopes:
            if envelope.instrument == initiative.instrument and district.startswith(path):
                pools[envelope.pk].append(candidate)
                break
        else:
            uncovered.append(candidate)
    groups = [(e.amount_minor, pools[e.pk]) for e, _path in envelopes if pools[e.pk]]
    if uncovered:
        groups.append((0, uncovered))
    return groups


def _merge(
    parts: list[allocation.Allocation], global_rank: dict[int, int]
) -> allocation.Allocation:
    """One allocation from the allocations of several envelopes, ranked across all of them."""
    import dataclasses

    if len(parts) == 1 and all(r.rank == global_rank[i] for i, r in parts[0].reasons.items()):
        return parts[0]
    reasons = {
        pk: dataclasses.replace(reason, rank=global_rank[pk])
        for part in parts
        for pk, reason in part.reasons.items()
    }
    funded = sorted((pk for part in parts for pk in part.funded), key=global_rank.__getitem__)
    return allocation.Allocation(
        method=parts[0].method,
        envelope_minor=sum(p.envelope_minor for p in parts),
        funded=funded,
        total_minor=sum(p.total_minor for p in parts),
        remaining_minor=sum(p.remaining_minor for p in parts),
        total_score=sum((p.total_score for p in parts), Decimal(0)),
        reasons=reasons,
        ranking=sorted(global_rank, key=global_rank.__getitem__),
        optimal=all(p.optimal for p in parts),
        time_limit_reached=any(p.time_limit_reached for p in parts),
        quota_infeasible=any(p.quota_infeasible for p in parts),
    )


def reason_of(result: allocation.Allocation, row: Row) -> tuple[str, dict[str, Any]]:
    """The stated reason for one initiative, as a code and the parameters its sentence needs."""
    if row.score is None:
        return "not_scored", {}
    if row.disqualified:
        return "disqualified", {"present": row.present, "families": row.families}
    reason = result.reasons[row.initiative.pk]
    params: dict[str, Any] = {"rank": reason.rank, "score": _points(row.score)}
    if reason.remaining_minor is not None:
        params["remaining"] = str(Money(reason.remaining_minor, row.initiative.currency))
    return str(reason.code), params


@transaction.atomic
def event_decide(*, user: Any, event: ClarEvent, method: str) -> ClarEvent:
    """Record the public decision: every initiative's outcome with its reason; funded ones get a
    contract in the approved state, ready to be signed."""
    event = (
        ClarEvent.objects.select_for_update(of=("self",))
        .select_related("programme", "area", "call")
        .get(pk=event.pk)
    )
    _require_event(user, event)
    if event.state != EventState.PLANNED:
        raise DomainError(_("This CLAR has already decided."))
    if method not in Method.values:
        raise DomainError(_("Choose the rule or the optimiser."), field="method")
    if event.call_id is None:
        raise DomainError(_("An allocation CLAR needs a call."))
    results = event_results(event)
    if not any(row.field_totals for row in results.rows.values()):
        raise DomainError(_("No initiative has been scored yet."))
    chosen = results.rule if method == Method.RULE else results.optimiser
    rank_of = {pk: position for position, pk in enumerate(results.ranking, start=1)}
    threshold = _points(event.threshold_centi)
    funded_ids = set(chosen.funded)
    for pk, row in results.rows.items():
        code, params = reason_of(chosen, row)
        if code == "not_approved":
            params["threshold"] = threshold
        params.setdefault("rank", rank_of.get(pk))
        amount = (
            sum(line.project_minor for line in row.initiative.lines.all())
            if pk in funded_ids
            else 0
        )
        outcome = Outcome.objects.create(
            event=event,
            initiative=row.initiative,
            rank=rank_of.get(pk),
            score_centi=row.score,
            field_mean_centi=row.field_mean,
            public_mean_centi=row.public_mean,
            approved=row.approved,
            funded=pk in funded_ids,
            amount_minor=amount,
            reason=code,
            reason_params=params,
        )
        state = (
            InitiativeState.FUNDED
            if pk in funded_ids
            else InitiativeState.NOT_FUNDED
            if row.approved
            else InitiativeState.NOT_APPROVED
        )
        Initiative.objects.filter(pk=pk).update(state=state)
        if pk in funded_ids:
            outcome.contract = contract_services.contract_create_from_clar(
                user=user, initiative=row.initiative, event=event
            )
            outcome.save(update_fields=["contract"])
    event.state, event.method, event.decided_at, event.decided_by = (
        EventState.DECIDED,
        method,
        timezone.now(),
        user,
    )
    event.save(update_fields=["state", "method", "decided_at", "decided_by"])
    audit_record(
        actor=user,
        action="clar.decided",
        obj=event,
        programme=event.programme,
        data={
            "method": method,
            "funded": sorted(funded_ids),
            "total": chosen.total_minor,
            "envelope": event.budget_minor,
        },
    )
    return event


@transaction.atomic
def midterm_review(*, user: Any, event: ClarEvent, contract: Contract, approve: bool) -> Contract:
    """The mid-term CLAR approves progress (releasing the second tranche) or holds it."""
    _require_event(user, event)
    if (
        contract.programme_id != event.programme_id
        or contract.state != ContractState.TRANCHE_2_REQUESTED
    ):
        raise DomainError(_("This contract is not waiting for a mid-term review."))
    return contract_services.midterm_decide(
        user=user,
        contract=contract,
        approve=approve,
        decided_on=event.held_on,
        reference=str(event),
    )
