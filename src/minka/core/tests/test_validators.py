import pytest
from django.core.exceptions import ValidationError

from minka.core.validators import (
    is_valid_dni,
    is_valid_ruc,
    ruc_check_digit,
    validate_dni,
    validate_ruc,
)


@pytest.mark.parametrize("dni", ["12345678", "00000001", "40000001"])
def test_valid_dni(dni):
    assert is_valid_dni(dni)
    validate_dni(dni)


@pytest.mark.parametrize("dni", ["1234567", "123456789", "1234567a", "١٢٣٤٥٦٧٨", "", " 12345678"])
def test_invalid_dni(dni):
    assert not is_valid_dni(dni)
    with pytest.raises(ValidationError) as info:
        validate_dni(dni)
    assert info.value.code == "invalid_dni"


# Real RUCs published by SUNAT: Banco de la Nación and SUNAT itself.
@pytest.mark.parametrize("ruc", ["20100030595", "20131312955"])
def test_real_rucs_validate(ruc):
    assert is_valid_ruc(ruc)
    validate_ruc(ruc)


def test_check_digit_is_enforced():
    base = "2010003059"
    good = base + str(ruc_check_digit(base))
    assert is_valid_ruc(good)
    for digit in "0123456789":
        if base + digit != good:
            assert not is_valid_ruc(base + digit)


@pytest.mark.parametrize("ruc", ["2010003059", "201000305951", "30100030595", "2010003059X"])
def test_malformed_rucs(ruc):
    assert not is_valid_ruc(ruc)
    with pytest.raises(ValidationError):
        validate_ruc(ruc)
