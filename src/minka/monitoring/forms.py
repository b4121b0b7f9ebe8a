"""Forms of the monitoring pages: each feeds one service."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minka.monitoring.models import Moment, SurveyRound


class ValuationForm(forms.Form):
    item = forms.CharField(label=_("Asset"), max_length=120)
    moment = forms.ChoiceField(label=_("Moment"), choices=Moment.choices, initial=Moment.AFTER)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, decimal_places=3)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_value = forms.DecimalField(label=_("Unit value"), min_value=0, decimal_places=2)
    valued_on = forms.DateField(
        label=_("Valued on"), initial=timezone.localdate, widget=forms.DateInput({"type": "date"})
    )


class SpendingForm(forms.Form):
    amount = forms.DecimalField(label=_("Project spending"), min_value=0, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=250, required=False)


class IndicatorReportForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    value = forms.IntegerField(label=_("Value"), min_value=0)
    area = forms.ModelChoiceField(label=_("Area"), queryset=None, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", _("Both")), ("F", _("Female")), ("M", _("Male"))],
        required=False,
    )
    source = forms.CharField(label=_("Source of verification"), max_length=250, required=False)

    def __init__(self, *args, indicators=None, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["area"].queryset = areas


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return"))]
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class SurveyImportForm(forms.Form):
    round = forms.ChoiceField(label=_("Round"), choices=SurveyRound.choices)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    file = forms.FileField(label=_("File (CSV or XLSX)"))


class ProgressForm(forms.Form):
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    quantity = forms.IntegerField(label=_("Quantity done"), min_value=0)
    note = forms.CharField(label=_("Note"), max_length=250, required=False)


class ApproveForm(forms.Form):
    approved_on = forms.DateField(
        label=_("Approved on"), initial=timezone.localdate, widget=forms.DateInput({"type": "date"})
    )
