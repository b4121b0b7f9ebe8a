"""Forms for programme settings."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.core.forms import DateInput
from minka.core.money import CURRENCY_CHOICES
from minka.geo.models import AdminArea
from minka.programmes.models import FundingKind, LocalOffice, Programme


class AreaCodesField(forms.CharField):
    """Administrative areas typed as UBIGEO codes separated by commas or spaces."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("UBIGEO codes separated by commas, e.g. 03, 0801."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value) or ""
        codes = [c for c in text.replace(",", " ").split() if c]
        areas = {a.code: a for a in AdminArea.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in areas]
        if unknown:
            raise forms.ValidationError(
                _("Unknown UBIGEO codes: %(codes)s."),
                params={"codes": ", ".join(unknown)},
                code="unknown",
            )
        return [areas[c] for c in codes]


class AreasFormMixin:
    """Loads and saves a many-to-many of areas through an `AreaCodesField` named `areas_codes`."""

    areas_relation = ""

    def init_areas(self):
        if self.instance.pk:
            codes = getattr(self.instance, self.areas_relation).values_list("code", flat=True)
            self.initial["areas_codes"] = ", ".join(codes)

    def _save_m2m(self):
        super()._save_m2m()
        getattr(self.instance, self.areas_relation).set(self.cleaned_data["areas_codes"])


class ProgrammeForm(AreasFormMixin, forms.ModelForm):
    areas_relation = "coverage_areas"
    areas_codes = AreaCodesField(label=_("Areas covered"))

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "institution",
            "currency",
            "starts_on",
            "ends_on",
            "description",
            "bank_account",
            "bank_bic",
        ]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_areas()


class LocalOfficeForm(AreasFormMixin, forms.ModelForm):
    areas_relation = "areas"
    areas_codes = AreaCodesField(label=_("Areas served"))

    class Meta:
        model = LocalOffice
        fields = ["programme", "name", "town"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_areas()


class FundingSourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Type"), choices=FundingKind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=18, decimal_places=2
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="USD")
