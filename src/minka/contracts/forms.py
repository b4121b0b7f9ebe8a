"""Forms for the contract workflow. Amounts are typed in soles and converted exactly."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.contracts.models import Concept, DepositKind, Instrument, Rating, ReceiptType
from minka.core.forms import CodeChoiceField, DateInput
from minka.core.money import Money
from minka.programmes.models import FundingSource, LocalOffice
from minka.registry.models import Organization


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)


def to_money(value: Decimal | None, currency: str) -> Money:
    return Money.from_decimal(value or Decimal("0"), currency)


class ContractForm(forms.Form):
    organization = CodeChoiceField(Organization.objects.all(), label=_("Lead organization (code)"))
    members = forms.CharField(
        label=_("Other signing organizations (codes)"),
        required=False,
        help_text=_(
            "For a territorial plan (PIT): every member organization signs and is jointly liable."
        ),
    )
    local_office = forms.ModelChoiceField(LocalOffice.objects.none(), label=_("Local office"))
    funding_source = forms.ModelChoiceField(FundingSource.objects.none(), label=_("Funding source"))
    instrument = forms.ChoiceField(label=_("Instrument"), choices=Instrument.choices)
    title = forms.CharField(label=_("Title"), max_length=250)
    term_months = forms.IntegerField(
        label=_("Term (months, liquidation included)"), min_value=1, max_value=60
    )
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )
    head_office_authorised = forms.BooleanField(
        label=_("Authorised by the head office"), required=False
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["local_office"].queryset = programme.local_offices.all()
        self.fields["funding_source"].queryset = programme.funding_sources.all()

    def clean_members(self):
        codes = [c for c in (self.cleaned_data.get("members") or "").replace(",", " ").split() if c]
        found = {o.code: o for o in Organization.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown organization codes: %(codes)s."), params={"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]


class LineForm(forms.Form):
    concept = forms.ChoiceField(
        label=_("Concept"), choices=[("", "—"), *Concept.choices], required=False
    )
    description = forms.CharField(label=_("Description"), max_length=250, required=False)
    project = AmountField(label=_("Project"), required=False)
    organization = AmountField(label=_("Organization"), required=False)
    other = AmountField(label=_("Others"), required=False)


LineFormSet = forms.formset_factory(LineForm, extra=6, max_num=len(Concept.choices))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())


class DepositForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DepositKind.choices)
    slip_number = forms.CharField(label=_("Slip or record number"), max_length=40)
    deposited_on = forms.DateField(label=_("Date"), widget=DateInput())
    amount = AmountField(label=_("Amount (S/)"), min_value=Decimal("0.01"))
    description = forms.CharField(label=_("Description"), max_length=250, required=False)


class ExecuteForm(forms.Form):
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60)
    executed_on = forms.DateField(label=_("Transfer date"), widget=DateInput())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class MidtermForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve progress")), ("hold", _("Hold the second tranche"))],
    )
    decided_on = forms.DateField(label=_("Date"), widget=DateInput())
    reference = forms.CharField(label=_("Mid-term acta"), max_length=100)


class MisuseForm(forms.Form):
    description = forms.CharField(
        label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3})
    )
    raised_on = forms.DateField(label=_("Date"), widget=DateInput())


class LiftForm(forms.Form):
    corrective_action = forms.CharField(
        label=_("Corrective action proven"), widget=forms.Textarea(attrs={"rows": 3})
    )
    lifted_on = forms.DateField(label=_("Date"), widget=DateInput())


class ExpenseReportForm(forms.Form):
    period_end = forms.DateField(label=_("Period ends"), widget=DateInput())


class ExpenseLineForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=DateInput(), required=False)
    receipt_type = forms.ChoiceField(
        label=_("Receipt type"), choices=ReceiptType.choices, required=False
    )
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=30, required=False)
    supplier_ruc = forms.CharField(label=_("Supplier RUC"), max_length=11, required=False)
    concept = forms.ChoiceField(label=_("Concept"), choices=Concept.choices, required=False)
    amount = AmountField(label=_("Amount (S/)"), required=False)
    scan = forms.FileField(label=_("Scanned receipt"), required=False)

    def clean(self):
        data = super().clean()
        filled = [
            k for k in ("spent_on", "receipt_number", "supplier_ruc", "amount") if data.get(k)
        ]
        if filled and len(filled) < 4:
            raise forms.ValidationError(
                _("Fill in the date, receipt number, supplier RUC and amount.")
            )
        data["filled"] = bool(filled)
        return data


ExpenseLineFormSet = forms.formset_factory(ExpenseLineForm, extra=8)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return"))]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class AddendumForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    concept = forms.ChoiceField(
        label=_("Concept"), choices=[("", "—"), *Concept.choices], required=False
    )
    project_delta = forms.DecimalField(
        label=_("Change of project share (S/, ±)"), max_digits=15, decimal_places=2, required=False
    )
    organization_delta = forms.DecimalField(
        label=_("Change of organization's share (S/, ±)"),
        max_digits=15,
        decimal_places=2,
        required=False,
    )
    term_delta_months = forms.IntegerField(label=_("Change of term (months, ±)"), required=False)


class LiquidationForm(forms.Form):
    final_report = forms.FileField(label=_("Final report"))
    closing_minute = forms.FileField(label=_("Assembly's closing minute"))
    bank_statement = forms.FileField(label=_("Bank statement"))
    refund = AmountField(label=_("Refund of unused balance (S/)"), required=False)
    refund_reference = forms.CharField(
        label=_("Refund deposit reference"), max_length=60, required=False
    )
    rating = forms.ChoiceField(label=_("Rating of the organization"), choices=Rating.choices)
    favourable = forms.BooleanField(
        label=_("Favourable final report"), required=False, initial=True
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    liquidated_on = forms.DateField(label=_("Date"), widget=DateInput())


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (breach, mutual agreement, dissolution, false information)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cancelled_on = forms.DateField(label=_("Date"), widget=DateInput())
    refund = AmountField(label=_("Refund of funds held (S/)"), required=False)
    refund_reference = forms.CharField(
        label=_("Refund deposit reference"), max_length=60, required=False
    )


class BankBatchForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xml", _("ISO 20022 XML (pain.001.001.03)")), ("csv", _("CSV"))],
    )
    again = forms.BooleanField(
        label=_("Include ATFs already sent in an earlier batch"), required=False
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
