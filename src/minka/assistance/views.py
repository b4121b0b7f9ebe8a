"""Pages of the assistance market and the cascade: the market's figures, the provider
directory and public profiles, contracts with one small page per step (hire, confirm, pay,
complete, rate), and the cascade's records and coverage report. Each step calls one service."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.assistance import selectors, services
from minka.assistance.forms import (
    AdoptionForm,
    AssignForm,
    CompleteForm,
    ConfirmForm,
    EventForm,
    PayForm,
    ProfileForm,
    RateForm,
    ReasonForm,
    ServiceContractForm,
    SettingsForm,
    VisitForm,
    to_money,
)
from minka.assistance.models import (
    HouseholdVisit,
    Practice,
    PracticeAdoption,
    ProviderProfile,
    ProviderRating,
    SelectionMethod,
    ServiceConfirmation,
    ServiceContract,
    ServicePayment,
    ServiceState,
    TrainingEvent,
)
from minka.contracts.models import Contract
from minka.core.actions import action_page
from minka.core.errors import DomainError
from minka.core.history import history_rows
from minka.core.scope import can, user_scope
from minka.core.selectors import get_for_user
from minka.core.ui import Column, Entity, Filter, Related, register
from minka.geo.models import AdminArea
from minka.programmes.models import Programme
from minka.programmes.selectors import programme_list
from minka.registry.models import BoardRole, Person, Provider, ProviderKind


def _territories(user: Any) -> list[tuple[str, str]]:
    """Departments and provinces for the directory's territory filter (the market is open)."""
    return [
        (a.path, ("— " if a.level == 2 else "") + a.name)
        for a in AdminArea.objects.filter(level__lte=2).only("path", "name", "level")
    ]


def _get_profile(*, user: Any, pk: Any, action: str = "view") -> ProviderProfile:
    return get_for_user(
        ProviderProfile.objects.select_related("provider__district"),
        user=user,
        pk=pk,
        action="view",
    )


PROFILES = register(
    Entity(
        slug="market-providers",
        model=ProviderProfile,
        title=_l("Provider directory"),
        list_selector=selectors.provider_directory,
        get_selector=_get_profile,
        columns=[
            Column("provider.name", _l("Provider"), link=True),
            Column("provider.get_kind_display", _l("Type")),
            Column("provider.district.name", _l("District")),
            Column("provider.profession", _l("Profession")),
            Column("provider.skills", _l("Skills")),
            Column("rating_mean", _l("Rating (1-5)")),
            Column("rating_count", _l("Ratings")),
            Column("available", _l("Takes new work")),
        ],
        detail_fields=[],
        filters=[
            Filter("kind", _l("Type"), lambda user: list(ProviderKind.choices)),
            Filter("area", _l("Territory served"), _territories),
            Filter("available", _l("Availability"), lambda user: [("1", _l("Takes new work"))]),
        ],
        search_help=_l("Name, skill or profession"),
    )
)

CONTRACTS = register(
    Entity(
        slug="ta-contracts",
        model=ServiceContract,
        title=_l("Technical-assistance contracts"),
        list_selector=selectors.service_contract_list,
        get_selector=selectors.get_service_contract_for_user,
        columns=[
            Column("code", _l("Code"), link=True),
            Column("organization.name", _l("Organization")),
            Column("provider.name", _l("Provider")),
            Column("topic", _l("Topic")),
            Column("starts_on", _l("Starts")),
            Column("total", _l("Value")),
            Column("get_state_display", _l("State")),
        ],
        detail_fields=[],
        filters=[
            Filter("state", _l("State"), lambda user: list(ServiceState.choices)),
            Filter(
                "funding",
                _l("Paid by"),
                lambda user: [
                    ("grant", _l("With grant money")),
                    ("own", _l("Own money only")),
                ],
            ),
            Filter("area", _l("Area"), lambda user: _area_choices(user)),
        ],
        search_help=_l("Code, topic, organization or provider"),
        export_columns=[
            Column("code", _l("Code")),
            Column("organization.code", _l("Organization")),
            Column("provider.code", _l("Provider")),
            Column("grant_contract.code", _l("Grant contract")),
            Column("topic", _l("Topic")),
            Column("starts_on", _l("Starts")),
            Column("ends_on", _l("Ends")),
            Column("days", _l("Days")),
            Column("daily_rate_minor", _l("Daily rate (minor units)")),
            Column("grant_minor", _l("Grant (minor units)")),
            Column("own_minor", _l("Own money (minor units)")),
            Column("other_minor", _l("Others (minor units)")),
            Column("get_selection_display", _l("Selection")),
            Column("get_state_display", _l("State")),
            Column("men_assisted", _l("Men assisted")),
            Column("women_assisted", _l("Women assisted")),
        ],
    )
)


