"""The printable *Contrato de Donación con Carga*: HTML from a Django template, PDF with WeasyPrint.

The contract is a legal document signed on paper in Peru, so it is always rendered in Spanish
(its clauses are written in Spanish in the template; labels that come from the models go through
the Spanish catalogue). It holds the DNIs of the persons who sign: serve it only to users who may
see the contract.

WeasyPrint is imported inside `contract_pdf`, so Minka runs on machines without Pango; there the
PDF is refused with a clear `DomainError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from minka.contracts.models import (
    Addendum,
    Contract,
    ContractLine,
    ContractParty,
    Tranche,
    TrancheState,
)
from minka.contracts.tranches import tranche_amounts
from minka.core.errors import DomainError
from minka.core.money import Money, minor_exponent
from minka.registry.models import AccountStatus, BankAccount, BoardPosition, BoardRole, Sex

TEMPLATE = "contracts/pdf/contract.html"
BLANK = "_" * 28  # a line to fill in by hand on the paper copy
NBSP = "\u00a0"  # keeps "S/ 1,000.00" and "70 %" on one line

# --- amounts in words (Spanish) -----------------------------------------------------------------

_UNITS = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
_TENS = {
    3: "treinta",
    4: "cuarenta",
    5: "cincuenta",
    6: "sesenta",
    7: "setenta",
    8: "ochenta",
    9: "noventa",
}
_HUNDREDS = {
    1: "ciento",
    2: "doscientos",
    3: "trescientos",
    4: "cuatrocientos",
    5: "quinientos",
    6: "seiscientos",
    7: "setecientos",
    8: "ochocientos",
    9: "novecientos",
}
CURRENCY_WORDS = {
    "PEN": "soles",
    "USD": "dólares estadounidenses",
    "EUR": "euros",
    "BOB": "bolivianos",
    "NIO": "córdobas",
    "GTQ": "quetzales",
    "CLP": "pesos chilenos",
}


def _below_thousand(number: int, *, apocope: bool) -> str:
    if number == 100:
        return "cien"
    hundreds, rest = divmod(number, 100)
    words = [_HUNDREDS[hundreds]] if hundreds else []
    if rest:
        if rest < 30:
            word = _UNITS[rest]
        else:
            tens, unit = divmod(rest, 10)
            word = _TENS[tens] + (f" y {_UNITS[unit]}" if unit else "")
        if apocope and word.endswith("uno"):
            # Before a noun: "un mil", "veintiún mil", "treinta y un millones".
            word = word[:-3] + ("ún" if word == "veintiuno" else "un")
        words.append(word)
    return " ".join(words)


def number_in_words(number: int, *, apocope: bool = False) -> str:
    """A non-negative integer in Spanish words: 21_345 -> "veintiún mil trescientos cuarenta y
    cinco". `apocope` shortens a final "uno" as before a noun ("veintiún meses")."""
    if number < 0:
        raise ValueError("only non-negative numbers are written in words")
    if number == 0:
        return "cero"
    millions, rest = divmod(number, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words = []
    if millions == 1:
        words.append("un millón")
    elif millions:
        words.append(f"{number_in_words(millions, apocope=True)} millones")
    if thousands == 1:
        words.append("mil")
    elif thousands:
        words.append(f"{_below_thousand(thousands, apocope=True)} mil")
    if units:
        words.append(_below_thousand(units, apocope=apocope))
    return " ".join(words)


def amount_in_words(money: Money) -> str:
    """As written on Peruvian cheques and contracts: "doce mil trescientos cuarenta y cinco con
    67/100 soles"."""
    if money.amount_minor < 0:
        raise ValueError("only non-negative amounts are written in words")
    exponent = minor_exponent(money.currency)
    units, fraction = divmod(money.amount_minor, 10**exponent)
    currency = CURRENCY_WORDS.get(money.currency, money.currency)
    if exponent == 0:
        return f"{number_in_words(units)} {currency}"
    return f"{number_in_words(units)} con {fraction:0{exponent}d}/{10**exponent} {currency}"


# --- formatting helpers -----------------------------------------------------------------------


def percent_of(part: int, whole: int) -> str:
    """`part` as a percentage of `whole`, two decimals, exact arithmetic: "62.50 %"."""
    if whole <= 0:
        return f"0.00{NBSP}%"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN
    )
    return f"{value}{NBSP}%"


def _fmt(money: Money) -> str:
    """Money as "S/ 12,345.67", with a non-breaking space after the symbol."""
    return money.format().replace(" ", NBSP)


def _signed(money: Money) -> str:
    if money.amount_minor == 0:
        return "—"
    sign = "+" if money.amount_minor > 0 else "−"
    return f"{sign}{_fmt(Money(abs(money.amount_minor), money.currency))}"


def _long_date(value: Any) -> str:
    return date_format(value, "j \\d\\e F \\d\\e Y") if value else ""


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Signatory:
    role: str  # "presidenta", "tesorero", ...
    name: str
    dni: str
    identified: str  # "identificada", "identificado" or "identificado(a)"


@dataclass(frozen=True)
class PartyView:
    name: str
    kind: str
    ruc: str
    registry_entry: str
    place: str
    president: Signatory
    treasurer: Signatory


