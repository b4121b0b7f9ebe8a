"""Integrity checks run by `minka verify`. Each check yields problems naming the record.

Database constraints already guard single rows; these checks cover what spans rows or could be
altered behind Minka's back (someone editing the database directly). Later instruments add
their own checks (ledger balances, the audit chain) by appending to CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from minka.core.validators import is_valid_dni, is_valid_ruc


@dataclass(frozen=True)
class Problem:
    check: str
    record: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.record}: {self.message}"


def check_area_tree() -> Iterator[Problem]:
    from minka.geo.models import AdminArea

    broken = (
        AdminArea.objects.filter(parent__isnull=False)
        .annotate(expected=Concat(F("parent__path"), Substr("code", Length("parent__code") + 1)))
        .exclude(path=F("expected"))
    )
    for area in broken.order_by("path")[:50]:
        yield Problem("areas", f"AdminArea {area.code}", _("its path does not extend its parent's"))
    for area in AdminArea.objects.filter(parent__isnull=True, level__gt=1)[:50]:
        yield Problem(
            "areas", f"AdminArea {area.code}", _("a province or district without a parent")
        )


def check_identifiers() -> Iterator[Problem]:
    from minka.registry.models import Organization, Person, Provider

    for pk, dni in Person.objects.filter(dni__isnull=False).values_list("pk", "dni").iterator():
        if not is_valid_dni(dni):
            yield Problem("identifiers", f"Person {pk}", _("invalid DNI %(dni)s") % {"dni": dni})
    for model in (Organization, Provider):
        for pk, ruc in model.objects.filter(ruc__isnull=False).values_list("pk", "ruc").iterator():
            if not is_valid_ruc(ruc):
                yield Problem(
                    "identifiers", f"{model.__name__} {pk}", _("invalid RUC %(ruc)s") % {"ruc": ruc}
                )


def check_households() -> Iterator[Problem]:
    from minka.registry.models import Household

    heads = Household.objects.annotate(
        heads=Count("members", filter=Q(members__relationship="head")),
        size=Count("members"),
    ).filter(size__gt=0)
    for household in heads.exclude(heads=1).order_by("code")[:50]:
        yield Problem(
            "households",
            f"Household {household.code}",
            _("has %(count)d heads; a household has exactly one") % {"count": household.heads},
        )


def check_bank_accounts() -> Iterator[Problem]:
    from minka.registry.models import AccountStatus, BankAccount

    unregulated = BankAccount.objects.filter(
        status=AccountStatus.VERIFIED, institution__sbs_regulated=False
    )
    for account in unregulated.select_related("institution")[:50]:
        yield Problem(
            "bank-accounts",
            f"BankAccount {account.pk}",
            _("verified at %(institution)s, which the SBS does not regulate")
            % {"institution": account.institution},
        )


CHECKS: list[tuple[str, Callable[[], Iterator[Problem]]]] = [
    ("areas", check_area_tree),
    ("identifiers", check_identifiers),
    ("households", check_households),
    ("bank-accounts", check_bank_accounts),
]


def check_audit_chain() -> Iterator[Problem]:
    from minka.core.audit import chain_problems

    for problem in chain_problems():
        record, _sep, message = problem.partition(": ")
        yield Problem("audit-chain", record, message)


CHECKS.append(("audit-chain", check_audit_chain))
