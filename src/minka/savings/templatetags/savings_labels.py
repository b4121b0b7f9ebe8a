"""`{% qu "Loan" %}`: the Quechua gloss of a label on the treasurer's screens (see labels.py)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from minka.savings.labels import gloss

register = template.Library()


@register.simple_tag
def qu(english_label: str) -> str:
    text = gloss(english_label)
    if not text:
        return ""
    return format_html('<span class="qu" lang="qu">{}</span>', text)


@register.filter
def percent(value) -> str:
    """A Decimal percentage with one decimal, or a dash."""
    if value is None:
        return "—"
    return f"{value} %"


@register.filter
def usd(pen_minor, report):
    """Soles in minor units as dollars in minor units, at the report's recorded rate."""
    return report.usd(int(pen_minor or 0))
