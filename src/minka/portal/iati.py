"""IATI 2.03 activity files, built from plain values (no database).

`minka.portal.selectors.iati_publication` reads a programme into the dataclasses below; this
module turns them into XML, in the element order the 2.03 schema requires, and validates a
document against the official XSD. Amounts arrive as integer minor units and leave as decimals
with exactly two places; a negative amount (a released commitment, a refund, a reversal) stays
negative, as IATI allows.

Identifiers: the reporting organization is the programme's executing institution; the programme
is `<reporting-org ref>-<programme code>` (hierarchy 1) and each of its contracts
`<programme identifier>-<contract code>` (hierarchy 2), linked both ways by related-activity.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lxml import etree

from minka.core.money import minor_exponent

IATI_VERSION = "2.03"
# IFAD's IATI organisation identifier: its OECD DAC channel code (41108), as IFAD publishes it.
IFAD_REF = "XM-DAC-41108"
IFAD_NAME = "International Fund for Agricultural Development (IFAD)"
COUNTRY = "PE"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_FILE = "iati-activities-schema.xsd"

# Codelist values used below (IATI 2.03 codelists).
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_EXTENDING, ROLE_IMPLEMENTING = "1", "2", "3", "4"
STATUS_PIPELINE, STATUS_IMPLEMENTATION, STATUS_FINALISATION = "1", "2", "3"
STATUS_CLOSED, STATUS_CANCELLED, STATUS_SUSPENDED = "4", "5", "6"
DATE_PLANNED_START, DATE_ACTUAL_START, DATE_PLANNED_END, DATE_ACTUAL_END = "1", "2", "3", "4"
INCOMING_FUNDS, COMMITMENT, DISBURSEMENT, EXPENDITURE = "1", "2", "3", "4"
RELATED_PARENT, RELATED_CHILD = "1", "2"
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"
RESULT_OUTPUT, RESULT_OUTCOME = "1", "2"
AID_TYPE_PROJECT = "C01"  # project-type interventions

_UNSAFE = re.compile(r"[/&|?\s]+")


def identifier_part(text: str) -> str:
    """A piece of an IATI identifier: no spaces nor the symbols /, &, | and ?."""
    return _UNSAFE.sub("-", text.strip()).strip("-")


def decimal_amount(amount_minor: int, currency: str) -> str:
    """Integer minor units as a decimal string with exactly two places: 123450 → "1234.50"."""
    value = Decimal(amount_minor).scaleb(-minor_exponent(currency))
    return str(value.quantize(Decimal("0.01")))


@dataclass(frozen=True)
class Text:
    """A narrative: its text and, when it differs from the activity's, its language."""

    text: str
    lang: str = ""


@dataclass(frozen=True)
class Org:
    name: Text
    ref: str = ""
    type: str = ""
    role: str = ""
    activity_id: str = ""


@dataclass(frozen=True)
class Location:
    ref: str
    name: Text
    description: Text | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Budget:
    start: datetime.date
    end: datetime.date
    amount_minor: int
    currency: str
    status: str = "2"  # committed
    type: str = "1"  # original


@dataclass(frozen=True)
class Transaction:
    type: str
    date: datetime.date
    amount_minor: int
    currency: str
    description: Text | None = None
    provider: Org | None = None
    receiver: Org | None = None
    ref: str = ""


@dataclass(frozen=True)
class Indicator:
    title: Text
    measure: str
    baseline_year: int
    baseline_value: str
    period_start: datetime.date
    period_end: datetime.date
    actual_value: str
    description: Text | None = None


@dataclass(frozen=True)
class Result:
    type: str
    title: Text
    indicators: Sequence[Indicator]
    description: Text | None = None


