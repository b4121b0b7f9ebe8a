from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.core.money import Money

amounts = st.integers(min_value=-(10**15), max_value=10**15)


def test_from_decimal_is_exact():
    assert Money.from_decimal("1234.50", "PEN") == Money(123450, "PEN")
    assert Money.from_decimal("1,234.5", "USD") == Money(123450, "USD")
    assert Money.from_decimal(Decimal("0.01"), "PEN") == Money(1, "PEN")


@pytest.mark.parametrize("value", ["0.001", "abc", "NaN", "Infinity", ""])
def test_from_decimal_refuses_what_is_not_an_amount(value):
    with pytest.raises(ValueError):
        Money.from_decimal(value, "PEN")


def test_floats_and_mixed_currencies_are_refused():
    with pytest.raises(TypeError):
        Money(1.5, "PEN")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(1, "PEN") + Money(1, "USD")
    with pytest.raises(ValueError):
        Money(1, "pen")


def test_format():
    assert Money(1350000000, "PEN").format() == "S/ 13,500,000.00"
    assert Money(-5, "USD").format() == "US$ -0.05"


@given(amounts, amounts)
def test_addition_and_subtraction_round_trip(a, b):
    x, y = Money(a, "PEN"), Money(b, "PEN")
    assert (x + y) - y == x
    assert x + (-x) == Money.zero("PEN")


@given(amounts)
def test_decimal_round_trip(a):
    money = Money(a, "USD")
    assert Money.from_decimal(money.to_decimal(), "USD") == money


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=100))
def test_percent_splits_never_exceed_the_whole(amount, percent):
    whole = Money(amount, "PEN")
    share = whole.percent(percent)
    rest = whole - share
    assert share.amount_minor >= 0 and rest.amount_minor >= 0
    assert share + rest == whole
