"""Edit forms for registry records. Scope is checked by `record_save`, not here."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minka.core.forms import CodeChoiceField, DateInput
from minka.geo.models import AdminArea
from minka.registry.models import (
    BankAccount,
    BoardRole,
    Community,
    FinancialInstitution,
    Household,
    Organization,
    Person,
    Provider,
)


def district_field(label=None, required: bool = True) -> CodeChoiceField:
    return CodeChoiceField(
        AdminArea.objects.filter(level=3),
        label=label or _("District (UBIGEO)"),
        help_text=_("6-digit INEI code, e.g. 030201."),
        required=required,
    )


class CommunityForm(forms.ModelForm):
    district = district_field()

    class Meta:
        model = Community
        fields = [
            "code",
            "name",
            "district",
            "latitude",
            "longitude",
            "altitude_m",
            "recognised_on",
        ]
        widgets = {"recognised_on": DateInput()}


class HouseholdForm(forms.ModelForm):
    community = CodeChoiceField(Community.objects.all(), label=_("Community (code)"))

    class Meta:
        model = Household
        fields = ["code", "community", "sector"]


class PersonForm(forms.ModelForm):
    district = district_field(_("District of residence (UBIGEO)"))
    household = CodeChoiceField(
        Household.objects.all(), label=_("Household (code)"), required=False
    )

    class Meta:
        model = Person
        fields = [
            "dni",
            "first_names",
            "paternal_surname",
            "maternal_surname",
            "sex",
            "birth_date",
            "household",
            "relationship",
            "district",
            "phone",
        ]
        widgets = {"birth_date": DateInput()}

    def clean_dni(self):
        return (self.cleaned_data.get("dni") or "").strip() or None


class OrganizationForm(forms.ModelForm):
    district = district_field()
    community = CodeChoiceField(
        Community.objects.all(), label=_("Community (code)"), required=False
    )

    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "kind",
            "community",
            "district",
            "ruc",
            "registry_entry",
            "registered_on",
            "founded_on",
        ]
        widgets = {"registered_on": DateInput(), "founded_on": DateInput()}

    def clean_ruc(self):
        return (self.cleaned_data.get("ruc") or "").strip() or None


class ProviderForm(forms.ModelForm):
    district = district_field()
    person = CodeChoiceField(
        Person.objects.all(), to_field_name="dni", label=_("Person (DNI)"), required=False
    )

    class Meta:
        model = Provider
        fields = ["code", "kind", "name", "person", "ruc", "district", "profession", "skills"]

    def clean_ruc(self):
        return (self.cleaned_data.get("ruc") or "").strip() or None


class FinancialInstitutionForm(forms.ModelForm):
    class Meta:
        model = FinancialInstitution
        fields = ["name", "short_name", "kind", "sbs_regulated", "sbs_code", "bic"]


class BankAccountForm(forms.ModelForm):
    organization = CodeChoiceField(Organization.objects.all(), label=_("Organization (code)"))

    class Meta:
        model = BankAccount
        fields = ["organization", "institution", "number", "cci", "currency"]

    def clean_cci(self):
        cci = (self.cleaned_data.get("cci") or "").strip()
        if cci and (len(cci) != 20 or not cci.isdigit()):
            raise forms.ValidationError(_("The CCI has exactly 20 digits."))
        return cci


class BankAccountVerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("verified", _("Verified")), ("rejected", _("Rejected"))],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


def person_by_dni_field() -> CodeChoiceField:
    return CodeChoiceField(
        Person.objects.all(),
        to_field_name="dni",
        label=_("DNI"),
        help_text=_("The person must be registered first."),
        error_messages={"invalid_choice": _("No registered person has the DNI “%(value)s”.")},
    )


class MemberAddForm(forms.Form):
    dni = person_by_dni_field()
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=DateInput())


class BoardAssignForm(forms.Form):
    dni = person_by_dni_field()
    role = forms.ChoiceField(label=_("Position"), choices=BoardRole.choices)
    term_start = forms.DateField(label=_("Term starts"), widget=DateInput())


class EndDateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
