"""The ruleset evaluator: it implements every rule type the standard ruleset uses, and catches
deliberately broken documents. Pure: no database."""

from __future__ import annotations

import datetime

import pytest
from lxml import etree

from minka.portal import iati_rules
from minka.portal.tests.conftest import shared

NOW = datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC)

GOOD = """<iati-activities version="2.03">
 <iati-activity xml:lang="es" default-currency="PEN" last-updated-datetime="2025-05-01T00:00:00Z">
  <iati-identifier>PE-RUC-20131370645-P1</iati-identifier>
  <reporting-org ref="PE-RUC-20131370645" type="10"><narrative>Programa</narrative></reporting-org>
  <title><narrative>Programa</narrative></title>
  <description><narrative>Transferencias</narrative></description>
  <participating-org ref="XM-DAC-41108" role="1"><narrative>IFAD</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2024-01-01"/>
  <activity-date type="2" iso-date="2024-01-01"/>
  <activity-date type="3" iso-date="2030-12-31"/>
  <recipient-country code="PE"/>
  <sector vocabulary="1" code="31120" percentage="60"/>
  <sector vocabulary="1" code="31130" percentage="40"/>
  <budget><period-start iso-date="2025-01-01"/><period-end iso-date="2025-12-31"/>
   <value value-date="2025-01-01">10.00</value></budget>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2025-02-01"/>
   <value value-date="2025-02-01">5.00</value></transaction>
  <result type="1"><title><narrative>R</narrative></title>
   <indicator measure="1"><title><narrative>I</narrative></title>
    <baseline year="2024" value="0"/>
    <period><period-start iso-date="2024-01-01"/><period-end iso-date="2025-05-31"/>
     <actual value="3"/></period></indicator></result>
 </iati-activity>
</iati-activities>"""


def evaluate(xml: str, **options):
    ruleset = iati_rules.load_ruleset(shared("rulesets", "standard.json"))
    evaluator = iati_rules.Evaluator(
        ruleset, now=NOW, org_id_prefixes={"PE-RUC", "XM-DAC"}, **options
    )
    return evaluator.evaluate(etree.fromstring(xml.encode()).getroottree())


def failed(xml: str) -> set[str]:
    return {o.rule_id for o in iati_rules.failures(evaluate(xml))}


def test_every_rule_type_of_the_standard_ruleset_is_implemented():
    ruleset = iati_rules.load_ruleset(shared("rulesets", "standard.json"))
    assert iati_rules.rule_types(ruleset) <= iati_rules.RULES


def test_a_good_document_passes():
    assert failed(GOOD) == set()


@pytest.mark.parametrize(
    ("old", "new", "rule_id"),
    [
        # End date before start date.
        ('type="3" iso-date="2030-12-31"', 'type="3" iso-date="2023-12-31"', "11.1.2"),
        # Sector percentages that do not add up to 100.
        ('percentage="40"', 'percentage="30"', "2.1.2"),
        # A percentage out of range.
        ('percentage="60"', 'percentage="160"', "12.3.1"),
        # A second sector without a percentage.
        ('code="31130" percentage="40"', 'code="31130"', "2.1.1"),
        # The identifier does not start with the reporting organization's.
        (">PE-RUC-20131370645-P1<", ">XX-P1<", "1.1.21"),
        # The identifier equals the reporting organization's.
        (">PE-RUC-20131370645-P1<", ">PE-RUC-20131370645<", "1.1.3"),
        # A forbidden symbol and a space in identifiers.
        (">PE-RUC-20131370645-P1<", ">PE-RUC-20131370645-P1/2<", "1.3.13"),
        (">PE-RUC-20131370645-P1<", "> PE-RUC-20131370645-P1<", "1.3.1"),
        # A reporting organization whose prefix is no registration agency.
        ('ref="PE-RUC-20131370645" type="10"', 'ref="ZZ-ABC-1" type="10"', "1.14.8"),
        # No sector anywhere.
        ('<sector vocabulary="1" code="31120" percentage="60"/>', "", "2.1.4"),
        # A transaction in the future.
        (
            '<transaction-date iso-date="2025-02-01"/>',
            '<transaction-date iso-date="2026-02-01"/>',
            "11.2.1",
        ),
        # The actual start date in the future.
        ('type="2" iso-date="2024-01-01"', 'type="2" iso-date="2025-07-01"', "11.1.4"),
        # A budget longer than a year.
        ('<period-end iso-date="2025-12-31"/>', '<period-end iso-date="2026-06-30"/>', "7.5.3"),
        # No default language and a narrative without one.
        ('xml:lang="es" ', "", "4.1.1"),
        # No default currency and a value without one.
        ('default-currency="PEN" ', "", "7.8.1"),
        # Updated in the future.
        ("2025-05-01T00:00:00Z", "2025-07-01T00:00:00Z", "11.1.1"),
        # A unit indicator's actual without a value; a period ending before it starts.
        ('<actual value="3"/>', "<actual/>", "8.10.1"),
        ('<period-end iso-date="2025-05-31"/>', '<period-end iso-date="2023-05-31"/>', "8.6.1"),
        # A title without narrative text.
        ("<title><narrative>Programa</narrative></title>", "<title><narrative/></title>", "4.3.1"),
        # A participating organization with neither identifier nor name.
        (
            '<participating-org ref="XM-DAC-41108" role="1"><narrative>IFAD</narrative>'
            "</participating-org>",
            '<participating-org role="1"/>',
            "6.10.1",
        ),
    ],
)
def test_broken_documents_are_caught(old, new, rule_id):
    assert old in GOOD
    assert rule_id in failed(GOOD.replace(old, new))