def _area_choices(user: Any) -> list[tuple[str, str]]:
    from minka.geo.selectors import area_filter_choices

    return area_filter_choices(user)


CONFIRMATIONS = register(
    Entity(
        slug="ta-confirmations",
        model=ServiceConfirmation,
        title=_l("Service confirmations"),
        list_selector=selectors.confirmation_list,
        get_selector=selectors.get_confirmation_for_user,
        columns=[
            Column("contract.code", _l("Contract"), link=True),
            Column("number", _l("Number")),
            Column("contract.organization.name", _l("Organization")),
            Column("contract.provider.name", _l("Provider")),
            Column("confirmed_on", _l("Confirmed on")),
            Column("days_delivered", _l("Days")),
            Column("amount", _l("Amount")),
            Column("signed_by", _l("Signed by")),
            Column("paid", _l("Paid")),
        ],
        detail_fields=[
            Column("contract", _l("Contract")),
            Column("confirmed_on", _l("Confirmed on")),
            Column("days_delivered", _l("Days delivered")),
            Column("work_done", _l("Work done")),
            Column("amount", _l("Amount to pay")),
            Column("signed_by", _l("Signed by")),
            Column("recorded_by", _l("Recorded by")),
        ],
        filters=[
            Filter(
                "state",
                _l("Payment"),
                lambda user: [("unpaid", _l("Waiting for payment")), ("paid", _l("Paid"))],
            )
        ],
        search_help=_l("Contract code or organization"),
    )
)

PAYMENTS = register(
    Entity(
        slug="ta-payments",
        model=ServicePayment,
        title=_l("Service payments"),
        list_selector=selectors.payment_list,
        get_selector=selectors.get_payment_for_user,
        columns=[
            Column("contract.code", _l("Contract"), link=True),
            Column("contract.organization.name", _l("Organization")),
            Column("contract.provider.name", _l("Provider")),
            Column("paid_on", _l("Paid on")),
            Column("receipt", _l("Receipt")),
            Column("grant_money", _l("From the grant")),
            Column("own_money", _l("Own money")),
            Column("other_money", _l("Others")),
        ],
        detail_fields=[
            Column("contract", _l("Contract")),
            Column("confirmation", _l("Confirmation")),
            Column("paid_on", _l("Paid on")),
            Column("receipt", _l("Receipt")),
            Column("grant_money", _l("From the grant")),
            Column("own_money", _l("Own money")),
            Column("other_money", _l("Others")),
            Column("grant_journal", _l("Grant journal")),
            Column("own_journal", _l("Counterpart journal")),
            Column("paid_by", _l("Recorded by")),
        ],
        search_help=_l("Contract code or receipt"),
    )
)

RATINGS = register(
    Entity(
        slug="ta-ratings",
        model=ProviderRating,
        title=_l("Provider ratings"),
        list_selector=selectors.rating_list,
        get_selector=selectors.get_rating_for_user,
        columns=[
            Column("provider.name", _l("Provider"), link=True),
            Column("organization.name", _l("Organization")),
            Column("contract.code", _l("Contract")),
            Column("score", _l("Score")),
            Column("would_hire_again", _l("Would hire again")),
            Column("rated_on", _l("Date")),
        ],
        detail_fields=[
            Column("provider", _l("Provider")),
            Column("organization", _l("Organization")),
            Column("contract", _l("Contract")),
            Column("quality", _l("Quality of the work")),
            Column("punctuality", _l("Punctuality and days kept")),
            Column("relevance", _l("Relevance to our needs")),
            Column("communication", _l("Respect and communication")),
            Column("score", _l("Score")),
            Column("would_hire_again", _l("Would hire again")),
            Column("comment", _l("Comment")),
            Column("signed_by", _l("Signed by")),
            Column("rated_on", _l("Date")),
        ],
        search_help=_l("Provider, organization or comment"),
    )
)

