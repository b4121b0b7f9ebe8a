"""Programme pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.core.errors import DomainError
from minka.core.money import Money
from minka.core.ui import Action, Column, Entity, Related, register
from minka.programmes import selectors, services
from minka.programmes.forms import FundingSourceForm, LocalOfficeForm, ProgrammeForm
from minka.programmes.models import LocalOffice, Programme

PROGRAMME = register(
    Entity(
        slug="programmes",
        model=Programme,
        title=_l("Programmes"),
        list_selector=selectors.programme_list,
        get_selector=selectors.get_programme_for_user,
        columns=[
            Column("code", _l("Code")),
            Column("name", _l("Name"), link=True),
            Column("institution", _l("Executing institution")),
            Column("starts_on", _l("Starts on")),
            Column("ends_on", _l("Ends on")),
        ],
        detail_fields=[
            Column("code", _l("Code")),
            Column("name", _l("Name")),
            Column("institution", _l("Executing institution")),
            Column("currency", _l("Operating currency")),
            Column("starts_on", _l("Starts on")),
            Column("ends_on", _l("Ends on")),
            Column("description", _l("Description")),
        ],
        related=[
            Related(
                _l("Funding sources"),
                lambda obj, user: selectors.funding_sources_of(user=user, programme=obj),
                [
                    Column("name", _l("Name")),
                    Column("get_kind_display", _l("Type")),
                    Column("amount", _l("Amount")),
                ],
            ),
            Related(
                _l("Local offices"),
                lambda obj, user: selectors.offices_of(user=user, programme=obj),
                [Column("name", _l("Name"), link=True), Column("town", _l("Town"))],
                entity="offices",
            ),
            Related(
                _l("Areas covered"),
                lambda obj, user: obj.coverage_areas.all(),
                [Column("code", _l("UBIGEO (INEI)")), Column("name", _l("Name"), link=True)],
                entity="areas",
            ),
        ],
        search_help=_l("Name or code"),
        form_class=ProgrammeForm,
        actions=[Action(_l("Add funding source"), "programme-funding-add")],
    )
)

OFFICE = register(
    Entity(
        slug="offices",
        model=LocalOffice,
        title=_l("Local offices"),
        list_selector=selectors.local_office_list,
        get_selector=selectors.get_local_office_for_user,
        columns=[
            Column("name", _l("Name"), link=True),
            Column("programme.code", _l("Programme")),
            Column("town", _l("Town")),
            Column("head", _l("Head of office")),
        ],
        detail_fields=[
            Column("name", _l("Name")),
            Column("programme", _l("Programme")),
            Column("town", _l("Town")),
            Column("head", _l("Head of office")),
        ],
        related=[
            Related(
                _l("Areas served"),
                lambda obj, user: obj.areas.all(),
                [Column("code", _l("UBIGEO (INEI)")), Column("name", _l("Name"), link=True)],
                entity="areas",
            ),
        ],
        search_help=_l("Name"),
        form_class=LocalOfficeForm,
    )
)


@login_required
def funding_source_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.get_programme_for_user(user=request.user, pk=pk, action="change")
    form = FundingSourceForm(request.POST or None)
    back = reverse("programmes-detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.funding_source_add(
                user=request.user,
                programme=programme,
                name=data["name"],
                kind=data["kind"],
                amount=Money.from_decimal(data["amount"], data["currency"]),
            )
        except (DomainError, ValueError) as exc:
            form.add_error(getattr(exc, "field", None) or "amount", str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    title = _("Funding source for %(programme)s") % {"programme": programme.code}
    return render(request, "core/action_form.html", {"title": title, "back": back, "form": form})