@dataclass
class Activity:
    identifier: str
    hierarchy: int
    reporting_org: Org
    title: Text
    description: Text
    status: str
    dates: Sequence[tuple[str, datetime.date]]
    participants: Sequence[Org]
    default_currency: str
    sectors: Sequence[tuple[str, Decimal | None]] = ()
    locations: Sequence[Location] = ()
    budgets: Sequence[Budget] = ()
    transactions: Sequence[Transaction] = ()
    related: Sequence[tuple[str, str]] = ()  # (type, identifier)
    results: Sequence[Result] = ()
    recipient_country: str = COUNTRY


@dataclass
class Publication:
    generated_at: datetime.datetime
    lang: str = "es"
    activities: list[Activity] = field(default_factory=list)


# --- XML ----------------------------------------------------------------------------------------


def _narrative(parent: etree._Element, text: Text) -> None:
    node = etree.SubElement(parent, "narrative")
    node.text = text.text
    if text.lang:
        node.set(XML_LANG, text.lang)


def _texted(parent: etree._Element, tag: str, text: Text, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    _narrative(node, text)
    return node


def _org(parent: etree._Element, tag: str, org: Org, *, role: bool = False) -> None:
    attrs: dict[str, str] = {}
    if org.ref:
        attrs["ref"] = org.ref
    if org.type:
        attrs["type"] = org.type
    if role:
        attrs["role"] = org.role
        if org.activity_id:
            attrs["activity-id"] = org.activity_id
    elif org.activity_id:
        attrs[f"{tag.split('-')[0]}-activity-id"] = org.activity_id
    node = etree.SubElement(parent, tag, attrs)
    if org.name.text:
        _narrative(node, org.name)


def _value(parent: etree._Element, amount_minor: int, currency: str, day: datetime.date) -> None:
    node = etree.SubElement(parent, "value", {"currency": currency, "value-date": day.isoformat()})
    node.text = decimal_amount(amount_minor, currency)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _activity(root: etree._Element, publication: Publication, activity: Activity) -> None:
    node = etree.SubElement(
        root,
        "iati-activity",
        {
            "last-updated-datetime": _iso(publication.generated_at),
            XML_LANG: publication.lang,
            "default-currency": activity.default_currency,
            "hierarchy": str(activity.hierarchy),
        },
    )
    etree.SubElement(node, "iati-identifier").text = activity.identifier
    reporter = activity.reporting_org
    reporting = etree.SubElement(
        node, "reporting-org", {"ref": reporter.ref, "type": reporter.type}
    )
    _narrative(reporting, reporter.name)
    title = etree.SubElement(node, "title")
    _narrative(title, activity.title)
    description = etree.SubElement(node, "description", {"type": "1"})
    _narrative(description, activity.description)
    for org in activity.participants:
        _org(node, "participating-org", org, role=True)
    etree.SubElement(node, "activity-status", {"code": activity.status})
    for kind, day in activity.dates:
        etree.SubElement(node, "activity-date", {"type": kind, "iso-date": day.isoformat()})
    etree.SubElement(node, "recipient-country", {"code": activity.recipient_country})
    for location in activity.locations:
        place = etree.SubElement(node, "location", {"ref": location.ref})
        _texted(place, "name", location.name)
        if location.description is not None:
            _texted(place, "description", location.description)
        if location.latitude is not None and location.longitude is not None:
            point = etree.SubElement(
                place, "point", {"srsName": "http://www.opengis.net/def/crs/EPSG/0/4326"}
            )
            etree.SubElement(
                point, "pos"
            ).text = f"{location.latitude:.6f} {location.longitude:.6f}"
            etree.SubElement(place, "exactness", {"code": "2"})  # approximate
        etree.SubElement(place, "location-class", {"code": "1"})  # administrative region
        etree.SubElement(place, "feature-designation", {"code": "ADM3"})
    for code, percentage in activity.sectors:
        attrs = {"vocabulary": "1", "code": code}
        if percentage is not None:
            attrs["percentage"] = str(percentage)
        etree.SubElement(node, "sector", attrs)
    etree.SubElement(node, "default-aid-type", {"code": AID_TYPE_PROJECT, "vocabulary": "1"})
    for budget in activity.budgets:
        item = etree.SubElement(node, "budget", {"type": budget.type, "status": budget.status})
        etree.SubElement(item, "period-start", {"iso-date": budget.start.isoformat()})
        etree.SubElement(item, "period-end", {"iso-date": budget.end.isoformat()})
        _value(item, budget.amount_minor, budget.currency, budget.start)
    for transaction in activity.transactions:
        item = etree.SubElement(
            node, "transaction", {"ref": transaction.ref} if transaction.ref else {}
        )
        etree.SubElement(item, "transaction-type", {"code": transaction.type})
        etree.SubElement(item, "transaction-date", {"iso-date": transaction.date.isoformat()})
        _value(item, transaction.amount_minor, transaction.currency, transaction.date)
        if transaction.description is not None:
            _texted(item, "description", transaction.description)
        if transaction.provider is not None:
            _org(item, "provider-org", transaction.provider)
        if transaction.receiver is not None:
            _org(item, "receiver-org", transaction.receiver)
    for kind, ref in activity.related:
        etree.SubElement(node, "related-activity", {"ref": ref, "type": kind})
    for result in activity.results:
        item = etree.SubElement(node, "result", {"type": result.type})
        _texted(item, "title", result.title)
        if result.description is not None:
            _texted(item, "description", result.description)
        for indicator in result.indicators:
            ind = etree.SubElement(item, "indicator", {"measure": indicator.measure})
            _texted(ind, "title", indicator.title)
            if indicator.description is not None:
                _texted(ind, "description", indicator.description)
            etree.SubElement(
                ind,
                "baseline",
                {"year": str(indicator.baseline_year), "value": indicator.baseline_value},
            )
            period = etree.SubElement(ind, "period")
            etree.SubElement(
                period, "period-start", {"iso-date": indicator.period_start.isoformat()}
            )
            etree.SubElement(period, "period-end", {"iso-date": indicator.period_end.isoformat()})
            etree.SubElement(period, "actual", {"value": indicator.actual_value})


def build_activities(publication: Publication) -> etree._ElementTree:
    """The <iati-activities> document of a publication."""
    root = etree.Element(
        "iati-activities",
        {"version": IATI_VERSION, "generated-datetime": _iso(publication.generated_at)},
    )
    for activity in publication.activities:
        _activity(root, publication, activity)
    return etree.ElementTree(root)


def to_bytes(document: etree._ElementTree) -> bytes:
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- schema ------------------------------------------------------------------------------------


def load_schema(schema_dir: Path) -> etree.XMLSchema:
    """The official IATI activities schema, read with its sibling files (iati-common.xsd,
    xml.xsd) from one folder."""
    return etree.XMLSchema(etree.parse(str(schema_dir / SCHEMA_FILE)))


def schema_errors(document: etree._ElementTree, schema: etree.XMLSchema) -> list[str]:
    """Every schema violation, one line each (empty when the document is valid)."""
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def split_percentages(weights: Iterable[tuple[str, int]]) -> list[tuple[str, Decimal]]:
    """Percentages with two decimals that add up to exactly 100, in proportion to positive
    weights (largest remainder; ties to the larger weight, then the first)."""
    positive = [(key, weight) for key, weight in weights if weight > 0]
    whole = sum(weight for _key, weight in positive)
    if not whole:
        return []
    hundredths: dict[str, int] = {}
    order: list[tuple[int, int, int, str]] = []
    for index, (key, weight) in enumerate(positive):
        quotient, remainder = divmod(10_000 * weight, whole)
        hundredths[key] = quotient
        order.append((-remainder, -weight, index, key))
    left = 10_000 - sum(hundredths.values())
    for *_rank, key in sorted(order)[:left]:
        hundredths[key] += 1
    return [(key, Decimal(value).scaleb(-2)) for key, value in hundredths.items() if value]
