"""The IATI export of a realistic programme: valid against the official XSD and passing every
rule of the IATI Standard Ruleset; figures that match the ledger."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.core.errors import DomainError
from minka.portal import iati, iati_rules, selectors
from minka.portal.tests.conftest import ORGANIZATION_RUC, PUBLISHER_REF, shared

pytestmark = pytest.mark.django_db


def export(world):
    publication = selectors.iati_publication([world.programmes["marenass"]])
    return iati.build_activities(publication)


def evaluator():
    return iati_rules.Evaluator(
        iati_rules.load_ruleset(shared("rulesets", "standard.json")),
        org_id_prefixes=iati_rules.org_id_prefixes_from_codelist(
            shared("codelists", "OrganisationRegistrationAgency.xml")
        ),
    )


def test_export_is_valid_against_the_official_schema(in_motion):
    schema = iati.load_schema(shared("schema-2.03"))
    document = export(in_motion)
    assert iati.schema_errors(document, schema) == []
    # What is served is what was validated.
    reparsed = iati.etree.fromstring(iati.to_bytes(document))
    assert schema.validate(reparsed)


def test_export_passes_every_rule_of_the_standard_ruleset(in_motion):
    outcomes = evaluator().evaluate(export(in_motion))
    assert [str(o) for o in iati_rules.failures(outcomes)] == []
    checked = {o.rule_id for o in outcomes if o.status == iati_rules.PASS}
    # The rules that matter for this file really ran (not skipped).
    assert {"1.1.3", "1.1.21", "1.14.8", "6.11.1", "6.2.2", "4.1.1", "7.8.1", "11.1.2"} <= checked
    assert {"11.2.1", "11.2.2", "2.1.2", "7.5.3", "8.6.1", "8.8.1", "8.10.1"} <= checked


def test_programme_is_the_parent_of_its_contracts(in_motion):
    document = export(in_motion)
    parent_id = f"{PUBLISHER_REF}-MARENASS"
    parent = document.xpath("//iati-activity[@hierarchy='1']")
    assert [a.findtext("iati-identifier") for a in parent] == [parent_id]
    children = document.xpath("//iati-activity[@hierarchy='2']")
    child_ids = {a.findtext("iati-identifier") for a in children}
    assert len(children) == 3
    assert all(i.startswith(parent_id + "-") and "MARENASS-MARENASS" not in i for i in child_ids)
    assert set(parent[0].xpath("related-activity[@type='2']/@ref")) == child_ids
    for child in children:
        assert child.xpath("related-activity[@type='1']/@ref") == [parent_id]


def test_transactions_come_from_the_ledger_with_two_decimals(in_motion):
    document = export(in_motion)
    contracts = in_motion.contracts
    paid = [
        a
        for a in document.xpath("//iati-activity[@hierarchy='2']")
        if a.findtext("title/narrative").startswith(contracts["paid"].code)
    ][0]
    by_type = {
        code: [v.text for v in paid.xpath(f"transaction[transaction-type/@code='{code}']/value")]
        for code in ("1", "2", "3", "4")
    }
    assert by_type == {"1": [], "2": ["10000.00"], "3": ["7000.00"], "4": ["5000.00"]}
    assert paid.xpath("transaction/value/@currency") == ["PEN"] * 3
    assert paid.xpath("activity-status/@code") == ["2"]
    # The organization is implementing, by name and RUC; the money goes to it.
    assert paid.xpath("participating-org[@role='4']/@ref") == [f"PE-RUC-{ORGANIZATION_RUC}"]
    assert set(paid.xpath("transaction/receiver-org/@ref")) == {f"PE-RUC-{ORGANIZATION_RUC}"}

    cancelled = [
        a
        for a in document.xpath("//iati-activity[@hierarchy='2']")
        if a.findtext("title/narrative").startswith(contracts["cancelled"].code)
    ][0]
    assert cancelled.xpath("activity-status/@code") == ["5"]
    assert [v.text for v in cancelled.xpath("transaction/value")] == ["3000.00", "-3000.00"]

    programme = document.xpath("//iati-activity[@hierarchy='1']")[0]
    incoming = programme.xpath("transaction[transaction-type/@code='1']")
    assert [t.findtext("value") for t in incoming] == ["375000.00"]
    assert incoming[0].xpath("provider-org/@ref") == [iati.IFAD_REF]
    assert programme.xpath("participating-org[@role='1']/@ref") == [iati.IFAD_REF]
    assert programme.xpath("budget/value/text()") == ["375000.00"]
    for value in document.xpath("//value/text() | //actual/@value[contains(., '.')]"):
        assert re.fullmatch(r"-?\d+\.\d{1,2}", value)
    for value in document.xpath("//value/text()"):
        assert re.fullmatch(r"-?\d+\.\d{2}", value)


def test_sectors_locations_and_results(in_motion):
    programme = export(in_motion).xpath("//iati-activity[@hierarchy='1']")[0]
    sectors = {s.get("code"): Decimal(s.get("percentage")) for s in programme.xpath("sector")}
    # PDN 10,000 (31120) and PGRN 20,000 (31130) committed; the cancelled one released.
    assert sectors == {"31120": Decimal("33.33"), "31130": Decimal("66.67")}
    assert programme.xpath("location/@ref") == ["PE-UBIGEO-030201"]
    assert programme.xpath("location/point/pos/text()") == ["-13.655600 -73.387200"]
    actual = {
        i.findtext("title/narrative"): i.xpath("period/actual/@value")[0]
        for i in programme.xpath("result/indicator")
    }
    assert actual["Organizations funded"] == "1"
    assert actual["Households reached"] == "1"
    assert actual["Money transferred to organizations (PEN)"] == "7000.00"


def test_a_programme_without_publisher_is_refused(funded):
    with pytest.raises(DomainError):
        selectors.iati_publication([funded.programmes["corredor"]])


def test_no_personal_data_in_the_iati_file(in_motion):
    from minka.registry.models import Person

    text = iati.to_bytes(export(in_motion)).decode()
    for dni, person in ((p.dni, p) for p in Person.objects.all()):
        assert dni not in text
        assert person.full_name not in text


def test_decimal_amounts_have_exactly_two_places():
    assert iati.decimal_amount(123450, "PEN") == "1234.50"
    assert iati.decimal_amount(-5, "USD") == "-0.05"
    assert iati.decimal_amount(0, "PEN") == "0.00"
    assert iati.decimal_amount(1500, "CLP") == "1500.00"


def test_identifier_parts_lose_forbidden_symbols():
    assert iati.identifier_part(" A/B&C|D?E F ") == "A-B-C-D-E-F"


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=8))
def test_percentages_always_add_up_to_100(weights):
    split = iati.split_percentages([(str(i), w) for i, w in enumerate(weights)])
    if any(weights):
        assert sum(p for _k, p in split) == Decimal("100.00")
        assert all(Decimal(0) < p <= 100 and p == p.quantize(Decimal("0.01")) for _k, p in split)
    else:
        assert split == []


def test_schema_catches_two_reporting_orgs(in_motion):
    schema = iati.load_schema(shared("schema-2.03"))
    document = export(in_motion)
    activity = document.xpath("//iati-activity")[0]
    activity.insert(2, iati.etree.fromstring('<reporting-org ref="XM-DAC-41108" type="40"/>'))
    errors = iati.schema_errors(document, schema)
    assert errors and "reporting-org" in errors[0]


def test_generated_times_are_never_in_the_future(in_motion):
    now = datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC)
    publication = selectors.iati_publication([in_motion.programmes["marenass"]], now=now)
    document = iati.build_activities(publication)
    assert document.getroot().get("generated-datetime") == "2025-06-01T12:00:00Z"
    outcomes = iati_rules.Evaluator(
        iati_rules.load_ruleset(shared("rulesets", "standard.json")), now=now
    ).evaluate(document)
    assert iati_rules.failures(outcomes) == []
