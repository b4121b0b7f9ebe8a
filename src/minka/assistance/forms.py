"""Forms of the market and the cascade. Amounts are typed in major units and converted exactly;
records are picked by their code (provider, organization, household, UBIGEO)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.assistance.models import Practice, SelectionMethod, VerificationMethod
from minka.contracts.models import Contract
from minka.core.forms import CodeChoiceField, DateInput
from minka.core.money import Money
from minka.geo.models import AdminArea
from minka.programmes.models import Programme
from minka.registry.models import Household, Organization, Person, Provider


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)


def to_money(value: Decimal | None, currency: str) -> Money:
    return Money.from_decimal(value or Decimal("0"), currency)


SCORES = [(n, str(n)) for n in range(5, 0, -1)]


def _codes(text: str) -> list[str]:
    return [c for c in (text or "").replace(",", " ").replace(";", " ").split() if c]


class ServiceContractForm(forms.Form):
    organization = CodeChoiceField(Organization.objects.all(), label=_("Organization (code)"))
    provider = CodeChoiceField(Provider.objects.all(), label=_("Provider (code)"))
    grant_contract = CodeChoiceField(
        Contract.objects.all(),
        label=_("Grant contract (code)"),
        required=False,
        help_text=_(
            "The Donación con Carga that pays part of the service and to which a copy is "
            "attached. Leave empty when the organization hires on its own."
        ),
    )
    programme = forms.ModelChoiceField(
        Programme.objects.all(),
        label=_("Programme"),
        required=False,
        help_text=_("Only when there is no grant contract."),
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    description = forms.CharField(
        label=_("Terms of reference"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    days = forms.IntegerField(label=_("Days of service"), min_value=1, max_value=366)
    daily_rate = AmountField(label=_("Daily rate"))
    selection = forms.ChoiceField(
        label=_("How the provider was chosen"), choices=SelectionMethod.choices
    )
    selection_note = forms.CharField(
        label=_("Selection details"),
        max_length=300,
        required=False,
        help_text=_("E.g. three candidates heard at the assembly of 12 March."),
    )
    grant = AmountField(label=_("Paid from the grant"), required=False)
    own = AmountField(label=_("Paid with the organization's own money"), required=False)
    other = AmountField(label=_("Paid by others"), required=False)
    other_payer = forms.CharField(label=_("Other payer"), max_length=120, required=False)
    copy = forms.FileField(label=_("Signed copy of the contract"), required=False)


class ConfirmForm(forms.Form):
    confirmed_on = forms.DateField(label=_("Confirmed on"), widget=DateInput())
    days_delivered = forms.IntegerField(label=_("Days delivered"), min_value=1)
    work_done = forms.CharField(label=_("Work done"), widget=forms.Textarea(attrs={"rows": 3}))
    amount = AmountField(label=_("Amount to pay"))
    signed_by = forms.ModelChoiceField(Person.objects.none(), label=_("Signed by (board)"))

    def __init__(self, *args, signatories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by"].queryset = signatories


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    grant = AmountField(label=_("From the grant"), required=False)
    own = AmountField(label=_("Organization's own money"), required=False)
    other = AmountField(label=_("From others"), required=False)
    receipt = forms.CharField(
        label=_("Provider's receipt"),
        max_length=40,
        help_text=_("Fee receipt (recibo por honorarios) or invoice number."),
    )


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    men_assisted = forms.IntegerField(label=_("Men assisted"), min_value=0)
    women_assisted = forms.IntegerField(label=_("Women assisted"), min_value=0)
    note = forms.CharField(label=_("Closing note"), max_length=300, required=False)


class RateForm(forms.Form):
    quality = forms.TypedChoiceField(label=_("Quality of the work"), choices=SCORES, coerce=int)
    punctuality = forms.TypedChoiceField(
        label=_("Punctuality and days kept"), choices=SCORES, coerce=int
    )
    relevance = forms.TypedChoiceField(
        label=_("Relevance to our needs"), choices=SCORES, coerce=int
    )
    communication = forms.TypedChoiceField(
        label=_("Respect and communication"), choices=SCORES, coerce=int
    )
    would_hire_again = forms.BooleanField(
        label=_("We would hire this provider again"), required=False
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    signed_by = forms.ModelChoiceField(Person.objects.none(), label=_("Signed by (board)"))
    rated_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, signatories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by"].queryset = signatories


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ProfileForm(forms.Form):
    summary = forms.CharField(
        label=_("What the provider offers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    daily_rate = AmountField(label=_("Reference daily rate"), required=False)
    available = forms.BooleanField(label=_("Takes new work"), required=False)
    areas = forms.CharField(
        label=_("Territories served (UBIGEO codes)"),
        help_text=_("Departments, provinces or districts, separated by spaces: 03 0302 080101."),
    )

    def clean_areas(self):
        codes = _codes(self.cleaned_data.get("areas", ""))
        found = {a.code: a for a in AdminArea.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list(found.values())


class EventForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("Programme"))
    trainer = CodeChoiceField(Provider.objects.all(), label=_("Trainer (provider code)"))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    practice = forms.ChoiceField(
        label=_("Practice taught"), choices=[("", "—"), *Practice.choices], required=False
    )
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=150)
    district = CodeChoiceField(AdminArea.objects.filter(level=3), label=_("District (UBIGEO)"))
    cost = AmountField(label=_("Cost"), required=False)
    attendees = forms.CharField(
        label=_("Attendance (DNIs)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The DNI of each person present, separated by spaces or new lines."),
    )

    def clean_attendees(self):
        dnis = _codes(self.cleaned_data.get("attendees", ""))
        found = {p.dni: p for p in Person.objects.filter(dni__in=dnis)}
        unknown = [d for d in dnis if d not in found]
        if unknown:
            raise forms.ValidationError(
                _("No person with DNI %(dnis)s.") % {"dnis": ", ".join(unknown)}
            )
        return list(found.values())


class VisitForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("Programme"))
    yachachiq = CodeChoiceField(
        Provider.objects.filter(kind="yachachiq"), label=_("Yachachiq (code)")
    )
    household = CodeChoiceField(Household.objects.all(), label=_("Household (code)"))
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    practice = forms.ChoiceField(label=_("Practice taught"), choices=Practice.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AdoptionForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("Programme"))
    household = CodeChoiceField(Household.objects.all(), label=_("Household (code)"))
    practice = forms.ChoiceField(label=_("Practice"), choices=Practice.choices)
    method = forms.ChoiceField(label=_("Verified"), choices=VerificationMethod.choices)
    verified_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        help_text=_("For a visit, the date of the visit at which the practice was seen."),
    )
    evidence = forms.CharField(
        label=_("Contest"),
        max_length=200,
        required=False,
        help_text=_("For a contest: which contest."),
    )


class AssignForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=_("Programme"))
    yachachiq = CodeChoiceField(
        Provider.objects.filter(kind="yachachiq"), label=_("Yachachiq (code)")
    )
    households = forms.CharField(
        label=_("Households (codes)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Codes separated by spaces or new lines."),
    )
    assigned_on = forms.DateField(label=_("Assigned on"), widget=DateInput())

    def clean_households(self):
        codes = _codes(self.cleaned_data.get("households", ""))
        found = {h.code: h for h in Household.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown households: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list(found.values())


class SettingsForm(forms.Form):
    households_per_yachachiq = forms.IntegerField(
        label=_("Usual households per yachachiq"), min_value=1, max_value=1000
    )
    hard_cap = forms.IntegerField(
        label=_("Maximum households per yachachiq"), min_value=1, max_value=1000
    )