EVENTS = register(
    Entity(
        slug="training-events",
        model=TrainingEvent,
        title=_l("Training events"),
        list_selector=selectors.event_list,
        get_selector=selectors.get_event_for_user,
        columns=[
            Column("held_on", _l("Date"), link=True),
            Column("topic", _l("Topic")),
            Column("trainer.name", _l("Trainer")),
            Column("place", _l("Place")),
            Column("district.name", _l("District")),
            Column("attendees", _l("Attendance")),
        ],
        detail_fields=[
            Column("programme", _l("Programme")),
            Column("trainer", _l("Trainer")),
            Column("topic", _l("Topic")),
            Column("get_practice_display", _l("Practice taught")),
            Column("held_on", _l("Date")),
            Column("place", _l("Place")),
            Column("district", _l("District")),
            Column("cost", _l("Cost")),
        ],
        related=[
            Related(
                _l("Attendance"),
                lambda event, user: event.attendance.select_related("person"),
                [
                    Column("person.full_name", _l("Person")),
                    Column("person.get_sex_display", _l("Sex")),
                ],
            )
        ],
        filters=[Filter("area", _l("Area"), lambda user: _area_choices(user))],
        search_help=_l("Topic, place or trainer"),
    )
)

VISITS = register(
    Entity(
        slug="household-visits",
        model=HouseholdVisit,
        title=_l("Household visits"),
        list_selector=selectors.visit_list,
        get_selector=selectors.get_visit_for_user,
        columns=[
            Column("visited_on", _l("Date"), link=True),
            Column("household.code", _l("Household")),
            Column("household.community.name", _l("Community")),
            Column("yachachiq.name", _l("Yachachiq")),
            Column("get_practice_display", _l("Practice taught")),
        ],
        detail_fields=[
            Column("programme", _l("Programme")),
            Column("yachachiq", _l("Yachachiq")),
            Column("household", _l("Household")),
            Column("visited_on", _l("Date")),
            Column("get_practice_display", _l("Practice taught")),
            Column("note", _l("Note")),
            Column("recorded_by", _l("Recorded by")),
        ],
        filters=[
            Filter("practice", _l("Practice"), lambda user: list(Practice.choices)),
            Filter("area", _l("Area"), lambda user: _area_choices(user)),
        ],
        search_help=_l("Household, community or yachachiq"),
    )
)

ADOPTIONS = register(
    Entity(
        slug="practice-adoptions",
        model=PracticeAdoption,
        title=_l("Practices adopted"),
        list_selector=selectors.adoption_list,
        get_selector=selectors.get_adoption_for_user,
        columns=[
            Column("verified_on", _l("Verified on"), link=True),
            Column("household.code", _l("Household")),
            Column("household.community.name", _l("Community")),
            Column("get_practice_display", _l("Practice")),
            Column("get_method_display", _l("Verified")),
            Column("evidence", _l("Evidence")),
        ],
        detail_fields=[
            Column("household", _l("Household")),
            Column("get_practice_display", _l("Practice")),
            Column("verified_on", _l("Verified on")),
            Column("get_method_display", _l("Verified")),
            Column("visit", _l("Visit")),
            Column("evidence", _l("Evidence")),
            Column("recorded_by", _l("Recorded by")),
        ],
        filters=[Filter("practice", _l("Practice"), lambda user: list(Practice.choices))],
        search_help=_l("Household code"),
    )
)


# --- helpers ---------------------------------------------------------------------------------


def _programmes(user: Any) -> list[Programme]:
    return list(programme_list(user=user))


def _chosen_programme(request: HttpRequest) -> tuple[Programme | None, list[Programme]]:
    programmes = _programmes(request.user)
    if not programmes:
        # Organization representatives and providers have no programme grant: their
        # organization's or their contracts' programmes.
        ids = set(
            selectors.service_contract_list(user=request.user).values_list(
                "programme_id", flat=True
            )
        )
        programmes = list(Programme.objects.filter(pk__in=ids))
    chosen = next((p for p in programmes if str(p.pk) == request.GET.get("programme")), None)
    return chosen or (programmes[0] if programmes else None), programmes


def _signatories(organization: Any) -> Any:
    return Person.objects.filter(
        board_positions__organization=organization,
        board_positions__role__in=[BoardRole.PRESIDENT, BoardRole.TREASURER],
        board_positions__term_end__isnull=True,
    ).distinct()


