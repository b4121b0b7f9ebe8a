"""Forms of the ledger pages: report filters and recording an exchange rate."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.core.money import CURRENCY_CHOICES
from minka.ledger.models import AccountKind, JournalKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANY = [("", _("All"))]


class PeriodForm(forms.Form):
    """A date range of an account statement."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return data


class AsOfForm(forms.Form):
    """A report's closing date and, optionally, one currency."""

    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=ANY + CURRENCY_CHOICES
    )


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Stage"), required=False, choices=ANY + AccountKind.choices)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=ANY + CURRENCY_CHOICES
    )


class JournalFilterForm(PeriodForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=ANY + JournalKind.choices)


class ExchangeRateForm(forms.Form):
    """One rate as published (e.g. by the SBS): how many units of `quote` one `base` buys."""

    date = forms.DateField(label=_("Date"), widget=DATE)
    base = forms.ChoiceField(label=_("Base currency"), choices=CURRENCY_CHOICES, initial="USD")
    quote = forms.ChoiceField(label=_("Quote currency"), choices=CURRENCY_CHOICES, initial="PEN")
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=18,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        help_text=_("Units of the quote currency per unit of the base currency, e.g. 3.7512."),
    )
    source = forms.CharField(label=_("Source"), max_length=100, initial="SBS")

    def clean(self):
        data = super().clean()
        if data.get("base") and data.get("base") == data.get("quote"):
            self.add_error("quote", _("A rate converts between two different currencies."))
        return data
