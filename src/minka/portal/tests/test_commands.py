"""`minka export iati`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from minka.portal.tests.conftest import PUBLISHER_REF, shared

pytestmark = pytest.mark.django_db


def test_export_iati_writes_a_valid_file(in_motion, tmp_path):
    output = tmp_path / "marenass.xml"
    call_command(
        "export",
        "iati",
        "--programme",
        "marenass",
        "--output",
        str(output),
        "--schema-dir",
        str(shared("schema-2.03")),
        "--ruleset",
        str(shared("rulesets", "standard.json")),
        "--codelists",
        str(shared("codelists")),
    )
    document = etree.parse(str(output))
    assert document.xpath("//iati-activity[@hierarchy='1']/iati-identifier/text()") == [
        f"{PUBLISHER_REF}-MARENASS"
    ]
    assert len(document.xpath("//iati-activity")) == 4


def test_export_iati_of_every_publishing_programme(in_motion, tmp_path):
    output = tmp_path / "all.xml"
    call_command("export", "iati", "--output", str(output))
    assert etree.parse(str(output)).xpath("count(//iati-activity)") == 4


def test_export_iati_refuses_unknown_or_unpublished_programmes(in_motion, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("export", "iati", "--programme", "NOPE", "--output", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="IATI"):
        call_command("export", "iati", "--programme", "CORREDOR", "--output", str(tmp_path / "x"))