@dataclass(frozen=True)
class LineView:
    concept: str
    description: str
    project: str
    organization: str
    other: str
    total: str


@dataclass(frozen=True)
class TrancheView:
    number: int
    amount: str
    percent: str
    condition: str


@dataclass(frozen=True)
class AddendumView:
    number: int
    signed_on: str
    reason: str
    concept: str
    project_delta: str
    organization_delta: str
    term_delta: str


def _role_word(role: str, person: Any) -> str:
    """The board role by the signatory's sex (presidenta, presidente); both while unnamed."""
    stem = "presidente" if role == BoardRole.PRESIDENT else "tesorero"
    if person is None:
        return f"{stem}(a)"
    return stem[:-1] + "a" if person.sex == Sex.FEMALE else stem


def _signatory(role: str, person: Any) -> Signatory:
    return Signatory(
        role=_role_word(role, person),
        name=person.full_name if person else BLANK,
        dni=(person.dni or BLANK) if person else BLANK,
        identified=(
            "identificado(a)"
            if person is None
            else ("identificada" if person.sex == Sex.FEMALE else "identificado")
        ),
    )


def _place(organization: Any) -> str:
    district = organization.district
    chain = [*district.ancestors(), district]
    labels = {3: "distrito", 2: "provincia", 1: "departamento"}
    parts = []
    if organization.community_id:
        parts.append(f"comunidad de {organization.community.name}")
    for area in reversed(chain):
        label = labels.get(area.level)
        if label:
            parts.append(f"{label} de {area.name}")
    return ", ".join(parts)


def _load(contract: Contract) -> Contract:
    """The contract with everything the document shows, in a bounded number of queries."""
    return (
        Contract.objects.select_related(
            "programme",
            "local_office__head",
            "organization__district",
            "organization__community",
            "funding_source",
            "signed_by_office",
        )
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=ContractParty.objects.select_related(
                    "organization__district__parent__parent",
                    "organization__community",
                    "president",
                    "treasurer",
                ),
            ),
            Prefetch("lines", queryset=ContractLine.objects.order_by("id")),
            Prefetch(
                "tranches",
                queryset=Tranche.objects.exclude(state=TrancheState.CANCELLED).order_by("number"),
            ),
            Prefetch("addenda", queryset=Addendum.objects.order_by("number")),
        )
        .get(pk=contract.pk)
    )


def _parties(contract: Contract) -> list[PartyView]:
    parties = list(contract.parties.all())
    organizations = [p.organization for p in parties] or [contract.organization]
    # Before signing, the signatories are the board members in office.
    board: dict[tuple[int, str], Any] = {}
    if not parties or not all(p.president_id and p.treasurer_id for p in parties):
        positions = (
            BoardPosition.objects.filter(
                organization__in=[o.pk for o in organizations],
                role__in=[BoardRole.PRESIDENT, BoardRole.TREASURER],
                term_end__isnull=True,
            )
            .select_related("person")
            .order_by("term_start")
        )
        for position in positions:
            board[(position.organization_id, position.role)] = position.person
    views = []
    for index, organization in enumerate(organizations):
        party = parties[index] if parties else None
        president = (party.president if party else None) or board.get(
            (organization.pk, BoardRole.PRESIDENT)
        )
        treasurer = (party.treasurer if party else None) or board.get(
            (organization.pk, BoardRole.TREASURER)
        )
        views.append(
            PartyView(
                name=organization.name,
                kind=str(organization.get_kind_display()),
                ruc=organization.ruc or "",
                registry_entry=organization.registry_entry,
                place=_place(organization),
                president=_signatory(BoardRole.PRESIDENT, president),
                treasurer=_signatory(BoardRole.TREASURER, treasurer),
            )
        )
    return views


