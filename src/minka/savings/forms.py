"""Forms of the savings screens: few fields each, amounts typed in soles and converted exactly."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.core.forms import CodeChoiceField, DateInput
from minka.core.money import Money
from minka.registry.models import FinancialInstitution, InstitutionKind, Organization, Person
from minka.savings.models import (
    ClaimEvent,
    InsuredAs,
    InterestMethod,
    LoanPurpose,
    MovementKind,
    SavingsSettings,
    WithdrawalPurpose,
)


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault(
            "widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})
        )
        super().__init__(**kwargs)


def to_money(value: Decimal | None, currency: str) -> Money:
    return Money.from_decimal(value or Decimal("0"), currency)


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the phone's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-01"})

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value:%Y-%m}"
        return value


def _banks():
    return FinancialInstitution.objects.filter(sbs_regulated=True).exclude(
        kind=InstitutionKind.INSURER
    )


def _insurers():
    return FinancialInstitution.objects.filter(sbs_regulated=True, kind=InstitutionKind.INSURER)


class EnrolForm(forms.Form):
    organization = CodeChoiceField(
        Organization.objects.filter(kind="women"), label=_("Women's group (code)")
    )
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    started_on = forms.DateField(label=_("Enrolled on"), widget=DateInput())

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class SaverForm(forms.Form):
    dni = forms.CharField(
        label=_("DNI"), max_length=8, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    institution = forms.ModelChoiceField(queryset=None, label=_("Institution"))
    number = forms.CharField(label=_("Account number"), max_length=30)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
    opening_deposit = AmountField(label=_("Opening deposit"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _banks()


class BalancesForm(forms.Form):
    """One field per account: the month's closing balance (blank: not reported)."""

    month = MonthField(label=_("Month"))

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = list(accounts)
        for account in self.accounts:
            self.fields[f"a{account.pk}"] = AmountField(
                label=f"{account.person.full_name} · {account.institution} {account.number}",
                required=False,
            )

    def balances(self, currency: str) -> dict[int, Money]:
        return {
            account.pk: to_money(self.cleaned_data[f"a{account.pk}"], currency)
            for account in self.accounts
            if self.cleaned_data.get(f"a{account.pk}") is not None
        }


class StatementForm(forms.Form):
    institution = forms.ModelChoiceField(queryset=None, label=_("Institution"))
    month = MonthField(label=_("Month of the statement"))
    file = forms.FileField(
        label=_("Statement (CSV or XLSX)"),
        help_text=_("Columns: cuenta, saldo and optionally dni."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _banks()


class WithdrawalForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Date"), widget=DateInput())
    amount = AmountField(label=_("Amount"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=WithdrawalPurpose.choices)
    evidence_reference = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=150,
        help_text=_("Needed for the programme to match it."),
    )
    evidence_file = forms.FileField(label=_("Evidence (scan)"), required=False)


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))


class ExecuteForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60)
    executed_on = forms.DateField(label=_("Transfer date"), widget=DateInput())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class FundForm(forms.Form):
    seed_capital = AmountField(label=_("Seed capital"))
    created_on = forms.DateField(label=_("Created on"), widget=DateInput())


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    method = forms.ChoiceField(label=_("Interest"), choices=InterestMethod.choices)
    monthly_rate = forms.DecimalField(
        label=_("Monthly rate (%)"), min_value=0, max_value=20, decimal_places=2, max_digits=5
    )
    instalments = forms.IntegerField(label=_("Monthly instalments"), min_value=1, max_value=60)
    max_principal = AmountField(label=_("Largest loan"), required=False)


class LoanForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label=_("Member"))
    product = forms.ModelChoiceField(queryset=None, label=_("Product"))
    principal = AmountField(label=_("Amount lent"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=LoanPurpose.choices)
    purpose_detail = forms.CharField(label=_("What for"), required=False, max_length=200)
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=DateInput())
    first_due_on = forms.DateField(
        label=_("First instalment due"),
        required=False,
        widget=DateInput(),
        help_text=_("Blank: one month after the disbursement."),
    )

    def __init__(self, *args, fund, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Person.objects.filter(
            memberships__organization=fund.group.organization, memberships__left_on__isnull=True
        ).order_by("paternal_surname", "first_names")
        self.fields["product"].queryset = fund.products.filter(active=True)


class RepaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    amount = AmountField(label=_("Amount"))
    receipt_number = forms.CharField(label=_("Receipt number"), required=False, max_length=30)
    settle = forms.BooleanField(label=_("Settle the loan early"), required=False)


class MovementForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (MovementKind.INCOME, MovementKind.INCOME.label),
            (MovementKind.EXPENSE, MovementKind.EXPENSE.label),
        ],
    )
    moved_on = forms.DateField(label=_("Date"), widget=DateInput())
    amount = AmountField(label=_("Amount"))
    description = forms.CharField(label=_("Description"), max_length=200)


class PolicyForm(forms.Form):
    dni = forms.CharField(label=_("DNI of the insured"), max_length=8)
    insured_as = forms.ChoiceField(label=_("Insured as"), choices=InsuredAs.choices)
    children_covered = forms.IntegerField(label=_("Children covered"), min_value=0, max_value=12)
    insurer = forms.ModelChoiceField(queryset=None, label=_("Insurer"))
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["insurer"].queryset = _insurers()


class PremiumBatchForm(forms.Form):
    insurer = forms.ModelChoiceField(queryset=None, label=_("Insurer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["insurer"].queryset = _insurers()


class ClaimForm(forms.Form):
    event = forms.ChoiceField(label=_("Event"), choices=ClaimEvent.choices)
    event_on = forms.DateField(label=_("Date of the event"), widget=DateInput())
    beneficiary = forms.CharField(label=_("Beneficiary"), max_length=150)
    amount = AmountField(label=_("Amount claimed"))


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("The insurer"), choices=[("paid", _("Paid")), ("rejected", _("Rejected"))]
    )
    insurer_reference = forms.CharField(label=_("Insurer's reference"), max_length=60)


class SettingsForm(forms.ModelForm):
    """The programme's terms; caps and premiums are typed in soles."""

    opening_cap = AmountField(label=_("Opening match cap per saver"), required=False)
    growth_cap = AmountField(label=_("Growth incentive cap per saver and month"), required=False)
    withdrawal_cap = AmountField(label=_("Withdrawal match cap per withdrawal"), required=False)
    insurance_premium = AmountField(label=_("Yearly premium per insured adult"))
    insurance_child_premium = AmountField(label=_("Yearly premium per child"))

    MONEY = {
        "opening_cap": "opening_cap_minor",
        "growth_cap": "growth_cap_minor",
        "withdrawal_cap": "withdrawal_cap_minor",
        "insurance_premium": "insurance_premium_minor",
        "insurance_child_premium": "insurance_child_premium_minor",
    }

    class Meta:
        model = SavingsSettings
        fields = [
            "opening_match_percent",
            "growth_percent",
            "withdrawal_match_percent",
            "insurance_subsidy_percent",
            "funding_source",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funding_source"].queryset = self.instance.programme.funding_sources.all()
        currency = self.instance.programme.currency
        for name, stored in self.MONEY.items():
            value = getattr(self.instance, stored)
            if value is not None:
                self.initial[name] = Money(value, currency).to_decimal()

    def values(self) -> dict:
        currency = self.instance.programme.currency
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for name, stored in self.MONEY.items():
            value = self.cleaned_data.get(name)
            data[stored] = None if value is None else to_money(value, currency).amount_minor
        return data
