"""Validators for Peruvian identifiers, usable from models, forms, importers and the API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
RUC_PREFIXES = ("10", "15", "16", "17", "20")


def is_valid_dni(value: str) -> bool:
    return len(value) == 8 and value.isascii() and value.isdigit()


def ruc_check_digit(first_ten: str) -> int:
    """SUNAT's modulo-11 check digit over the first ten digits of a RUC."""
    total = sum(int(d) * w for d, w in zip(first_ten, RUC_WEIGHTS, strict=True))
    digit = 11 - total % 11
    return {10: 0, 11: 1}.get(digit, digit)


def is_valid_ruc(value: str) -> bool:
    if len(value) != 11 or not value.isascii() or not value.isdigit():
        return False
    if not value.startswith(RUC_PREFIXES):
        return False
    return ruc_check_digit(value[:10]) == int(value[10])


def validate_dni(value: str) -> None:
    if not is_valid_dni(value):
        raise ValidationError(
            _("“%(value)s” is not a valid DNI: it must be exactly 8 digits."),
            code="invalid_dni",
            params={"value": value},
        )


def validate_ruc(value: str) -> None:
    if not is_valid_ruc(value):
        raise ValidationError(
            _("“%(value)s” is not a valid RUC: 11 digits with a correct check digit."),
            code="invalid_ruc",
            params={"value": value},
        )


def validate_ubigeo(value: str) -> None:
    if not (len(value) in (2, 4, 6) and value.isascii() and value.isdigit()):
        raise ValidationError(
            _("“%(value)s” is not a UBIGEO code: 2, 4 or 6 digits."),
            code="invalid_ubigeo",
            params={"value": value},
        )
