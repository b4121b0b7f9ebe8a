"""Forms of the CLAR workflow."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.clar.models import AttachmentKind, Call, ClarEvent, Envelope, Method, Variant
from minka.contracts.forms import AmountField
from minka.contracts.models import Instrument
from minka.core.forms import CodeChoiceField, DateInput
from minka.geo.models import AdminArea
from minka.registry.models import Community, Organization


class MoneyMinorField(AmountField):
    """Soles typed by the user, stored as céntimos."""

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


class CallForm(forms.ModelForm):
    min_amount_minor = MoneyMinorField(
        label=_("Minimum project share per initiative (S/)"), required=False
    )
    max_amount_minor = MoneyMinorField(label=_("Maximum project share per initiative (S/)"))

    class Meta:
        model = Call
        fields = [
            "programme",
            "code",
            "name",
            "opens_on",
            "closes_on",
            "funding_source",
            "min_amount_minor",
            "max_amount_minor",
            "min_counterpart_percent",
            "max_plans_per_family",
            "description",
        ]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput()}

    def clean_min_amount_minor(self):
        return self.cleaned_data.get("min_amount_minor") or 0


class EnvelopeForm(forms.ModelForm):
    area = CodeChoiceField(
        AdminArea.objects.filter(level__lte=2), label=_("Area (UBIGEO, optional)"), required=False
    )
    amount_minor = MoneyMinorField(label=_("Amount (S/)"), min_value=Decimal("0.01"))

    class Meta:
        model = Envelope
        fields = ["instrument", "area", "amount_minor"]


class InitiativeForm(forms.Form):
    organization = CodeChoiceField(Organization.objects.all(), label=_("Organization (code)"))
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    variant = forms.ChoiceField(label=_("Variant"), choices=Variant.choices)
    title = forms.CharField(label=_("Title"), max_length=250)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    term_months = forms.IntegerField(
        label=_("Term (months)"), min_value=1, max_value=60, initial=12
    )
    families = forms.CharField(
        label=_("Participating families (DNIs)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The DNI of each family's representative, separated by spaces, commas or lines."
        ),
        required=False,
    )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class EventForm(forms.ModelForm):
    area = CodeChoiceField(
        AdminArea.objects.filter(level__lte=2), label=_("Area (UBIGEO of department or province)")
    )
    budget_minor = MoneyMinorField(label=_("Budget (S/)"))
    threshold_centi = forms.DecimalField(
        label=_("Approval threshold (points)"), initial=70, max_digits=5, decimal_places=2
    )

    class Meta:
        model = ClarEvent
        fields = [
            "programme",
            "call",
            "kind",
            "name",
            "held_on",
            "place",
            "area",
            "organiser_kind",
            "organiser_name",
            "field_from",
            "field_to",
            "budget_minor",
            "threshold_centi",
            "min_women_share_percent",
            "min_youth_share_percent",
            "max_per_district",
            "other_attendees",
        ]
        widgets = {"held_on": DateInput(), "field_from": DateInput(), "field_to": DateInput()}

    def clean_threshold_centi(self):
        return int(self.cleaned_data["threshold_centi"] * 100)


class JurorForm(forms.Form):
    username = forms.CharField(label=_("User name of the juror"))
    institution = forms.CharField(label=_("Institution"), max_length=200)
    organization = CodeChoiceField(
        Organization.objects.all(), label=_("Juror's own organization (code)"), required=False
    )
    community = CodeChoiceField(
        Community.objects.all(), label=_("Juror's own community (code)"), required=False
    )
    scores_field = forms.BooleanField(label=_("Scores in the field"), required=False, initial=True)
    scores_public = forms.BooleanField(
        label=_("Scores the public presentation"), required=False, initial=True
    )


class AttendanceForm(forms.Form):
    present_dnis = forms.CharField(
        label=_("DNIs of the families present"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Separated by spaces, commas or lines."),
        required=False,
    )


class DecideForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Allocation used"), choices=Method.choices, widget=forms.RadioSelect
    )


def sheet_form(criteria, initial=None):
    """A form with one field per criterion of a rubric (attendance criteria are computed)."""
    fields = {}
    for criterion in criteria:
        if criterion.from_attendance:
            continue
        maximum = Decimal(criterion.max_points_centi) / 100
        fields[criterion.code] = forms.DecimalField(
            label=f"{criterion.label} (0–{maximum:g})",
            min_value=0,
            max_value=maximum,
            decimal_places=2,
            max_digits=6,
            widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        )
    form_class = type("SheetForm", (forms.Form,), fields)
    return form_class, initial
