"""Money as integer minor units plus an ISO 4217 currency code.

Stored money is never a float nor a DecimalField (SQLite keeps decimals as floats). Conversions
from user input go through Decimal and refuse anything finer than the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents for the currencies the programmes use; others default to 2.
MINOR_UNITS: dict[str, int] = {"PEN": 2, "USD": 2, "EUR": 2, "BOB": 2, "NIO": 2, "GTQ": 2, "CLP": 0}
CURRENCY_CHOICES = [(code, code) for code in sorted(MINOR_UNITS)]
CURRENCY_SYMBOLS = {"PEN": "S/", "USD": "US$", "EUR": "€", "CLP": "CLP$"}


def minor_exponent(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("Money amounts are integers in minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"Not an ISO 4217 code: {self.currency!r}")

    @classmethod
    def from_decimal(cls, value: Decimal | str | int, currency: str) -> Money:
        """Convert a major-unit amount ("1234.50") exactly; refuse sub-minor precision."""
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"Not an amount: {value!r}") from exc
        if not amount.is_finite():
            raise ValueError(f"Not an amount: {value!r}")
        scaled = amount.scaleb(minor_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-minor_exponent(self.currency))

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money only combines with Money")
        if other.currency != self.currency:
            raise ValueError(f"Currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount_minor < other.amount_minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount_minor <= other.amount_minor

    def percent(self, percent: Decimal | int) -> Money:
        """Share of this amount, rounded half-even to the minor unit."""
        share = (Decimal(self.amount_minor) * Decimal(percent) / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_EVEN
        )
        return Money(int(share), self.currency)

    def format(self) -> str:
        symbol = CURRENCY_SYMBOLS.get(self.currency, self.currency)
        exponent = minor_exponent(self.currency)
        return f"{symbol} {self.to_decimal():,.{exponent}f}"

    def __str__(self) -> str:
        return self.format()