def test_no_sector_at_all_is_caught():
    broken = GOOD.replace('<sector vocabulary="1" code="31120" percentage="60"/>', "")
    broken = broken.replace('<sector vocabulary="1" code="31130" percentage="40"/>', "")
    assert "6.2.2" in failed(broken)


def test_two_default_aid_types_are_caught():
    broken = GOOD.replace(
        "<budget>",
        '<default-aid-type code="C01"/><default-aid-type code="B01" vocabulary="1"/><budget>',
    )
    assert "107.1.2" in failed(broken)


def test_loops_substitute_each_vocabulary():
    broken = GOOD.replace(
        "<budget>",
        "<budget>",
    ).replace(
        '<recipient-country code="PE"/>',
        '<recipient-country code="PE"/>'
        '<recipient-region code="419" vocabulary="1" percentage="70"/>',
    )
    assert "3.4.2" in failed(broken)  # 70 + (no country percentage) ≠ 100


def test_registry_identifiers_are_exempt_from_id_conditions():
    broken = GOOD.replace('ref="PE-RUC-20131370645" type="10"', 'ref="XX/1" type="10"')
    broken = broken.replace(">PE-RUC-20131370645-P1<", ">XX/1-P1<")
    assert "1.14.13" in failed(broken)
    exempt = {o.rule_id for o in iati_rules.failures(evaluate(broken, registry_ids={"XX/1"}))}
    assert "1.14.13" not in exempt


def test_without_agency_prefixes_the_prefix_rule_is_skipped_not_passed():
    ruleset = iati_rules.load_ruleset(shared("rulesets", "standard.json"))
    outcomes = iati_rules.Evaluator(ruleset, now=NOW).evaluate(
        etree.fromstring(GOOD.encode()).getroottree()
    )
    assert {o.status for o in outcomes if o.rule_id == "1.14.8"} == {iati_rules.SKIP}


def test_older_rule_types_and_unknown_ones():
    document = etree.fromstring(b"<r><a><x>1.5</x><x>2.5</x><y>a</y></a></r>").getroottree()

    def run(rule, case):
        return [
            o.status
            for o in iati_rules.Evaluator({"/r/a": {rule: {"cases": [case]}}}, now=NOW).evaluate(
                document
            )
        ]

    assert run("sum", {"paths": ["x"], "sum": 4}) == ["pass"]
    assert run("sum", {"paths": ["x"], "sum": 5}) == ["fail"]
    assert run("dependent", {"paths": ["x", "z"]}) == ["fail"]
    assert run("dependent", {"paths": ["x", "y"]}) == ["pass"]
    assert run("only_one_of", {"paths": ["y"], "excluded": ["z"]}) == ["pass"]
    assert run("only_one_of", {"paths": ["y"], "excluded": ["x"]}) == ["fail"]
    assert run("regex_no_matches", {"paths": ["y"], "regex": "^b"}) == ["pass"]
    assert run("no_percent", {"paths": ["x"]}) == ["pass"]
    assert run("atleast_one", {"paths": ["x"], "condition": "count(y) > 1"}) == ["skip"]
    with pytest.raises(iati_rules.UnsupportedRule):
        run("invented_rule", {"paths": ["x"]})
