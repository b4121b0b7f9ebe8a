"""Bank batches of approved ATFs: CSV and ISO 20022 pain.001.001.03, and `minka atf export`."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from lxml import etree

from minka.contracts.bankfiles import (
    PAIN_001_NAMESPACE,
    amount_text,
    atf_batch_csv,
    atf_batch_pain001,
    latin_text,
)
from minka.contracts.models import Atf, AtfState, Contract, Tranche
from minka.core.errors import DomainError
from minka.programmes.models import LocalOffice
from minka.registry.models import AccountStatus, BankAccount, FinancialInstitution

NS = {"p": PAIN_001_NAMESPACE}
CREATED = datetime.datetime(2025, 3, 1, 15, 30, 12, 345, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english_messages():
    """These tests match the English source of the error messages."""
    with translation.override("en"):
        yield


def _verify(world, account: BankAccount) -> BankAccount:
    account.status = AccountStatus.VERIFIED
    account.verified_by = world.users["officer"]
    account.verified_at = CREATED
    account.save()
    return account


def _atf(
    world,
    number: str,
    amount_minor: int,
    *,
    key: str = "b",
    programme: str = "marenass",
    currency: str = "PEN",
    state: str = AtfState.APPROVED,
    account: BankAccount | None = None,
) -> Atf:
    """An ATF for the first tranche of a new contract of organization `key`."""
    programme_obj = world.programmes[programme]
    office = programme_obj.local_offices.first() or LocalOffice.objects.create(
        programme=programme_obj, name="Sicuani"
    )
    contract = Contract.objects.create(
        code=f"CDC-{number}",
        programme=programme_obj,
        local_office=office,
        organization=world.organizations[key],
        instrument="pdn",
        title="Plan de negocio",
        funding_source=programme_obj.funding_sources.first(),
        currency=currency,
        term_months=12,
        first_tranche_percent=70,
        counterpart_percent_before_first=50,
        accounted_percent_before_second=70,
    )
    tranche = Tranche.objects.create(contract=contract, number=1, amount_minor=amount_minor)
    approved = state in (AtfState.APPROVED, AtfState.EXECUTED)
    return Atf.objects.create(
        number=number,
        contract=contract,
        tranche=tranche,
        amount_minor=amount_minor,
        bank_account=account or _verify(world, world.accounts[key]),
        state=state,
        prepared_by=world.users["officer"],
        approved_by=world.users["manager"] if approved else None,
        approved_at=CREATED if approved else None,
    )


def _pain(atfs, **overrides):
    arguments = {
        "debtor_name": "Programa MARENASS",
        "debtor_iban_or_account": "193-1234567-0-12",
        "debtor_bic": "",
        "message_id": "MARENASS-20250301",
        "created_at": CREATED,
    }
    arguments.update(overrides)
    return etree.fromstring(atf_batch_pain001(atfs, **arguments))


def _children(element) -> list[str]:
    return [etree.QName(child).localname for child in element]


# --- pure helpers -----------------------------------------------------------------------------


def test_amount_text_is_exact_from_minor_units():
    assert amount_text(1, "PEN") == "0.01"
    assert amount_text(1_234_505, "PEN") == "12345.05"
    assert amount_text(123_456_789_012_345_678, "PEN") == "1234567890123456.78"
    assert amount_text(1500, "CLP") == "1500"


def test_latin_text_transliterates_and_truncates():
    assert (
        latin_text("Asociación Ñaña “Warmi” & Cía. Nº 5", 70)
        == "Asociacion Nana 'Warmi' + Cia. No 5"
    )
    assert latin_text("Quechua: Ayllu Ch'uspi — Sumaq_Kawsay!", 70) == (
        "Quechua: Ayllu Ch'uspi - Sumaq-Kawsay"
    )
    assert latin_text("x" * 100, 70) == "x" * 70
    assert latin_text("<script>", 70) == "script"


# --- CSV --------------------------------------------------------------------------------------


def test_csv_batch_rows_and_exact_amounts(world):
    world.accounts["b"].cci = "00221300012345678912"
    world.accounts["b"].save()
    organization = world.organizations["a"]
    organization.name = '=HYPERLINK("http://evil","Asociación A")'
    organization.ruc = "20123456786"
    organization.save()
    atfs = [_atf(world, "ATF-0001", 1_234_505, key="a"), _atf(world, "ATF-0002", 700_000)]

    data = atf_batch_csv(atfs)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel shows the accents
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3 and len(rows[0]) == 10
    first, second = rows[1], rows[2]
    assert first[0] == "ATF-0001" and first[1] == "CDC-ATF-0001"
    assert first[2] == '\'=HYPERLINK("http://evil","Asociación A")'  # neutralised
    assert first[3] == "20123456786"
    assert first[4] == "Caja Municipal Cusco"
    assert first[5] == "000-a"
    assert first[7] == "PEN"
    assert first[8] == "12345.05"
    assert second[6] == "00221300012345678912"
    assert second[8] == "7000.00"
    assert sum(Decimal(row[8]) for row in rows[1:]) == Decimal("19345.05")


def test_csv_accepts_a_queryset(world):
    _atf(world, "ATF-0001", 100)
    data = atf_batch_csv(Atf.objects.filter(state=AtfState.APPROVED))
    assert "ATF-0001" in data.decode("utf-8-sig")


# --- pain.001 ---------------------------------------------------------------------------------


def test_pain001_structure_counts_and_sums(world):
    bcp = FinancialInstitution.objects.create(
        name="Banco de Crédito del Perú", kind="bank", sbs_regulated=True, bic="BCPLPEPL"
    )
    account_a = _verify(
        world,
        BankAccount.objects.create(
            organization=world.organizations["a"],
            institution=bcp,
            number="193-7654321-0-99",
            cci="00219300765432109912",
        ),
    )
    atfs = [
        _atf(world, "ATF-0001", 1_234_505, key="a", account=account_a),
        _atf(world, "ATF-0002", 700_001),
        _atf(world, "ATF-0003", 99),
    ]
    root = _pain(atfs, debtor_bic="BNACPEPL")

    assert etree.QName(root).namespace == PAIN_001_NAMESPACE
    assert root.nsmap == {None: PAIN_001_NAMESPACE}
    assert _children(root) == ["CstmrCdtTrfInitn"]
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert _children(header) == ["MsgId", "CreDtTm", "NbOfTxs", "CtrlSum", "InitgPty"]
    assert header.findtext("p:MsgId", namespaces=NS) == "MARENASS-20250301"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2025-03-01T10:30:12-05:00"  # Lima
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "19346.05"
    assert header.findtext("p:InitgPty/p:Nm", namespaces=NS) == "Programa MARENASS"

    blocks = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert len(blocks) == 1
    block = blocks[0]
    assert _children(block)[:9] == [
        "PmtInfId",
        "PmtMtd",
        "NbOfTxs",
        "CtrlSum",
        "ReqdExctnDt",
        "Dbtr",
        "DbtrAcct",
        "DbtrAgt",
        "CdtTrfTxInf",
    ]
    assert block.findtext("p:PmtInfId", namespaces=NS) == "MARENASS-20250301-PEN"
    assert block.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert block.findtext("p:ReqdExctnDt", namespaces=NS) == "2025-03-01"
    assert block.findtext("p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "1931234567012"
    assert block.findtext("p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "BNACPEPL"

    transactions = block.findall("p:CdtTrfTxInf", NS)
    assert [t.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for t in transactions] == [
        "ATF-0001",
        "ATF-0002",
        "ATF-0003",
    ]
    amounts = [t.find("p:Amt/p:InstdAmt", NS) for t in transactions]
    assert [a.text for a in amounts] == ["12345.05", "7000.01", "0.99"]
    assert {a.get("Ccy") for a in amounts} == {"PEN"}
    assert sum(Decimal(a.text) for a in amounts) == Decimal(
        block.findtext("p:CtrlSum", namespaces=NS)
    )
    assert block.findtext("p:NbOfTxs", namespaces=NS) == "3"

    with_bic, without_bic = transactions[0], transactions[1]
    assert _children(with_bic) == ["PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf"]
    assert with_bic.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "BCPLPEPL"
    assert with_bic.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "00219300765432109912"
    assert with_bic.findtext("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", namespaces=NS) == "CCI"
    assert with_bic.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Asociacion A"
    assert _children(without_bic) == ["PmtId", "Amt", "Cdtr", "CdtrAcct", "RmtInf"]
    assert without_bic.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "000B"
    assert without_bic.find("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm", NS) is None
    remittance = without_bic.findtext("p:RmtInf/p:Ustrd", namespaces=NS)
    assert remittance.startswith("CDC-ATF-0002 ") and remittance.endswith(" 1")


def test_pain001_one_payment_block_per_currency(world):
    usd_account = _verify(
        world,
        BankAccount.objects.create(
            organization=world.organizations["a"],
            institution=world.institutions["caja"],
            number="USD-001",
            currency="USD",
        ),
    )
    atfs = [
        _atf(world, "ATF-0001", 150_000),
        _atf(world, "ATF-0002", 25_050, key="a", currency="USD", account=usd_account),
        _atf(world, "ATF-0003", 50_000),
    ]
    root = _pain(atfs)
    blocks = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    by_currency = {b.find("p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS).get("Ccy"): b for b in blocks}
    assert set(by_currency) == {"PEN", "USD"}
    assert by_currency["PEN"].findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert by_currency["PEN"].findtext("p:CtrlSum", namespaces=NS) == "2000.00"
    assert by_currency["USD"].findtext("p:NbOfTxs", namespaces=NS) == "1"
    assert by_currency["USD"].findtext("p:CtrlSum", namespaces=NS) == "250.50"
    assert by_currency["USD"].findtext("p:PmtInfId", namespaces=NS) == "MARENASS-20250301-USD"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "2250.50"
    # Without a BIC, the debtor's bank is "not provided".
    for block in blocks:
        assert block.findtext("p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS) == "NOTPROVIDED"


def test_pain001_names_in_latin_characters(world):
    organization = world.organizations["b"]
    organization.name = "Asociación de Productores Agropecuarios “Ñawpa Ñan” & Artesanas de Pacucha"
    organization.ruc = "20123456786"
    organization.save()
    root = _pain([_atf(world, "ATF-0001", 100)], debtor_name="Programa Sierra Sur — Perú")
    name = root.findtext(".//p:Cdtr/p:Nm", namespaces=NS)
    assert name == "Asociacion de Productores Agropecuarios 'Nawpa Nan' + Artesanas de Pac"
    assert len(name) == 70
    assert root.findtext(".//p:Dbtr/p:Nm", namespaces=NS) == "Programa Sierra Sur - Peru"
    assert root.findtext(".//p:Cdtr/p:Id/p:OrgId/p:Othr/p:Id", namespaces=NS) == "20123456786"
    assert root.findtext(".//p:Cdtr/p:Id/p:OrgId/p:Othr/p:SchmeNm/p:Cd", namespaces=NS) == "TXID"


def test_pain001_iban_debtor_account(world):
    root = _pain(
        [_atf(world, "ATF-0001", 100)], debtor_iban_or_account="DE89 3704 0044 0532 0130 00"
    )
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE89370400440532013000"
    assert root.find(".//p:DbtrAcct/p:Id/p:Othr", NS) is None


def test_pain001_is_well_formed_utf8_with_declaration(world):
    data = atf_batch_pain001(
        [_atf(world, "ATF-0001", 100)],
        debtor_name="Programa",
        debtor_iban_or_account="123",
        debtor_bic="",
        message_id="M-1",
        created_at=CREATED,
        requested_execution_date=datetime.date(2025, 3, 4),
    )
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.fromstring(data).findtext(".//p:ReqdExctnDt", namespaces=NS) == "2025-03-04"


# --- refusals ---------------------------------------------------------------------------------


def test_empty_batch_is_refused(world):
    with pytest.raises(DomainError, match="no approved ATF"):
        atf_batch_csv([])
    with pytest.raises(DomainError, match="no approved ATF"):
        _pain(Atf.objects.none())


@pytest.mark.parametrize("state", [AtfState.PREPARED, AtfState.CANCELLED])
def test_atf_not_approved_is_refused(world, state):
    atfs = [_atf(world, "ATF-0001", 100), _atf(world, "ATF-0002", 100, state=state)]
    with pytest.raises(DomainError, match="ATF-0002 is .*not approved"):
        atf_batch_csv(atfs)
    with pytest.raises(DomainError, match="ATF-0002"):
        _pain(atfs)


def test_executed_atf_is_refused(world):
    atf = _atf(world, "ATF-0001", 100)
    atf.state = AtfState.EXECUTED  # in memory only: an executed ATF has a journal and reference
    with pytest.raises(DomainError, match="not approved"):
        atf_batch_csv([atf])


def test_mixed_programmes_are_refused(world):
    _verify(world, world.accounts["c"])
    atfs = [
        _atf(world, "ATF-0001", 100),
        _atf(world, "ATF-0002", 100, key="c", programme="corredor"),
    ]
    with pytest.raises(DomainError, match="2 programmes"):
        _pain(atfs)
    with pytest.raises(DomainError, match="2 programmes"):
        atf_batch_csv(atfs)


def test_duplicate_atf_is_refused(world):
    atf = _atf(world, "ATF-0001", 100)
    with pytest.raises(DomainError, match="appears twice"):
        _pain([atf, atf])


def test_accounts_that_may_not_receive_money_are_refused(world):
    atf = _atf(world, "ATF-0001", 100)
    account = atf.bank_account
    account.status = AccountStatus.PENDING
    account.save()
    with pytest.raises(DomainError, match="not verified"):
        atf_batch_csv(Atf.objects.all())
    _verify(world, account)
    account.institution = world.institutions["coop"]
    account.save()
    with pytest.raises(DomainError, match="not regulated by the SBS"):
        atf_batch_csv(Atf.objects.all())


def test_currency_mismatch_is_refused(world):
    atf = _atf(world, "ATF-0001", 100, currency="USD")  # the account is in PEN
    with pytest.raises(DomainError, match="in USD but account 000-b is in PEN"):
        _pain([atf])


def test_bad_debtor_details_are_refused(world):
    atf = _atf(world, "ATF-0001", 100)
    with pytest.raises(DomainError, match="BIC") as excinfo:
        _pain([atf], debtor_bic="NOT A BIC")
    assert excinfo.value.field == "debtor_bic"
    with pytest.raises(DomainError, match="account is required"):
        _pain([atf], debtor_iban_or_account="  ")
    with pytest.raises(DomainError, match="longer than 35"):
        _pain([atf], message_id="M" * 36)
    with pytest.raises(DomainError, match="name is required"):
        _pain([atf], debtor_name="¿¿¿")


# --- the `minka atf export` command -------------------------------------------------------------


def test_command_exports_csv(world, tmp_path):
    _atf(world, "ATF-0001", 1_234_505)
    _atf(world, "ATF-0002", 500, state=AtfState.PREPARED)  # not yet approved: left out
    output = tmp_path / "batch.csv"
    out = io.StringIO()
    call_command(
        "atf",
        "export",
        "--programme",
        "marenass",
        "--format",
        "csv",
        "--output",
        str(output),
        stdout=out,
    )
    text = output.read_bytes().decode("utf-8-sig")
    assert "ATF-0001" in text and "12345.05" in text
    assert "ATF-0002" not in text
    assert "1" in out.getvalue() and str(output) in out.getvalue()


def test_command_exports_xml(world, tmp_path):
    world.programmes["marenass"].institution = "AGRO RURAL"
    world.programmes["marenass"].save()
    _atf(world, "ATF-0001", 1_234_505)
    output = tmp_path / "batch.xml"
    call_command(
        "atf",
        "export",
        "--programme",
        "MARENASS",
        "--format",
        "xml",
        "--output",
        str(output),
        "--debtor-account",
        "00-000-123456",
        "--debtor-bic",
        "BNACPEPL",
        stdout=io.StringIO(),
    )
    root = etree.fromstring(output.read_bytes())
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "12345.05"
    assert root.findtext(".//p:GrpHdr/p:InitgPty/p:Nm", namespaces=NS) == "AGRO RURAL"
    assert root.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS).startswith("MARENASS-")
    assert root.findtext(".//p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == "00000123456"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--programme", "NOPE", "--format", "csv"], "no programme with code"),
        (["--programme", "CORREDOR", "--format", "csv"], "No approved ATF"),
        (["--programme", "MARENASS", "--format", "xml"], "disbursement account"),
    ],
)
def test_command_errors(world, tmp_path, arguments, message):
    _atf(world, "ATF-0001", 100)
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("atf", "export", *arguments, "--output", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_command_reports_domain_errors(world, tmp_path):
    atf = _atf(world, "ATF-0001", 100)
    account = atf.bank_account
    account.status = AccountStatus.REJECTED
    account.save()
    with pytest.raises(CommandError, match="not verified"):
        call_command(
            "atf",
            "export",
            "--programme",
            "MARENASS",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "out.csv"),
        )


def test_a_batch_never_carries_an_atf_twice_unless_asked(world, tmp_path):
    atf = _atf(world, "ATF-0001", 100)
    first = tmp_path / "first.csv"
    call_command(
        "atf",
        "export",
        "--programme",
        "MARENASS",
        "--format",
        "csv",
        "--output",
        str(first),
        stdout=io.StringIO(),
    )
    atf.refresh_from_db()
    assert atf.exported_at is not None and atf.export_batch.startswith("MARENASS-")
    with translation.override("en"), pytest.raises(CommandError, match="No approved ATF"):
        call_command(
            "atf",
            "export",
            "--programme",
            "MARENASS",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "second.csv"),
        )
    again = tmp_path / "again.csv"
    call_command(
        "atf",
        "export",
        "--programme",
        "MARENASS",
        "--format",
        "csv",
        "--output",
        str(again),
        "--again",
        stdout=io.StringIO(),
    )
    assert "ATF-0001" in again.read_text(encoding="utf-8-sig")
