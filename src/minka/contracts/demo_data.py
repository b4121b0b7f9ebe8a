"""Demo contracts in every state, made through the real services so every sol in them moves
through the ledger and the audit chain exactly as in production.

Deterministic for a seed: which organizations, which amounts and which dates come from
`random.Random(seed)`; only the audit timestamps are the wall clock's."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile

from minka.contracts import services
from minka.contracts.models import Concept, ContractState
from minka.core.models import User
from minka.core.money import Money
from minka.ledger.services import budget_allocate, exchange_rate_record
from minka.programmes.models import Programme
from minka.registry.models import AccountStatus, Organization

# SBS's sol per dollar on the first working day of each year (rounded to 3 decimals).
RATES = {2022: "3.998", 2023: "3.814", 2024: "3.770", 2025: "3.745"}
# How many contracts each scale gets, and the share of them stopped in each state.
COUNTS = {"small": 20, "marenass": 60, "highlands": 120}
STATES = [
    ContractState.PROPOSAL,
    ContractState.APPROVED,
    ContractState.REJECTED,
    ContractState.SIGNED,
    ContractState.TRANCHE_1_PAID,
    ContractState.TRANCHE_2_REQUESTED,
    ContractState.TRANCHE_2_APPROVED,
    ContractState.TRANCHE_2_PAID,
    ContractState.LIQUIDATED,
    ContractState.LIQUIDATED,
    ContractState.CANCELLED,
    "misuse",  # first tranche paid, then a misuse flag suspends the second
]
TITLES = {
    "pdn": [
        "Crianza de cuyes mejorados",
        "Producción y venta de queso fresco",
        "Artesanía textil en fibra de alpaca",
        "Engorde de vacunos",
        "Trucha en jaulas flotantes",
        "Miel de abeja",
    ],
    "pgrn": [
        "Manejo de praderas y pastos",
        "Terrazas y zanjas de infiltración",
        "Riego por aspersión",
        "Forestación con especies nativas",
        "Cosecha de agua",
    ],
}
SUPPLIER_RUCS = ["20100030595", "20131312955", "20100047218", "20100130204", "20114225429"]


def _pen(amount: int) -> Money:
    return Money(amount * 100, "PEN")


def _fund(programme: Programme, manager: User) -> None:
    """Budget the whole of every funding source, converting dollars at the recorded rates."""
    for year, rate in RATES.items():
        # Recorded by no user: rates are reference data that outlive a demo reset.
        exchange_rate_record(
            user=None,
            date=datetime.date(year, 1, 2),
            base="USD",
            quote="PEN",
            rate=Decimal(rate),
        )
    for source in programme.funding_sources.order_by("pk"):
        budget_allocate(
            user=manager,
            funding_source=source,
            amount=Money(source.amount_minor, source.currency),
            effective_date=datetime.date(2022, 1, 3),
            idempotency_key=f"demo:allocate:{source.pk}",
        )


def seed(*, scale: str, seed: int, log: Callable[[str], None]) -> int:
    programme = Programme.objects.filter(code="MARENASS").first()
    if programme is None:
        return 0
    rng = random.Random(f"{seed}:contracts")
    users = {
        u.username: u for u in User.objects.filter(username__in=["admin", "manager", "officer"])
    }
    manager, officer, admin = users["manager"], users["officer"], users["admin"]
    _fund(programme, manager)
    office_of = {}
    for office in programme.local_offices.prefetch_related("areas"):
        for area in office.areas.all():
            office_of[area.path] = office
    candidates = list(
        Organization.objects.filter(
            bank_accounts__status=AccountStatus.VERIFIED,
            bank_accounts__institution__sbs_regulated=True,
            board__role="treasurer",
            board__term_end__isnull=True,
        )
        .exclude(kind="municipality")
        .select_related("district")
        .distinct()
        .order_by("code")
    )
    candidates = [o for o in candidates if any(o.district.path.startswith(p) for p in office_of)]
    rng.shuffle(candidates)
    # The demo officer's own office first, so its worklist has something in every state.
    candidates.sort(
        key=lambda o: (
            0 if officer.headed_offices.filter(areas__path=o.district.path[:4]).exists() else 1
        )
    )
    count = min(COUNTS.get(scale, 20), len(candidates))
    made = 0
    for index, organization in enumerate(candidates[:count]):
        state = STATES[index % len(STATES)]
        office = next(office_of[p] for p in office_of if organization.district.path.startswith(p))
        in_officer_area = officer.role_assignments.filter(local_office=office).exists()
        actor = officer if in_officer_area else manager
        approver = manager if in_officer_area else admin
        _make(rng, programme, office, organization, state, manager, actor, approver)
        made += 1
    log(f"contracts: {made} in every state, with their ledger journals")
    return made


def _make(rng, programme, office, organization, state, manager, actor, approver) -> None:
    instrument = rng.choice(["pdn", "pdn", "pgrn"])
    project = rng.randrange(12_000, 40_000, 100)
    own = project * rng.choice([25, 30, 35]) // 100
    lines = [
        services.LineInput(
            Concept.TECHNICAL_ASSISTANCE, _pen(project * 40 // 100), _pen(own // 2), _pen(0)
        ),
        services.LineInput(
            Concept.ASSETS, _pen(project - project * 40 // 100), _pen(own - own // 2), _pen(0)
        ),
    ]
    contract = services.contract_create(
        user=manager,
        programme=programme,
        local_office=office,
        organization=organization,
        instrument=instrument,
        title=rng.choice(TITLES[instrument]),
        funding_source=programme.funding_sources.order_by("-amount_minor").first(),
        term_months=rng.choice([12, 18, 24]),
        lines=lines,
        justification="Demostración: contrato directo previo al primer CLAR.",
    )
    if state == ContractState.PROPOSAL:
        return
    if state == ContractState.REJECTED:
        services.contract_decide(
            user=manager, contract=contract, approve=False, reason="Plan sin sustento de mercado."
        )
        return
    services.contract_decide(user=manager, contract=contract, approve=True)
    if state == ContractState.APPROVED:
        return
    start = datetime.date(2024, rng.randint(1, 6), rng.randint(1, 28))
    services.contract_sign(user=actor, contract=contract, signed_on=start)
    if state == ContractState.CANCELLED:
        services.contract_cancel(
            user=manager,
            contract=contract,
            reason="Disolución de la organización.",
            cancelled_on=start + datetime.timedelta(days=20),
        )
        return
    share = services.totals(contract)["organization"].amount_minor
    services.counterpart_deposit_record(
        user=actor,
        contract=contract,
        kind="cash",
        slip_number=f"BN-{contract.pk:05d}",
        deposited_on=start + datetime.timedelta(days=5),
        amount=Money(share * 60 // 100, "PEN"),
    )
    services.counterpart_deposit_record(
        user=actor,
        contract=contract,
        kind="labour",
        slip_number=f"FAENA-{contract.pk:05d}",
        deposited_on=start + datetime.timedelta(days=9),
        amount=Money(share * 30 // 100, "PEN"),
        description="Faenas comunales valorizadas",
    )
    if state == ContractState.SIGNED:
        return
    _pay(contract, 1, actor, approver, start + datetime.timedelta(days=12))
    spend_first = contract.tranches.get(number=1).amount_minor * rng.choice([75, 85, 95]) // 100
    _report(rng, contract, actor, spend_first, start + datetime.timedelta(days=90))
    if state == ContractState.TRANCHE_1_PAID:
        return
    if state == "misuse":
        services.misuse_flag_raise(
            user=actor,
            contract=contract,
            description="Compra sin comprobante de pago.",
            raised_on=start + datetime.timedelta(days=100),
        )
        return
    services.tranche2_request(user=actor, contract=contract)
    if state == ContractState.TRANCHE_2_REQUESTED:
        return
    services.midterm_decide(
        user=actor,
        contract=contract,
        approve=True,
        decided_on=start + datetime.timedelta(days=150),
        reference=f"Acta CLAR intermedio {start.year}-{rng.randint(1, 9):02d}",
    )
    if state == ContractState.TRANCHE_2_APPROVED:
        return
    _pay(contract, 2, actor, approver, start + datetime.timedelta(days=160))
    if state == ContractState.TRANCHE_2_PAID:
        return
    held = services.money_position(contract)["held"].amount_minor
    _report(
        rng,
        contract,
        actor,
        held - rng.randrange(0, 50_000, 100),
        start + datetime.timedelta(days=300),
    )
    held = services.money_position(contract)["held"].amount_minor
    services.contract_liquidate(
        user=actor,
        contract=contract,
        final_report=ContentFile(b"%PDF-1.4 demo", name="informe-final.pdf"),
        closing_minute=ContentFile(b"%PDF-1.4 demo", name="acta-de-cierre.pdf"),
        bank_statement=ContentFile(b"%PDF-1.4 demo", name="extracto.pdf"),
        refund=held,
        refund_reference=f"DEV-{contract.pk:05d}" if held else "",
        rating=rng.choice(["fair", "good", "good", "very_good"]),
        liquidated_on=start + datetime.timedelta(days=330),
    )


def _pay(contract, number, actor, approver, on) -> None:
    atf = services.atf_prepare(
        user=actor, contract=contract, tranche=contract.tranches.get(number=number)
    )
    services.atf_approve(user=approver, atf=atf)
    services.atf_execute(
        user=actor, atf=atf, bank_reference=f"OP-{contract.pk:05d}-{number}", executed_on=on
    )


def _report(rng, contract, actor, amount, period_end) -> None:
    """Receipts for `amount`, split across the contract's concepts within their shares."""
    if amount <= 0:
        return
    remaining = amount
    used = dict.fromkeys(("ta", "assets"), 0)
    for line in services.ExpenseLine.objects.filter(
        report__contract=contract, report__state="approved"
    ):
        used[line.concept] += line.amount_minor
    limits = dict(contract.lines.values_list("concept", "project_minor"))
    inputs = []
    for number, concept in enumerate(["assets", "ta"], start=1):
        room = limits[concept] - used[concept]
        part = min(room, remaining if concept == "ta" else remaining * 6 // 10)
        if part <= 0:
            continue
        inputs.append(
            services.ExpenseInput(
                spent_on=period_end - datetime.timedelta(days=rng.randint(1, 40)),
                receipt_type="factura",
                receipt_number=f"E{contract.pk:04d}-{period_end:%y%j}{number}",
                supplier_ruc=rng.choice(SUPPLIER_RUCS),
                concept=concept,
                amount=Money(part, "PEN"),
            )
        )
        remaining -= part
    report = services.expense_report_submit(
        user=actor, contract=contract, period_end=period_end, lines=inputs
    )
    services.expense_report_review(user=actor, report=report, approve=True)
