"""The printable contract: its content (checked on the HTML given to WeasyPrint) and the PDF."""

from __future__ import annotations

import datetime
import re
import sys

import pytest
from django.utils import translation

from minka.conftest import weasyprint_or_skip
from minka.contracts import documents
from minka.contracts.documents import (
    amount_in_words,
    contract_pdf,
    contract_pdf_filename,
    number_in_words,
    percent_of,
)
from minka.contracts.models import Addendum, Contract, ContractLine, ContractParty, Tranche
from minka.core.errors import DomainError
from minka.core.money import Money
from minka.registry.models import BoardPosition

D = datetime.date


def contract_html(contract) -> str:
    """The rendered HTML with whitespace (non-breaking spaces too) collapsed, so phrases match
    across line breaks."""
    html = documents.contract_html(contract).replace("&nbsp;", " ")
    return " ".join(html.split())  # str.split() also splits on U+00A0


def _contract(world, *, code="CDC-2025-001", first=70, parties=("b",), instrument="pdn", **extra):
    """A contract of MARENASS with two budget lines: project S/ 10,345.67 + organization
    S/ 2,000.00 = S/ 12,345.67 in total."""
    office = world.offices["andahuaylas"]
    office.head = world.users["officer"]
    office.save()
    world.users["officer"].first_name, world.users["officer"].last_name = "Rosa", "Mamani Ccori"
    world.users["officer"].save()
    programme = world.programmes["marenass"]
    contract = Contract.objects.create(
        code=code,
        programme=programme,
        local_office=office,
        organization=world.organizations[parties[0]],
        instrument=instrument,
        title="Crianza mejorada de cuyes",
        funding_source=programme.funding_sources.get(),
        term_months=extra.pop("term_months", 18),
        first_tranche_percent=first,
        counterpart_percent_before_first=50,
        accounted_percent_before_second=70,
        **extra,
    )
    for index, key in enumerate(parties):
        organization = world.organizations[key]
        treasurer = world.persons[f"spouse_{key}"]
        ContractParty.objects.create(
            contract=contract,
            organization=organization,
            is_lead=index == 0,
            president=world.persons[f"head_{key}"],
            treasurer=treasurer,
        )
    ContractLine.objects.create(
        contract=contract,
        concept="ta",
        description="Asistencia técnica en sanidad de cuyes",
        project_minor=800_000,
        organization_minor=200_000,
    )
    ContractLine.objects.create(
        contract=contract,
        concept="prizes",
        description="Concurso interfamiliar",
        project_minor=234_567,
    )
    return contract


def test_amounts_in_spanish_words():
    assert (
        amount_in_words(Money(1_234_567, "PEN"))
        == "doce mil trescientos cuarenta y cinco con 67/100 soles"
    )
    assert amount_in_words(Money(2_100_000_00, "PEN")) == "dos millones cien mil con 00/100 soles"
    assert number_in_words(21_000) == "veintiún mil"
    assert number_in_words(31_000_001) == "treinta y un millones uno"
    assert number_in_words(101_001) == "ciento un mil uno"
    assert number_in_words(1_000_000) == "un millón"
    assert number_in_words(21, apocope=True) == "veintiún"
    assert number_in_words(0) == "cero"
    assert amount_in_words(Money(150, "USD")) == "uno con 50/100 dólares estadounidenses"
    assert percent_of(1, 3) == "33.33\u00a0%"
    assert percent_of(5, 0) == "0.00\u00a0%"


def test_contract_html_holds_parties_amounts_tranches_signatures_and_annex(world):
    contract = _contract(world)
    html = contract_html(contract)
    president, treasurer = world.persons["head_b"], world.persons["spouse_b"]

    assert "Contrato de Donación con Carga" in html
    assert "CDC-2025-001" in html
    # Parties: the programme by its office head; the organization by president and treasurer.
    assert "Manejo de Recursos Naturales" in html
    assert "Rosa Mamani Ccori" in html
    assert "Asociación B" in html
    assert f"{president.full_name}, identificada con DNI N.° {president.dni}" in html
    assert f"{treasurer.full_name}, identificado con DNI N.° {treasurer.dni}" in html
    # Amounts, percentages and words.
    assert "S/ 12,345.67" in html  # total
    assert "doce mil trescientos cuarenta y cinco con 67/100 soles" in html
    assert "S/ 10,345.67" in html and "83.80 %" in html  # project share
    assert "S/ 2,000.00" in html and "16.20 %" in html  # organization's share
    assert "dieciocho (18) meses" in html
    # Tranches: 70 % of the project share (rounded down), then the balance.
    assert "Hasta el 70 % del aporte de EL PROGRAMA" in html
    assert "S/ 7,241.96" in html and "S/ 3,103.71" in html
    assert "al menos el 50 % de su aporte (S/ 1,000.00)" in html
    assert "al menos el 70 % del primer desembolso (S/ 5,069.38)" in html
    # Obligations and rules from the brief.
    for clause in (
        "supervisada por la Superintendencia de Banca, Seguros y AFP (SBS)",
        "copia de los contratos",
        "mano de obra infantil",
        "informe de avance a medio término",
        "cinco (5) años",
        "se suspenderán todos los desembolsos pendientes",
        "devolverá a EL PROGRAMA los fondos donados que no haya utilizado",
        "La donación se perfecciona solo con el informe de liquidación favorable",
    ):
        assert clause in html, clause
    # Signature lines: one for the programme, president and treasurer of the organization.
    assert html.count('class="signature"') == 3
    assert "Jefe(a) de la Oficina Local de Andahuaylas" in html
    assert "Por Asociación B" in html
    # Annex 1: one row per budget line, with totals.
    annex = html.split("Anexo 1: presupuesto por conceptos")[1]
    assert "Asistencia técnica en sanidad de cuyes" in annex
    assert "S/ 8,000.00" in annex and "S/ 10,000.00" in annex
    assert "Concurso interfamiliar" in annex and "S/ 2,345.67" in annex
    assert "S/ 12,345.67" in annex
    assert "Anexo 2" not in html  # no addenda
    assert "solidariamente" not in html  # a single organization
    # Print CSS: A4 with "Página X de Y" in the footer.
    assert "size: A4" in html
    assert 'content: "Página " counter(page) " de " counter(pages)' in html


