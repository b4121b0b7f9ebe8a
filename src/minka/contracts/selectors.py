"""Reads of contracts, scoped; the officer's worklist."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from minka.contracts.models import (
    Atf,
    AtfState,
    Contract,
    ContractState,
    ExpenseReport,
    MisuseFlag,
    ReportState,
)
from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param


def contract_list(*, user: Any, params: Any = None) -> QuerySet[Contract]:
    queryset = restrict(
        Contract.objects.select_related("organization", "programme", "local_office").annotate(
            project_minor=Sum("lines__project_minor")
        ),
        user,
    ).order_by("-created_at", "-id")
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(code__icontains=query)
            | Q(organization__name__icontains=query)
            | Q(title__icontains=query)
        )
    state = param(params, "state")
    if state:
        queryset = queryset.filter(state=state)
    programme = param(params, "programme")
    if programme.isdigit():
        queryset = queryset.filter(programme_id=programme)
    area = param(params, "area")
    if area.isdigit():
        queryset = queryset.filter(organization__district__path__startswith=area)
    return queryset


def get_contract_for_user(*, user: Any, pk: Any, action: Action = "view") -> Contract:
    return get_for_user(
        Contract.objects.select_related(
            "organization__district", "programme", "local_office__head", "funding_source"
        ),
        user=user,
        pk=pk,
        action=action,
    )


def get_atf_for_user(*, user: Any, pk: Any, action: Action = "view") -> Atf:
    atf = get_for_user(
        Atf.objects.select_related("contract", "tranche"), user=user, pk=pk, action=action
    )
    return atf


def worklist(*, user: Any) -> dict[str, Any]:
    """What waits for whom, among the contracts the user may change."""
    from minka.contracts.services import tranche_blockers

    contracts = restrict(Contract.objects.select_related("organization"), user, "change")
    ids = contracts.values("pk")
    atfs = Atf.objects.filter(contract__in=ids).select_related(
        "contract__organization", "prepared_by"
    )
    ready = []
    for contract in contracts.filter(
        state__in=[ContractState.SIGNED, ContractState.TRANCHE_2_APPROVED]
    ).prefetch_related("tranches")[:200]:
        for tranche in contract.tranches.all():
            if (
                tranche.state == "pending"
                and not tranche.atfs.exclude(state=AtfState.CANCELLED).exists()
            ):
                ready.append((contract, tranche, tranche_blockers(contract, tranche)))
                break
    return {
        "to_decide": contracts.filter(state=ContractState.PROPOSAL),
        "to_sign": contracts.filter(state=ContractState.APPROVED),
        "tranches": ready,
        "atfs_to_approve": atfs.filter(state=AtfState.PREPARED).exclude(prepared_by=user),
        "atfs_mine_waiting": atfs.filter(state=AtfState.PREPARED, prepared_by=user),
        "atfs_to_execute": atfs.filter(state=AtfState.APPROVED),
        "reports": ExpenseReport.objects.filter(
            contract__in=ids, state=ReportState.SUBMITTED
        ).select_related("contract__organization"),
        "midterm": contracts.filter(state=ContractState.TRANCHE_2_REQUESTED),
        "to_liquidate": contracts.filter(
            Q(state=ContractState.TRANCHE_2_PAID)
            | Q(state=ContractState.TRANCHE_1_PAID, tranches__number=1, first_tranche_percent=100)
        ).distinct(),
        "flags": MisuseFlag.objects.filter(contract__in=ids, lifted_on__isnull=True).select_related(
            "contract"
        ),
    }
