"""Registry pages: entity descriptions for the generic pages, plus bank-account verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.core.actions import action_page
from minka.core.errors import DomainError
from minka.core.ui import Action, Column, Entity, Filter, Related, register
from minka.geo.selectors import area_filter_choices
from minka.registry import importers, selectors, services
from minka.registry.forms import (
    BankAccountForm,
    BankAccountVerifyForm,
    BoardAssignForm,
    CommunityForm,
    EndDateForm,
    FinancialInstitutionForm,
    HouseholdForm,
    MemberAddForm,
    OrganizationForm,
    PersonForm,
    ProviderForm,
)
from minka.registry.models import (
    AccountStatus,
    BankAccount,
    Community,
    FinancialInstitution,
    Household,
    Organization,
    OrganizationKind,
    Person,
    Provider,
    ProviderKind,
    Sex,
)

AREA_FILTER = Filter("area", _l("Area"), area_filter_choices)


def _choices(enum):
    return lambda user: list(enum.choices)


PERSON_COLUMNS = [
    Column("dni", _l("DNI")),
    Column("full_name", _l("Name"), link=True),
    Column("get_sex_display", _l("Sex")),
    Column("birth_date", _l("Birth date")),
]

COMMUNITY = register(
    Entity(
        slug="communities",
        exporter=lambda queryset, fmt: importers.export_file("communities", queryset, fmt),
        model=Community,
        title=_l("Communities"),
        list_selector=selectors.community_list,
        get_selector=selectors.get_community_for_user,
        columns=[
            Column("code", _l("Code")),
            Column("name", _l("Name"), link=True),
            Column("district.name", _l("District")),
            Column("district.parent.name", _l("Province")),
            Column("district.parent.parent.name", _l("Department")),
            Column("altitude_m", _l("Altitude (m)")),
        ],
        detail_fields=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column("district", _l("District")),
            Column("district.parent", _l("Province")),
            Column("district.parent.parent", _l("Department")),
            Column("latitude", _l("Latitude")),
            Column("longitude", _l("Longitude")),
            Column("altitude_m", _l("Altitude (m)")),
            Column("district.poverty_rate", _l("District poverty rate (%)")),
            Column("recognised_on", _l("Legally recognised on")),
        ],
        filters=[AREA_FILTER],
        related=[
            Related(
                _l("Organizations"),
                lambda obj, user: selectors.organization_list(user=user).filter(community=obj),
                [Column("name", _l("Name"), link=True), Column("get_kind_display", _l("Type"))],
                entity="organizations",
            ),
            Related(
                _l("Households"),
                lambda obj, user: selectors.household_list(
                    user=user, params={"community": str(obj.pk)}
                ),
                [Column("code", _l("Code"), link=True), Column("member_count", _l("Members"))],
                entity="households",
            ),
        ],
        form_class=CommunityForm,
        search_help=_l("Name or code"),
    )
)

HOUSEHOLD = register(
    Entity(
        slug="households",
        exporter=lambda queryset, fmt: importers.export_file("households", queryset, fmt),
        model=Household,
        title=_l("Households"),
        list_selector=selectors.household_list,
        get_selector=selectors.get_household_for_user,
        columns=[
            Column("code", _l("Code"), link=True),
            Column("community.name", _l("Community")),
            Column("sector", _l("Sector")),
            Column("member_count", _l("Members")),
        ],
        detail_fields=[
            Column("code", _l("Code")),
            Column("community", _l("Community")),
            Column("community.district", _l("District")),
            Column("sector", _l("Sector or annex")),
        ],
        filters=[AREA_FILTER],
        related=[
            Related(
                _l("Members"),
                lambda obj, user: selectors.person_list(user=user).filter(household=obj),
                [*PERSON_COLUMNS, Column("get_relationship_display", _l("Relationship"))],
                entity="persons",
            )
        ],
        form_class=HouseholdForm,
        search_help=_l("Household code or community"),
    )
)

PERSON = register(
    Entity(
        slug="persons",
        model=Person,
        title=_l("Persons"),
        list_selector=selectors.person_list,
        get_selector=selectors.get_person_for_user,
        columns=[*PERSON_COLUMNS, Column("household.community.name", _l("Community"))],
        detail_fields=[
            Column("dni", _l("DNI")),
            Column("first_names", _l("First names")),
            Column("paternal_surname", _l("Paternal surname")),
            Column("maternal_surname", _l("Maternal surname")),
            Column("get_sex_display", _l("Sex")),
            Column("birth_date", _l("Birth date")),
            Column("household", _l("Household")),
            Column("get_relationship_display", _l("Relationship to the head")),
            Column("district", _l("District of residence")),
            Column("phone", _l("Phone")),
        ],
        filters=[Filter("sex", _l("Sex"), _choices(Sex)), AREA_FILTER],
        related=[
            Related(
                _l("Memberships"),
                lambda obj, user: selectors.restrict_memberships(user=user, person=obj),
                [Column("organization", _l("Organization")), Column("joined_on", _l("Joined on"))],
            )
        ],
        form_class=PersonForm,
        search_help=_l("DNI or name"),
    )
)

ORGANIZATION = register(
    Entity(
        slug="organizations",
        exporter=lambda queryset, fmt: importers.export_file("organizations", queryset, fmt),
        model=Organization,
        title=_l("Organizations"),
        list_selector=selectors.organization_list,
        get_selector=selectors.get_organization_for_user,
        columns=[
            Column("code", _l("Code")),
            Column("name", _l("Name"), link=True),
            Column("get_kind_display", _l("Type")),
            Column("community.name", _l("Community")),
            Column("district.name", _l("District")),
        ],
        detail_fields=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column("get_kind_display", _l("Type")),
            Column("community", _l("Community")),
            Column("district", _l("District")),
            Column("ruc", _l("RUC")),
            Column("registry_entry", _l("Public registry entry")),
            Column("registered_on", _l("Registered on")),
            Column("founded_on", _l("Founded on")),
        ],
        filters=[Filter("kind", _l("Type"), _choices(OrganizationKind)), AREA_FILTER],
        related=[
            Related(
                _l("Board"),
                lambda obj, user: selectors.board_of(user=user, organization=obj),
                [
                    Column("get_role_display", _l("Position")),
                    Column("person.full_name", _l("Name")),
                    Column("term_start", _l("Term starts")),
                    Column("term_end", _l("Term ends")),
                    Column("pk", "", link=True, text=_l("End term")),
                ],
                url_name="board-position-end",
            ),
            Related(
                _l("Bank accounts"),
                lambda obj, user: selectors.bank_accounts_of(user=user, organization=obj),
                [
                    Column("institution", _l("Institution")),
                    Column("number", _l("Account number"), link=True),
                    Column("get_status_display", _l("Status")),
                ],
                entity="bank-accounts",
            ),
            Related(
                _l("Members"),
                lambda obj, user: selectors.memberships_of(user=user, organization=obj),
                [
                    Column("person.dni", _l("DNI")),
                    Column("person.full_name", _l("Name")),
                    Column("person.get_sex_display", _l("Sex")),
                    Column("joined_on", _l("Joined on")),
                    Column("left_on", _l("Left on")),
                    Column("pk", "", link=True, text=_l("Record leaving")),
                ],
                url_name="membership-end",
            ),
        ],
        form_class=OrganizationForm,
        actions=[
            Action(_l("Add member"), "organization-member-add"),
            Action(_l("Board position"), "organization-board-assign"),
        ],
        search_help=_l("Name, code or RUC"),
    )
)

PROVIDER = register(
    Entity(
        slug="providers",
        model=Provider,
        title=_l("Service providers"),
        list_selector=selectors.provider_list,
        get_selector=selectors.get_provider_for_user,
        columns=[
            Column("name", _l("Name"), link=True),
            Column("get_kind_display", _l("Type")),
            Column("profession", _l("Profession")),
            Column("skills", _l("Skills")),
            Column("district.name", _l("District")),
        ],
        detail_fields=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column("get_kind_display", _l("Type")),
            Column("person.dni", _l("DNI")),
            Column("ruc", _l("RUC")),
            Column("district", _l("District")),
            Column("profession", _l("Profession")),
            Column("skills", _l("Skills")),
        ],
        filters=[Filter("kind", _l("Type"), _choices(ProviderKind)), AREA_FILTER],
        form_class=ProviderForm,
        search_help=_l("Name, skill, profession or RUC"),
    )
)

INSTITUTION = register(
    Entity(
        slug="institutions",
        model=FinancialInstitution,
        title=_l("Financial institutions"),
        list_selector=selectors.institution_list,
        get_selector=selectors.get_institution_for_user,
        columns=[
            Column("name", _l("Name"), link=True),
            Column("short_name", _l("Short name")),
            Column("get_kind_display", _l("Type")),
            Column("sbs_regulated", _l("Regulated by the SBS")),
            Column("account_count", _l("Accounts")),
        ],
        detail_fields=[
            Column("name", _l("Name")),
            Column("short_name", _l("Short name")),
            Column("get_kind_display", _l("Type")),
            Column("sbs_regulated", _l("Regulated by the SBS")),
            Column("sbs_code", _l("SBS code")),
            Column("bic", _l("BIC")),
        ],
        filters=[
            Filter(
                "regulated",
                _l("Regulated by the SBS"),
                lambda user: [("yes", _("Yes")), ("no", _("No"))],
            )
        ],
        form_class=FinancialInstitutionForm,
        search_help=_l("Name"),
    )
)

BANK_ACCOUNT = register(
    Entity(
        slug="bank-accounts",
        model=BankAccount,
        title=_l("Bank accounts"),
        list_selector=selectors.bank_account_list,
        get_selector=selectors.get_bank_account_for_user,
        columns=[
            Column("organization.name", _l("Organization")),
            Column("institution", _l("Institution")),
            Column("number", _l("Account number"), link=True),
            Column("currency", _l("Currency")),
            Column("get_status_display", _l("Status")),
        ],
        detail_fields=[
            Column("organization", _l("Organization")),
            Column("institution", _l("Institution")),
            Column("institution.sbs_regulated", _l("Regulated by the SBS")),
            Column("number", _l("Account number")),
            Column("cci", _l("CCI")),
            Column("currency", _l("Currency")),
            Column("get_status_display", _l("Status")),
            Column("verified_by", _l("Verified by")),
            Column("verified_at", _l("Verified at")),
            Column("verification_note", _l("Verification note")),
        ],
        filters=[Filter("status", _l("Status"), _choices(AccountStatus)), AREA_FILTER],
        form_class=BankAccountForm,
        actions=[Action(_l("Verify"), "bank-account-verify")],
        search_help=_l("Account number or organization"),
    )
)


@login_required
def bank_account_verify(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_bank_account_for_user(user=request.user, pk=pk, action="change")
    form = BankAccountVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_verify(
                user=request.user,
                account=account,
                verified=form.cleaned_data["decision"] == "verified",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("Verification recorded."))
            return redirect("bank-accounts-detail", pk=account.pk)
    return render(request, "registry/bank_account_verify.html", {"account": account, "form": form})


@login_required
def organization_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.get_organization_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Add a member to %(organization)s") % {"organization": organization},
        back=reverse("organizations-detail", args=[pk]),
        form=MemberAddForm(request.POST or None),
        run=lambda data: services.membership_add(
            user=request.user,
            organization=organization,
            person=data["dni"],
            joined_on=data["joined_on"],
        ),
    )


@login_required
def organization_board_assign(request: HttpRequest, pk: int) -> HttpResponse:
    organization = selectors.get_organization_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Board position in %(organization)s") % {"organization": organization},
        back=reverse("organizations-detail", args=[pk]),
        form=BoardAssignForm(request.POST or None),
        run=lambda data: services.board_position_assign(
            user=request.user,
            organization=organization,
            person=data["dni"],
            role=data["role"],
            term_start=data["term_start"],
        ),
    )


@login_required
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("%(person)s leaves %(organization)s")
        % {"person": membership.person, "organization": membership.organization},
        back=reverse("organizations-detail", args=[membership.organization_id]),
        form=EndDateForm(request.POST or None),
        run=lambda data: services.membership_end(
            user=request.user, membership=membership, left_on=data["date"]
        ),
    )


@login_required
def board_position_end(request: HttpRequest, pk: int) -> HttpResponse:
    position = selectors.get_board_position_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("End the term of %(position)s") % {"position": position},
        back=reverse("organizations-detail", args=[position.organization_id]),
        form=EndDateForm(request.POST or None),
        run=lambda data: services.board_position_end(
            user=request.user, position=position, term_end=data["date"]
        ),
    )