def test_recorded_tranches_are_the_schedule(world):
    contract = _contract(world)
    Tranche.objects.create(contract=contract, number=1, amount_minor=700_000)
    Tranche.objects.create(contract=contract, number=2, amount_minor=334_567)
    html = contract_html(contract)
    assert "S/ 7,000.00" in html and "S/ 3,345.67" in html
    assert "67.66 %" in html  # 7,000 of 10,345.67


def test_single_tranche_says_so(world):
    contract = _contract(world, first=100, head_office_authorised=True)
    html = contract_html(contract)
    assert "un único desembolso del 100 %" in html
    assert "con la autorización de la Sede Central" in html
    assert "Segundo" not in html and "el segundo, por el saldo" not in html


def test_pit_with_several_organizations_is_jointly_liable(world):
    contract = _contract(world, parties=("a", "b"), instrument="pit")
    html = contract_html(contract)
    assert "Asociación A" in html and "Asociación B" in html
    assert "responden solidariamente" in html
    assert html.count('class="signature"') == 5  # programme + 2 per organization
    assert "tres (3) ejemplares" in html


def test_signatories_default_to_the_board_in_office_and_blanks(world):
    contract = _contract(world)
    ContractParty.objects.filter(contract=contract).update(president=None, treasurer=None)
    html = contract_html(contract)
    president = world.persons["head_b"]  # the world's board: a president, no treasurer
    assert BoardPosition.objects.filter(organization=world.organizations["b"]).count() == 1
    assert f"presidenta, {president.full_name}" in html
    assert "tesorero(a), ____" in html


def test_addenda_annex(world):
    contract = _contract(world, signed_on=D(2025, 3, 14))
    Addendum.objects.create(
        contract=contract,
        number=1,
        signed_on=D(2025, 9, 1),
        reason="Ampliación por lluvias",
        concept="ta",
        project_delta_minor=50_000,
        term_delta_months=3,
        recorded_by=world.users["manager"],
    )
    html = contract_html(contract)
    annex = html.split("Anexo 2: adendas")[1]
    assert "Ampliación por lluvias" in annex
    assert "+S/ 500.00" in annex and "+3" in annex
    assert "1 de septiembre de 2025" in annex
    assert "el 14 de marzo de 2025" in html  # the signing date in the closing paragraph


def test_contract_is_always_spanish_and_escaped(world):
    contract = _contract(world)
    organization = world.organizations["b"]
    organization.name = "<b>Asociación</b> & Cía"
    organization.save()
    with translation.override("en"):
        html = contract_html(contract)
        assert translation.get_language() == "en"
    assert '<html lang="es">' in html
    assert "Cláusula primera" in html
    assert "&lt;b&gt;Asociación&lt;/b&gt; &amp; Cía" in html
    assert "<b>Asociación</b>" not in html


def test_contract_html_query_count_is_bounded(world, django_assert_max_num_queries):
    contract = _contract(world, parties=("a", "b"), instrument="pit")
    with django_assert_max_num_queries(7):
        contract_html(contract)


def test_amounts_and_percentages_never_break_across_lines(world):
    html = documents.contract_html(_contract(world))
    assert "S/\u00a012,345.67" in html
    assert "83.80\u00a0%" in html
    assert "Hasta el 70\u00a0% del aporte" in html


def test_contract_pdf_renders_a4_pages(world):
    weasyprint_or_skip()
    contract = _contract(world)
    pdf = contract_pdf(contract)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5_000

    document = weasyprint_or_skip().HTML(string=documents.contract_html(contract)).render()
    assert len(document.pages) >= 3  # the contract, then the budget annex on a page of its own
    width, height = document.pages[0].width, document.pages[0].height
    assert (round(width * 25.4 / 96), round(height * 25.4 / 96)) == (210, 297)  # A4 in mm


def test_contract_pdf_without_weasyprint_is_a_clear_error(world, monkeypatch):
    contract = _contract(world)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    with pytest.raises(DomainError, match="WeasyPrint"):
        contract_pdf(contract)


def test_pdf_filename(world):
    contract = _contract(world, code="CDC/2025 001")
    name = contract_pdf_filename(contract)
    assert name == "contrato-cdc2025-001.pdf"
    assert re.fullmatch(r"[a-z0-9.\-]+", name)
