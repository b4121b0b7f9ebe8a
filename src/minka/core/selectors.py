"""Reads shared by every app's selectors: scoped fetching of one object, search helpers."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from minka.core.scope import Action, restrict

M = TypeVar("M", bound=Model)


def get_for_user(queryset: QuerySet[M], *, user: Any, pk: Any, action: Action = "view") -> M:
    """One object the user may act on; a 404 (never a 403) so existence does not leak."""
    try:
        return restrict(queryset, user, action).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def param(params: Any, name: str) -> str:
    value = params.get(name, "") if params is not None else ""
    return str(value).strip()


def dashboard_counts(*, user: Any) -> dict[str, Any]:
    """The key counts of what the user may see: a handful of aggregate queries."""
    from django.db.models import Count, Q

    from minka.programmes.selectors import funding_totals, programme_list
    from minka.registry.models import (
        AccountStatus,
        BankAccount,
        Community,
        Household,
        Organization,
        OrganizationKind,
        Person,
        Provider,
    )

    persons = restrict(Person.objects.all(), user).aggregate(
        total=Count("pk"), women=Count("pk", filter=Q(sex="F")), men=Count("pk", filter=Q(sex="M"))
    )
    organizations = restrict(Organization.objects.all(), user).aggregate(
        total=Count("pk"), women=Count("pk", filter=Q(kind=OrganizationKind.WOMENS_GROUP))
    )
    accounts = restrict(BankAccount.objects.all(), user).aggregate(
        verified=Count("pk", filter=Q(status=AccountStatus.VERIFIED)),
        pending=Count("pk", filter=Q(status=AccountStatus.PENDING)),
    )
    programmes = [
        (programme, funding_totals(user=user, programme=programme))
        for programme in programme_list(user=user)
    ]
    women_share = (
        round(100 * organizations["women"] / organizations["total"])
        if organizations["total"]
        else 0
    )
    return {
        "communities": restrict(Community.objects.all(), user).count(),
        "households": restrict(Household.objects.all(), user).count(),
        "persons": persons,
        "organizations": organizations,
        "women_share": women_share,
        "providers": restrict(Provider.objects.all(), user).count(),
        "accounts": accounts,
        "programmes": programmes,
    }
