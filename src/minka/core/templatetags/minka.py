from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def cell(value: Any) -> Any:
    """How a value reads in a table cell: dashes for blanks, yes/no, localised numbers."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, float):
        return number_format(value, decimal_pos=2)
    return value


@register.filter
def money(amount_minor: Any, currency: str = "PEN") -> str:
    """Integer minor units shown as money: 123450|money:"PEN" → S/ 1,234.50."""
    from minka.core.money import Money

    if amount_minor is None or amount_minor == "":
        return "—"
    return Money(int(amount_minor), currency).format()


@register.filter
def points(centi: Any) -> str:
    """Hundredths of a point shown as points: 7350|points → 73.50."""
    if centi is None or centi == "":
        return "—"
    return f"{int(centi) / 100:.2f}"
