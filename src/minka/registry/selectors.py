"""Every user-triggered read of the registry, scoped by `restrict`."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from minka.core.scope import Action, restrict
from minka.core.selectors import get_for_user, param
from minka.registry.models import (
    BankAccount,
    BoardPosition,
    Community,
    FinancialInstitution,
    Household,
    Membership,
    Organization,
    Person,
    Provider,
)


def _area(queryset: QuerySet, params: Any, lookup: str) -> QuerySet:
    area = param(params, "area")
    if area.isdigit():
        return queryset.filter(**{f"{lookup}__startswith": area})
    return queryset


def community_list(*, user: Any, params: Any = None) -> QuerySet[Community]:
    queryset = restrict(Community.objects.select_related("district__parent__parent"), user)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(code__startswith=query))
    territory = param(params, "territory")
    if territory.isdigit():
        queryset = queryset.filter(territories__id=territory)
    return _area(queryset, params, "district__path")


def get_community_for_user(*, user: Any, pk: Any, action: Action = "view") -> Community:
    return get_for_user(
        Community.objects.select_related("district__parent__parent"),
        user=user,
        pk=pk,
        action=action,
    )


def _member_count() -> Subquery:
    """Members per household as a correlated subquery: evaluated for the rows of the page only,
    where a JOIN + GROUP BY would aggregate the whole table before paginating."""
    members = Person.objects.filter(household=OuterRef("pk")).order_by().values("household")
    return Subquery(members.annotate(count=Count("pk")).values("count")[:1])


def household_list(*, user: Any, params: Any = None) -> QuerySet[Household]:
    queryset = restrict(
        Household.objects.select_related("community").annotate(member_count=_member_count()), user
    )
    query = param(params, "q")
    if query:
        queryset = queryset.filter(Q(code__startswith=query) | Q(community__name__icontains=query))
    community = param(params, "community")
    if community.isdigit():
        queryset = queryset.filter(community_id=community)
    return _area(queryset, params, "community__district__path")


def get_household_for_user(*, user: Any, pk: Any, action: Action = "view") -> Household:
    queryset = Household.objects.select_related("community__district").annotate(
        member_count=_member_count()
    )
    return get_for_user(queryset, user=user, pk=pk, action=action)


def person_list(*, user: Any, params: Any = None) -> QuerySet[Person]:
    queryset = restrict(Person.objects.select_related("household__community", "district"), user)
    query = param(params, "q")
    if query.isdigit():
        # A DNI (or its start) is the fastest, exact way to find a person.
        queryset = (
            queryset.filter(dni=query)
            if len(query) == 8
            else queryset.filter(dni__startswith=query)
        )
    elif query:
        for word in query.split()[:4]:
            queryset = queryset.filter(
                Q(first_names__icontains=word)
                | Q(paternal_surname__icontains=word)
                | Q(maternal_surname__icontains=word)
            )
    sex = param(params, "sex")
    if sex in ("F", "M"):
        queryset = queryset.filter(sex=sex)
    return _area(queryset, params, "district__path")


def get_person_for_user(*, user: Any, pk: Any, action: Action = "view") -> Person:
    return get_for_user(
        Person.objects.select_related("household__community", "district"),
        user=user,
        pk=pk,
        action=action,
    )


def organization_list(*, user: Any, params: Any = None) -> QuerySet[Organization]:
    queryset = restrict(Organization.objects.select_related("community", "district"), user)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query) | Q(code__startswith=query) | Q(ruc=query)
        )
    kind = param(params, "kind")
    if kind:
        queryset = queryset.filter(kind=kind)
    return _area(queryset, params, "district__path")


def get_organization_for_user(*, user: Any, pk: Any, action: Action = "view") -> Organization:
    return get_for_user(
        Organization.objects.select_related("community", "district"),
        user=user,
        pk=pk,
        action=action,
    )


def board_of(*, user: Any, organization: Organization) -> QuerySet[BoardPosition]:
    return restrict(
        BoardPosition.objects.filter(organization=organization).select_related("person"), user
    )


def memberships_of(*, user: Any, organization: Organization) -> QuerySet[Membership]:
    return restrict(
        Membership.objects.filter(organization=organization).select_related("person"), user
    )


def bank_accounts_of(*, user: Any, organization: Organization) -> QuerySet[BankAccount]:
    return restrict(
        BankAccount.objects.filter(organization=organization).select_related("institution"), user
    )


def provider_list(*, user: Any, params: Any = None) -> QuerySet[Provider]:
    queryset = restrict(Provider.objects.select_related("district"), user)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(name__icontains=query)
            | Q(skills__icontains=query)
            | Q(profession__icontains=query)
            | Q(ruc=query)
        )
    kind = param(params, "kind")
    if kind:
        queryset = queryset.filter(kind=kind)
    return _area(queryset, params, "district__path")


def get_provider_for_user(*, user: Any, pk: Any, action: Action = "view") -> Provider:
    return get_for_user(
        Provider.objects.select_related("district", "person"), user=user, pk=pk, action=action
    )


def institution_list(*, user: Any, params: Any = None) -> QuerySet[FinancialInstitution]:
    queryset = restrict(
        FinancialInstitution.objects.annotate(account_count=Count("accounts")).order_by("name"),
        user,
    )
    query = param(params, "q")
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    regulated = param(params, "regulated")
    if regulated in ("yes", "no"):
        queryset = queryset.filter(sbs_regulated=regulated == "yes")
    return queryset


def get_institution_for_user(
    *, user: Any, pk: Any, action: Action = "view"
) -> FinancialInstitution:
    return get_for_user(FinancialInstitution.objects.all(), user=user, pk=pk, action=action)


def bank_account_list(*, user: Any, params: Any = None) -> QuerySet[BankAccount]:
    queryset = restrict(BankAccount.objects.select_related("organization", "institution"), user)
    query = param(params, "q")
    if query:
        queryset = queryset.filter(
            Q(number__icontains=query) | Q(organization__name__icontains=query)
        )
    status = param(params, "status")
    if status:
        queryset = queryset.filter(status=status)
    return _area(queryset, params, "organization__district__path")


def get_bank_account_for_user(*, user: Any, pk: Any, action: Action = "view") -> BankAccount:
    return get_for_user(
        BankAccount.objects.select_related("organization", "institution"),
        user=user,
        pk=pk,
        action=action,
    )


def restrict_memberships(*, user: Any, person: Person) -> QuerySet[Membership]:
    return restrict(Membership.objects.filter(person=person).select_related("organization"), user)


def get_membership_for_user(*, user: Any, pk: Any, action: Action = "view") -> Membership:
    return get_for_user(
        Membership.objects.select_related("organization", "person"), user=user, pk=pk, action=action
    )


def get_board_position_for_user(*, user: Any, pk: Any, action: Action = "view") -> BoardPosition:
    return get_for_user(
        BoardPosition.objects.select_related("organization", "person"),
        user=user,
        pk=pk,
        action=action,
    )