def _tranches(contract: Contract, project: int, organization: int) -> list[TrancheView]:
    money = contract.money
    recorded = [t.amount_minor for t in contract.tranches.all()]
    if recorded:
        amounts = recorded
    elif project > 0:
        amounts = tranche_amounts(project, contract.first_tranche_percent)
    else:
        return []
    counterpart = -(-organization * contract.counterpart_percent_before_first // 100)
    deposit_condition = (
        f"después de que LA ORGANIZACIÓN acredite con sus papeletas de depósito haber "
        f"depositado en su cuenta al menos el {contract.counterpart_percent_before_first}{NBSP}% "
        f"de su aporte ({_fmt(money(counterpart))})"
        if organization > 0 and contract.counterpart_percent_before_first > 0
        else "después de la firma del contrato"
    )
    views = []
    for number, amount in enumerate(amounts, start=1):
        if len(amounts) == 1:
            condition = (
                f"Desembolso único del 100{NBSP}% del aporte de EL PROGRAMA, {deposit_condition}"
            )
            if contract.head_office_authorised:
                condition += ", con la autorización de la Sede Central de EL PROGRAMA"
        elif number == 1:
            condition = (
                f"Hasta el {contract.first_tranche_percent}{NBSP}% del aporte de EL PROGRAMA, "
                f"{deposit_condition}"
            )
        elif number == 2 and len(amounts) == 2:
            accounted = -(-amounts[0] * contract.accounted_percent_before_second // 100)
            condition = (
                "El saldo del aporte de EL PROGRAMA, después de que el CLAR de evaluación "
                "intermedia apruebe el avance de la iniciativa y de que LA ORGANIZACIÓN haya "
                f"rendido cuentas del uso de al menos el {contract.accounted_percent_before_second}"
                f"{NBSP}% del primer desembolso ({_fmt(money(accounted))})"
            )
        else:
            condition = "Según lo acordado por adenda"
        views.append(
            TrancheView(
                number=number,
                amount=_fmt(money(amount)),
                percent=percent_of(amount, project),
                condition=condition + ".",
            )
        )
    return views


def _receiving_account(contract: Contract) -> BankAccount | None:
    return (
        BankAccount.objects.filter(
            organization_id=contract.organization_id,
            status=AccountStatus.VERIFIED,
            institution__sbs_regulated=True,
            currency=contract.currency,
        )
        .select_related("institution")
        .order_by("id")
        .first()
    )


def contract_context(contract: Contract) -> dict[str, Any]:
    """Everything the template shows, as ready-formatted strings (amounts "S/ 12,345.67" with a
    point for decimals, as in Peru, whatever the locale's number format)."""
    contract = _load(contract)
    money = contract.money
    lines = list(contract.lines.all())
    project = sum(line.project_minor for line in lines)
    organization = sum(line.organization_minor for line in lines)
    other = sum(line.other_minor for line in lines)
    total = project + organization + other
    office = contract.local_office
    representative = contract.signed_by_office or office.head
    parties = _parties(contract)
    account = _receiving_account(contract)
    programme = contract.programme
    addenda = [
        AddendumView(
            number=addendum.number,
            signed_on=_long_date(addendum.signed_on),
            reason=addendum.reason,
            concept=str(addendum.get_concept_display()) if addendum.concept else "—",
            project_delta=_signed(money(addendum.project_delta_minor)),
            organization_delta=_signed(money(addendum.organization_delta_minor)),
            term_delta=(f"{addendum.term_delta_months:+d}" if addendum.term_delta_months else "—"),
        )
        for addendum in contract.addenda.all()
    ]
    return {
        "code": contract.code,
        "title": contract.title,
        "instrument": str(contract.get_instrument_display()),
        "programme_name": programme.name,
        "programme_code": programme.code,
        "executing_institution": programme.institution,
        "office_name": office.name,
        "office_town": office.town or office.name,
        "representative": _user_name(representative) or BLANK,
        "funding_source": contract.funding_source.name,
        "justification": contract.justification,
        "parties": parties,
        "several_parties": len(parties) > 1,
        "copies": len(parties) + 1,
        "copies_words": number_in_words(len(parties) + 1),
        "term_months": contract.term_months,
        "term_words": number_in_words(contract.term_months, apocope=True),
        "signed_on": _long_date(contract.signed_on),
        "amounts": {
            "project": _fmt(money(project)),
            "project_words": amount_in_words(money(project)),
            "organization": _fmt(money(organization)),
            "organization_words": amount_in_words(money(organization)),
            "other": _fmt(money(other)),
            "total": _fmt(money(total)),
            "total_words": amount_in_words(money(total)),
            "project_percent": percent_of(project, total),
            "organization_percent": percent_of(organization, total),
            "other_percent": percent_of(other, total),
        },
        "has_other": other > 0,
        "first_tranche_percent": contract.first_tranche_percent,
        "counterpart_percent": contract.counterpart_percent_before_first,
        "accounted_percent": contract.accounted_percent_before_second,
        "tranches": _tranches(contract, project, organization),
        "account": (
            {
                "institution": account.institution.name,
                "number": account.number,
                "cci": account.cci,
            }
            if account
            else None
        ),
        "lines": [
            LineView(
                concept=str(line.get_concept_display()),
                description=line.description,
                project=_fmt(money(line.project_minor)),
                organization=_fmt(money(line.organization_minor)),
                other=_fmt(money(line.other_minor)),
                total=_fmt(money(line.total_minor)),
            )
            for line in lines
        ],
        "addenda": addenda,
    }


def contract_html(contract: Contract) -> str:
    """The contract as an HTML page with print CSS, in Spanish."""
    with translation.override("es"):
        return render_to_string(TEMPLATE, contract_context(contract))


def contract_pdf(contract: Contract) -> bytes:
    """The contract as an A4 PDF, in Spanish, ready to print and sign."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango or its fonts are missing
        raise DomainError(
            _(
                "PDF documents cannot be produced on this server: WeasyPrint could not load "
                "(%(error)s). Install WeasyPrint and Pango."
            )
            % {"error": exc},
            code="pdf_unavailable",
        ) from exc
    html = contract_html(contract)
    return HTML(string=html).write_pdf()


def contract_pdf_filename(contract: Contract) -> str:
    """The file name, e.g. contrato-cdc-2024-001.pdf: safe in a Content-Disposition header."""
    return f"contrato-{slugify(contract.code) or contract.pk}.pdf"