def _contract(request: HttpRequest, pk: int) -> ServiceContract:
    return selectors.get_service_contract_for_user(user=request.user, pk=pk)


def _back(contract: ServiceContract) -> str:
    return reverse("ta-contracts-detail", args=[contract.pk])


def _today() -> datetime.date:
    return timezone.localdate()


# --- market ----------------------------------------------------------------------------------


@login_required
def market_home(request: HttpRequest) -> HttpResponse:
    programme, programmes = _chosen_programme(request)
    context: dict[str, Any] = {"programme": programme, "programmes": programmes}
    if programme is not None:
        context["figures"] = selectors.market_indicators(user=request.user, programme=programme)
    scope = user_scope(request.user)
    context["may_hire"] = (bool(scope.view.organization_ids) and "org_rep" in scope.roles) or (
        scope.change.everything or bool(scope.change.area_paths)
    )
    context["own_provider"] = (
        Provider.objects.filter(pk__in=scope.view.provider_ids).first()
        if "provider" in scope.roles
        else None
    )
    context["waiting"] = selectors.confirmation_list(user=request.user, params={"state": "unpaid"})[
        :20
    ]
    return render(request, "assistance/market.html", context)


@login_required
def provider_profile(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _get_profile(user=request.user, pk=pk)
    provider = profile.provider
    context = {
        "profile": profile,
        "provider": provider,
        "record": selectors.provider_record(provider=provider),
        "contracts": selectors.service_contract_list(
            user=request.user, params={"provider": str(provider.pk)}
        )[:50],
        "may_edit": services.is_provider(request.user, provider.pk)
        or can(request.user, "change", provider),
        "history": history_rows(profile),
    }
    return render(request, "assistance/provider_profile.html", context)


@login_required
def provider_profile_edit(request: HttpRequest, provider_pk: int) -> HttpResponse:
    provider = Provider.objects.filter(pk=provider_pk).first()
    if provider is None or not (
        services.is_provider(request.user, provider.pk) or can(request.user, "change", provider)
    ):
        raise Http404
    profile = ProviderProfile.objects.filter(provider=provider).first()
    initial: dict[str, Any] = {"available": True, "areas": provider.district.code}
    if profile is not None:
        initial = {
            "summary": profile.summary,
            "daily_rate": profile.daily_rate_minor / 100 if profile.daily_rate_minor else None,
            "available": profile.available,
            "areas": " ".join(
                provider.coverage.select_related("area").values_list("area__code", flat=True)
            ),
        }
    back = (
        reverse("market-providers-detail", args=[profile.pk])
        if profile
        else reverse("market-providers-list")
    )
    return action_page(
        request,
        title=_("Public profile of %(name)s") % {"name": provider.name},
        back=back,
        form=ProfileForm(request.POST or None, initial=initial),
        run=lambda d: services.provider_profile_save(
            user=request.user,
            provider=provider,
            summary=d["summary"],
            daily_rate=to_money(d["daily_rate"], "PEN") if d["daily_rate"] else None,
            available=d["available"],
            areas=d["areas"],
        ),
        done=lambda p: reverse("market-providers-detail", args=[p.pk]),
    )


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    scope = user_scope(request.user)
    if "provider" not in scope.roles or not scope.view.provider_ids:
        raise Http404
    return redirect("market-provider-edit", provider_pk=min(scope.view.provider_ids))


# --- contracts -------------------------------------------------------------------------------


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    acts = services.may_act_for(request.user, contract.organization)
    confirmations = list(
        contract.confirmations.select_related("signed_by", "payment").order_by("number")
    )
    confirmed_days = sum(c.days_delivered for c in confirmations)
    confirmed = sum(c.amount_minor for c in confirmations)
    rating = getattr(contract, "rating", None)
    context = {
        "contract": contract,
        "confirmations": [(c, getattr(c, "payment", None)) for c in confirmations],
        "paid": services.paid_by_payer(contract),
        "confirmed_days": confirmed_days,
        "confirmed_minor": confirmed,
        "rating": rating,
        "acts": acts,
        "may_rate": services.represents(request.user, contract.organization_id)
        and contract.state == ServiceState.COMPLETED
        and rating is None,
        "history": history_rows(contract),
    }
    return render(request, "assistance/contract_detail.html", context)


def _hire_initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"starts_on": _today(), "selection": SelectionMethod.COMPETITION}
    scope = user_scope(request.user)
    if "org_rep" in scope.roles and scope.view.organization_ids:
        from minka.registry.models import Organization

        organization = Organization.objects.filter(pk__in=scope.view.organization_ids).first()
        if organization is not None:
            initial["organization"] = organization.code
            grant = (
                Contract.objects.filter(
                    parties__organization=organization, state__in=services.GRANT_RUNNING
                )
                .order_by("-signed_on", "-id")
                .first()
            )
            if grant is not None:
                initial["grant_contract"] = grant.code
    provider = request.GET.get("provider", "")
    if provider.isdigit():
        found = Provider.objects.filter(pk=provider).select_related("market_profile").first()
        if found is not None:
            initial["provider"] = found.code
            profile = getattr(found, "market_profile", None)
            if profile is not None and profile.daily_rate_minor:
                initial["daily_rate"] = profile.daily_rate_minor / 100
    return initial


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    form = ServiceContractForm(
        request.POST or None, request.FILES or None, initial=_hire_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant_contract = data["grant_contract"]
        programme = grant_contract.programme if grant_contract else data["programme"]
        currency = programme.currency if programme else "PEN"
        try:
            contract = services.service_contract_create(
                user=request.user,
                organization=data["organization"],
                provider=data["provider"],
                grant_contract=grant_contract,
                programme=programme,
                topic=data["topic"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                days=data["days"],
                daily_rate=to_money(data["daily_rate"], currency),
                selection=data["selection"],
                selection_note=data["selection_note"],
                grant=to_money(data["grant"], currency),
                own=to_money(data["own"], currency),
                other=to_money(data["other"], currency),
                other_payer=data["other_payer"],
                copy=data["copy"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Contract %(code)s recorded.") % {"code": contract.code})
            return redirect(_back(contract))
    return render(
        request,
        "core/action_form.html",
        {
            "title": _("Hire a provider"),
            "intro": _(
                "Days × daily rate must equal the amounts by payer. Money from the grant comes "
                "from the technical-assistance share of the organization's grant contract."
            ),
            "back": reverse("assistance-home"),
            "form": form,
        },
    )


@login_required
def contract_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not services.may_act_for(request.user, contract.organization):
        raise Http404
    signatories = _signatories(contract.organization)
    return action_page(
        request,
        title=_("Confirm the service of %(code)s") % {"code": contract.code},
        intro=_(
            "The organization confirms what the provider delivered; its president or treasurer "
            "signs. Only a confirmed part can be paid."
        ),
        back=_back(contract),
        form=ConfirmForm(
            request.POST or None,
            signatories=signatories,
            initial={"confirmed_on": _today(), "signed_by": signatories.first()},
        ),
        run=lambda d: services.service_confirm(
            user=request.user,
            contract=contract,
            confirmed_on=d["confirmed_on"],
            days_delivered=d["days_delivered"],
            work_done=d["work_done"],
            amount=to_money(d["amount"], contract.currency),
            signed_by=d["signed_by"],
        ),
    )


def _suggested_split(contract: ServiceContract, amount_minor: int) -> dict[str, Any]:
    """Split a confirmed amount in the contract's proportions, within what is left per payer."""
    paid = services.paid_by_payer(contract)
    left = {
        "grant": contract.grant_minor - paid["grant"],
        "own": contract.own_minor - paid["own"],
        "other": contract.other_minor - paid["other"],
    }
    total_left = sum(left.values()) or 1
    split = {k: min(v, amount_minor * v // total_left) for k, v in left.items()}
    remainder = amount_minor - sum(split.values())
    for key in ("own", "grant", "other"):
        add = min(remainder, left[key] - split[key])
        split[key] += add
        remainder -= add
    return {k: v / 100 for k, v in split.items()}


@login_required
def confirmation_pay(request: HttpRequest, pk: int) -> HttpResponse:
    confirmation = selectors.get_confirmation_for_user(user=request.user, pk=pk)
    contract = confirmation.contract
    if not services.may_act_for(request.user, contract.organization):
        raise Http404
    return action_page(
        request,
        title=_("Pay confirmation %(number)d of %(code)s")
        % {"number": confirmation.number, "code": contract.code},
        intro=_(
            "Confirmed: %(amount)s. The grant's part is taken from the funds the organization "
            "holds under its grant contract; its own part is recorded as counterpart."
        )
        % {"amount": contract.money(confirmation.amount_minor)},
        back=_back(contract),
        form=PayForm(
            request.POST or None,
            initial={
                "paid_on": _today(),
                **_suggested_split(contract, confirmation.amount_minor),
            },
        ),
        run=lambda d: services.service_pay(
            user=request.user,
            confirmation=confirmation,
            paid_on=d["paid_on"],
            grant=to_money(d["grant"], contract.currency),
            own=to_money(d["own"], contract.currency),
            other=to_money(d["other"], contract.currency),
            receipt=d["receipt"],
        ),
        done=lambda p: _back(contract),
    )


@login_required
def contract_complete(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not services.may_act_for(request.user, contract.organization):
        raise Http404
    return action_page(
        request,
        title=_("Close the service of %(code)s") % {"code": contract.code},
        back=_back(contract),
        form=CompleteForm(request.POST or None, initial={"completed_on": _today()}),
        run=lambda d: services.service_complete(
            user=request.user,
            contract=contract,
            completed_on=d["completed_on"],
            men_assisted=d["men_assisted"],
            women_assisted=d["women_assisted"],
            note=d["note"],
        ),
    )


@login_required
def contract_rate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not services.represents(request.user, contract.organization_id):
        raise Http404
    signatories = _signatories(contract.organization)
    return action_page(
        request,
        title=_("Rate %(provider)s") % {"provider": contract.provider.name},
        intro=_("Each criterion from 1 (bad) to 5 (excellent)."),
        back=_back(contract),
        form=RateForm(
            request.POST or None,
            signatories=signatories,
            initial={"rated_on": _today(), "would_hire_again": True},
        ),
        run=lambda d: services.provider_rate(
            user=request.user,
            contract=contract,
            quality=d["quality"],
            punctuality=d["punctuality"],
            relevance=d["relevance"],
            communication=d["communication"],
            would_hire_again=d["would_hire_again"],
            comment=d["comment"],
            signed_by=d["signed_by"],
            rated_on=d["rated_on"],
        ),
    )


@login_required
def contract_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    if not services.may_act_for(request.user, contract.organization):
        raise Http404
    return action_page(
        request,
        title=_("End %(code)s early") % {"code": contract.code},
        back=_back(contract),
        form=ReasonForm(request.POST or None),
        run=lambda d: services.service_cancel(
            user=request.user, contract=contract, reason=d["reason"]
        ),
    )


# --- cascade ---------------------------------------------------------------------------------


@login_required
def cascade_home(request: HttpRequest) -> HttpResponse:
    programme, programmes = _chosen_programme(request)
    level = 3 if request.GET.get("level") == "3" else 2
    context: dict[str, Any] = {"programme": programme, "programmes": programmes, "level": level}
    if programme is not None:
        context["report"] = selectors.cascade_report(
            user=request.user, programme=programme, level=level
        )
        context["loads"] = selectors.yachachiq_loads(user=request.user, programme=programme)[:30]
        context["limits"] = services.load_limits(programme)
        grants = user_scope(request.user).change
        context["is_manager"] = grants.everything or programme.pk in grants.programme_ids
        context["may_record"] = bool(grants.everything or grants.area_paths) or (
            "provider" in user_scope(request.user).roles
        )
    return render(request, "assistance/cascade.html", context)


def _default_programme(request: HttpRequest) -> Programme | None:
    return _chosen_programme(request)[0]


@login_required
def cascade_settings(request: HttpRequest, programme_pk: int) -> HttpResponse:
    programme = get_for_user(Programme.objects.all(), user=request.user, pk=programme_pk)
    usual, cap = services.load_limits(programme)
    return action_page(
        request,
        title=_("Load rule of %(programme)s") % {"programme": programme.code},
        back=reverse("assistance-cascade") + f"?programme={programme.pk}",
        form=SettingsForm(
            request.POST or None, initial={"households_per_yachachiq": usual, "hard_cap": cap}
        ),
        run=lambda d: services.cascade_settings_save(
            user=request.user,
            programme=programme,
            households_per_yachachiq=d["households_per_yachachiq"],
            hard_cap=d["hard_cap"],
        ),
    )


@login_required
def assign(request: HttpRequest) -> HttpResponse:
    form = AssignForm(
        request.POST or None,
        initial={"assigned_on": _today(), "programme": _default_programme(request)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.yachachiq_assign(
                user=request.user,
                programme=d["programme"],
                yachachiq=d["yachachiq"],
                households=d["households"],
                assigned_on=d["assigned_on"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                _("%(count)d households added; the yachachiq now serves %(load)d.")
                % {"count": len(result.assignments), "load": result.load},
            )
            if result.warning:
                messages.warning(request, result.warning)
            return redirect(reverse("yachachiq-plan", args=[d["yachachiq"].pk]))
    return render(
        request,
        "core/action_form.html",
        {
            "title": _("Add households to a yachachiq's plan"),
            "back": reverse("assistance-cascade"),
            "form": form,
        },
    )


@login_required
def yachachiq_plan(request: HttpRequest, provider_pk: int) -> HttpResponse:
    provider = Provider.objects.filter(pk=provider_pk, kind=ProviderKind.YACHACHIQ).first()
    if provider is None:
        raise Http404
    plan = list(selectors.plan_of(user=request.user, yachachiq=provider))
    if not plan and not (
        services.is_provider(request.user, provider.pk) or can(request.user, "view", provider)
    ):
        raise Http404
    visits = selectors.visit_list(user=request.user, params={"yachachiq": str(provider.pk)})[:50]
    return render(
        request,
        "assistance/yachachiq_plan.html",
        {"provider": provider, "plan": plan, "visits": visits},
    )


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    scope = user_scope(request.user)
    initial: dict[str, Any] = {"visited_on": _today(), "programme": _default_programme(request)}
    own = Provider.objects.filter(pk__in=scope.view.provider_ids, kind="yachachiq").first()
    if own is not None:
        initial["yachachiq"] = own.code
    household = request.GET.get("household", "")
    if household:
        initial["household"] = household
    return action_page(
        request,
        title=_("Record a household visit"),
        back=reverse("household-visits-list"),
        form=VisitForm(request.POST or None, initial=initial),
        run=lambda d: services.household_visit_record(
            user=request.user,
            programme=d["programme"],
            yachachiq=d["yachachiq"],
            household=d["household"],
            visited_on=d["visited_on"],
            practice=d["practice"],
            note=d["note"],
        ),
        done=lambda v: reverse("yachachiq-plan", args=[v.yachachiq_id]),
    )


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    return action_page(
        request,
        title=_("Record a training event"),
        back=reverse("training-events-list"),
        form=EventForm(
            request.POST or None,
            initial={"held_on": _today(), "programme": _default_programme(request)},
        ),
        run=lambda d: services.training_event_record(
            user=request.user,
            programme=d["programme"],
            trainer=d["trainer"],
            topic=d["topic"],
            practice=d["practice"],
            held_on=d["held_on"],
            place=d["place"],
            district=d["district"],
            attendees=d["attendees"],
            cost=to_money(d["cost"], d["programme"].currency),
        ),
        done=lambda e: reverse("training-events-detail", args=[e.pk]),
    )


@login_required
def adoption_create(request: HttpRequest) -> HttpResponse:
    def run(d: dict[str, Any]) -> Any:
        visit = None
        if d["method"] == "visit":
            visit = (
                HouseholdVisit.objects.filter(
                    programme=d["programme"], household=d["household"], visited_on=d["verified_on"]
                )
                .order_by("-id")
                .first()
            )
            if visit is None:
                raise DomainError(
                    _("No visit to this household is recorded on that date."), field="verified_on"
                )
        return services.practice_adoption_verify(
            user=request.user,
            programme=d["programme"],
            household=d["household"],
            practice=d["practice"],
            method=d["method"],
            verified_on=d["verified_on"],
            visit=visit,
            evidence=d["evidence"],
        )

    return action_page(
        request,
        title=_("Record a practice adopted"),
        intro=_(
            "Adoption is verified after the practice was taught: at a later visit or in a contest."
        ),
        back=reverse("practice-adoptions-list"),
        form=AdoptionForm(
            request.POST or None,
            initial={"verified_on": _today(), "programme": _default_programme(request)},
        ),
        run=run,
        done=lambda a: reverse("practice-adoptions-list"),
    )
