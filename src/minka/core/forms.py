"""Form pieces shared by every app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeChoiceField(forms.ModelChoiceField):
    """Pick a related record by typing its code (a UBIGEO, a community code) instead of a
    thousand-option select, which is slow to load on a rural connection and a cheap phone."""

    widget = forms.TextInput

    def __init__(self, queryset, *, to_field_name: str = "code", **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("No record has the code “%(value)s”.")},
        )
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)

    def prepare_value(self, value):
        if hasattr(value, self.to_field_name):
            return getattr(value, self.to_field_name)
        if isinstance(value, int):
            obj = self.queryset.filter(pk=value).first()
            return getattr(obj, self.to_field_name) if obj else value
        return super().prepare_value(value)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from exc


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
