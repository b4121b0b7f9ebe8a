"""Forms of the contest pages; every rule lives in the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minka.contests.models import Category, Level, Theme
from minka.core.models import Role
from minka.core.money import Money
from minka.core.scope import restrict, user_scope
from minka.geo.models import AdminArea, Territory
from minka.programmes.models import FundingSource
from minka.registry.models import Community, Organization

DATE = forms.DateInput(attrs={"type": "date"})


def to_money(value: Decimal | None, currency: str) -> Money:
    return Money.from_decimal(value if value is not None else Decimal(0), currency)


def _programme_ids(user: Any) -> set[int] | None:
    """Programmes the user works in (None: all, for administrators and auditors)."""
    scope = user_scope(user)
    if scope.view.everything:
        return None
    return set(
        user.role_assignments.filter(
            role__in=[Role.MANAGER, Role.OFFICER, Role.ME_OFFICER]
        ).values_list("programme_id", flat=True)
    )


class ContestForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    funding_source = forms.ModelChoiceField(
        label=_("Funding source"), queryset=FundingSource.objects.none()
    )
    organization = forms.ModelChoiceField(
        label=_("Organization (inter-family contests)"),
        queryset=Organization.objects.none(),
        required=False,
    )
    number = forms.IntegerField(
        label=_("Contest number (1st-5th)"), min_value=1, max_value=5, required=False
    )
    territory = forms.ModelChoiceField(
        label=_("Territory (inter-community contests)"),
        queryset=Territory.objects.none(),
        required=False,
    )
    area = forms.ModelChoiceField(
        label=_("Area (CLAR-level and final contests)"),
        queryset=AdminArea.objects.none(),
        required=False,
    )
    prize_pool = forms.DecimalField(label=_("Prize pool (S/)"), min_value=0, decimal_places=2)
    participation_incentive = forms.DecimalField(
        label=_("Participation incentive per participant (S/)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    winners = forms.IntegerField(label=_("Number of winners"), min_value=1, initial=3)
    factor = forms.DecimalField(
        label=_("Factor"), min_value=Decimal("0.01"), decimal_places=2, initial=Decimal(1)
    )
    other_costs = forms.DecimalField(
        label=_("Other costs (S/)"), min_value=0, decimal_places=2, required=False
    )
    third_party_note = forms.CharField(
        label=_("Third-party contributions"), max_length=250, required=False
    )
    publish_family_names = forms.BooleanField(
        label=_("Publish family names on the public results page"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = _programme_ids(user)
        sources = FundingSource.objects.select_related("programme").order_by("programme", "name")
        territories = restrict(Territory.objects.all(), user)
        if programmes is not None:
            sources = sources.filter(programme_id__in=programmes)
            territories = territories.filter(programme_id__in=programmes)
        self.fields["funding_source"].queryset = sources  # type: ignore[attr-defined]
        self.fields["territory"].queryset = territories  # type: ignore[attr-defined]
        self.fields["organization"].queryset = restrict(  # type: ignore[attr-defined]
            Organization.objects.exclude(kind="municipality"), user, "change"
        ).order_by("name")
        grants = user_scope(user).change
        areas = AdminArea.objects.filter(level__lte=3)
        if not grants.everything:
            condition = Q(pk__in=[])
            for path in grants.area_paths:
                condition |= Q(path__startswith=path)
            areas = areas.filter(condition)
        self.fields["area"].queryset = areas.order_by("path")  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=120)
    unit = forms.CharField(label=_("Unit of the assets"), max_length=20, required=False)
    criteria = forms.CharField(
        label=_("Criteria"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One per line: code; criterion; maximum points (e.g. progress; Progress; 60)"),
    )

    def clean_criteria(self) -> list[tuple[str, str, Decimal]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            try:
                rows.append((parts[0], parts[1], Decimal(parts[2])))
            except (IndexError, ArithmeticError) as exc:
                raise forms.ValidationError(
                    _("Line %(number)d: write code; criterion; maximum points.")
                    % {"number": number}
                ) from exc
        return rows


class CriterionForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=30)
    label = forms.CharField(label=_("Criterion"), max_length=200)
    max_points = forms.DecimalField(label=_("Maximum points"), min_value=0, decimal_places=2)


class TiersForm(forms.Form):
    amounts = forms.CharField(
        label=_("Prizes by place (S/)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One amount per line: 1st place first."),
    )

    def clean_amounts(self) -> list[Decimal]:
        values = []
        for line in self.cleaned_data["amounts"].replace(",", "\n").splitlines():
            if line.strip():
                try:
                    values.append(Decimal(line.strip()))
                except ArithmeticError as exc:
                    raise forms.ValidationError(
                        _("%(value)s is not an amount.") % {"value": line}
                    ) from exc
        return values


class JurorForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    institution = forms.CharField(label=_("Institution"), max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Own organization"), queryset=Organization.objects.all(), required=False
    )
    community = forms.ModelChoiceField(
        label=_("Own community"), queryset=Community.objects.all(), required=False
    )

    def __init__(self, *args: Any, contest: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            district__path__startswith=contest.area.path
        ).order_by("name")
        self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
            district__path__startswith=contest.area.path
        ).order_by("name")


class EnrolForm(forms.Form):
    dnis = forms.CharField(
        label=_("DNIs of the heads of household"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    all_households = forms.BooleanField(
        label=_("Enrol every household of the organization's community"), required=False
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"), queryset=Organization.objects.none(), required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *Category.choices], required=False
    )

    def __init__(self, *args: Any, contest: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if contest.level == Level.INTER_FAMILY:
            del self.fields["organizations"], self.fields["category"]
            return
        del self.fields["dnis"], self.fields["all_households"]
        organizations = Organization.objects.exclude(kind="municipality").order_by("name")
        if contest.territory_id:
            organizations = organizations.filter(community__territories=contest.territory_id)
        else:
            organizations = organizations.filter(district__path__startswith=contest.area.path)
        self.fields["organizations"].queryset = organizations  # type: ignore[attr-defined]
        if not contest.uses_categories:
            del self.fields["category"]


def assets_form(activities: list[Any], records: dict[tuple[int, str], Any]) -> forms.Form:
    """One block of fields per activity and moment: quantity, value and a photo."""
    fields: dict[str, forms.Field] = {}
    initial: dict[str, Any] = {}
    for activity in activities:
        for moment, label in (("before", _("before")), ("after", _("after"))):
            prefix = f"a{activity.pk}_{moment}"
            fields[f"{prefix}_quantity"] = forms.DecimalField(
                label=f"{activity.name} · {label} · {_('quantity')} ({activity.unit or '—'})",
                min_value=0,
                decimal_places=2,
                required=False,
            )
            fields[f"{prefix}_value"] = forms.DecimalField(
                label=f"{activity.name} · {label} · {_('value (S/)')}",
                min_value=0,
                decimal_places=2,
                required=False,
            )
            fields[f"{prefix}_photo"] = forms.ImageField(
                label=f"{activity.name} · {label} · {_('photo')}", required=False
            )
            record = records.get((activity.pk, moment))
            if record is not None:
                initial[f"{prefix}_quantity"] = Decimal(record.quantity_centi) / 100
                initial[f"{prefix}_value"] = Decimal(record.value_minor) / 100
    form_class = type("AssetsForm", (forms.Form,), fields)
    return form_class, initial  # type: ignore[return-value]


class TalkingMapForm(forms.Form):
    past_map = forms.ImageField(label=_("Map of the past (20-30 years ago)"))
    present_map = forms.ImageField(label=_("Map of the present"))
    future_map = forms.ImageField(label=_("Map of the future (30 years ahead)"))
    commitments = forms.CharField(
        label=_("The community's commitments"), widget=forms.Textarea(attrs={"rows": 4})
    )
    plan = forms.ModelChoiceField(label=_("Plan it feeds"), queryset=None, required=False)  # type: ignore[arg-type]

    def __init__(self, *args: Any, participant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from minka.clar.models import Initiative

        self.fields["plan"].queryset = Initiative.objects.filter(  # type: ignore[attr-defined]
            organization_id=participant.organization_id
        )


def sheet_form(criteria: list[Any]) -> type[forms.Form]:
    fields = {
        c.code: forms.DecimalField(
            label=f"{c.label} (0-{Decimal(c.max_points_centi) / 100:g})",
            min_value=0,
            max_value=Decimal(c.max_points_centi) / 100,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
        )
        for c in criteria
    }
    return type("SheetForm", (forms.Form,), fields)


class ThirdPartyForm(forms.Form):
    participant = forms.ModelChoiceField(label=_("Participant"), queryset=None)  # type: ignore[arg-type]
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None, required=False)  # type: ignore[arg-type]
    source = forms.CharField(label=_("Source"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (S/)"), min_value=0, decimal_places=2)

    def __init__(self, *args: Any, contest: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = contest.participants.select_related(  # type: ignore[attr-defined]
            "household", "organization"
        )
        self.fields["activity"].queryset = contest.activities.all()  # type: ignore[attr-defined]


class PaymentPrepareForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization paid"), queryset=None)  # type: ignore[arg-type]
    participant = forms.ModelChoiceField(
        label=_("Only this winner (empty: a batch of all its prizes)"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
    )

    def __init__(self, *args: Any, contest: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unpaid = contest.prizes.filter(payment__isnull=True)
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            pk__in=unpaid.values("participant__organization_id")
        )
        self.fields["participant"].queryset = contest.participants.filter(  # type: ignore[attr-defined]
            pk__in=unpaid.values("participant_id")
        ).select_related("household", "organization")


class ExecuteForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60)
    executed_on = forms.DateField(
        label=_("Transfer date"), widget=DATE, initial=datetime.date.today
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
