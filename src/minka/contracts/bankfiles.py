"""Bank batches of approved ATFs: a CSV for banks that take spreadsheets and an ISO 20022
`pain.001.001.03` customer credit-transfer initiation for banks that take XML.

Only ATFs in state *approved* (prepared by one person, approved by another, not yet executed)
are exported, all of one programme, each to a verified account at an SBS-regulated institution
in the ATF's currency. Amounts are written from integer minor units, never through floats.
Exporting changes nothing: an ATF stays approved until it is executed with the bank's reference.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from minka.contracts.models import Atf, AtfState
from minka.core.errors import DomainError
from minka.core.money import minor_exponent
from minka.core.tabular import write_csv
from minka.registry.models import AccountStatus

PAIN_001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
NOT_PROVIDED = "NOTPROVIDED"
MAX_ID = 35  # Max35Text: MsgId, PmtInfId, EndToEndId
MAX_NAME = 70  # Max70Text: names
MAX_REMITTANCE = 140  # Max140Text: unstructured remittance information
MAX_ACCOUNT = 34  # Max34Text: account identification

# The character set every bank accepts in ISO 20022 files (the "Latin" set of the EPC rules).
_LATIN_DISALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_TRANSLITERATE = str.maketrans(
    {
        "&": "+",
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Ø": "O",
        "ø": "o",
        "Ð": "D",
        "ð": "d",
        "Ł": "L",
        "ł": "l",
        "“": "'",
        "”": "'",
        "‘": "'",
        "’": "'",
        "«": "'",
        "»": "'",
        '"': "'",
        "–": "-",
        "—": "-",
        "_": "-",
        "°": "o",
        "º": "o",
        "ª": "a",
        "\t": " ",
        "\n": " ",
        "\r": " ",
    }
)
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")


def latin_text(value: str, max_length: int) -> str:
    """`value` in the ISO 20022 Latin character set: accents transliterated ("Ñuñoa" becomes
    "Nunoa"), other characters dropped, spaces collapsed, cut to `max_length`."""
    decomposed = unicodedata.normalize("NFKD", str(value).translate(_TRANSLITERATE))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = _LATIN_DISALLOWED.sub("", ascii_text)
    return " ".join(cleaned.split())[:max_length].rstrip()


def account_id(value: str) -> str:
    """An account number as banks read it in a file: letters and digits only, upper case
    ("193-1234567-0-12" becomes "1931234567012", "de89 3704..." becomes "DE893704...")."""
    return re.sub(r"[^A-Z0-9]", "", latin_text(value, 200).upper())


def _is_iban(value: str) -> bool:
    if not _IBAN.match(value):
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def amount_text(amount_minor: int, currency: str) -> str:
    """Integer minor units as a decimal with the currency's digits: 1234505 PEN -> "12345.05"."""
    exponent = minor_exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    units, fraction = divmod(abs(amount_minor), 10**exponent)
    return f"{sign}{units}.{fraction:0{exponent}d}" if exponent else f"{sign}{units}"


@dataclass(frozen=True)
class Payment:
    """One ATF as the bank sees it."""

    atf_number: str
    contract_code: str
    programme_id: int
    tranche_number: int
    organization_name: str
    organization_ruc: str
    institution: str
    institution_bic: str
    account_number: str
    cci: str
    currency: str
    amount_minor: int

    @property
    def creditor_account(self) -> str:
        return self.cci or self.account_number

    @property
    def remittance(self) -> str:
        return _("%(contract)s tranche %(number)d") % {
            "contract": self.contract_code,
            "number": self.tranche_number,
        }


# What a batch reads of each ATF: select these to export a queryset in one query.
BATCH_RELATED = ("contract", "tranche", "bank_account__institution", "bank_account__organization")


def _load(atfs: Iterable[Atf]) -> list[Atf]:
    if isinstance(atfs, QuerySet):
        return list(atfs.select_related(*BATCH_RELATED))
    return list(atfs)


def batch_payments(atfs: Iterable[Atf]) -> list[Payment]:
    """The ATFs of one bank batch, checked: refuses an empty batch, an ATF twice, an ATF that is
    not approved, ATFs of several programmes and accounts that may not receive programme money.
    Every problem found is named in one error."""
    loaded = _load(atfs)
    if not loaded:
        raise DomainError(_("There is no approved ATF to export."), code="empty_batch")
    problems: list[str] = []
    seen: set[str] = set()
    for atf in loaded:
        if atf.number in seen:
            problems.append(_("ATF %(number)s appears twice.") % {"number": atf.number})
        seen.add(atf.number)
        if atf.state != AtfState.APPROVED:
            problems.append(
                _("ATF %(number)s is %(state)s, not approved.")
                % {"number": atf.number, "state": atf.get_state_display().lower()}
            )
        account = atf.bank_account
        if account.status != AccountStatus.VERIFIED:
            problems.append(
                _("ATF %(number)s: account %(account)s is not verified.")
                % {"number": atf.number, "account": account.number}
            )
        if not account.institution.sbs_regulated:
            problems.append(
                _("ATF %(number)s: %(institution)s is not regulated by the SBS.")
                % {"number": atf.number, "institution": account.institution.name}
            )
        if account.currency != atf.contract.currency:
            problems.append(
                _(
                    "ATF %(number)s is in %(currency)s but account %(account)s is in "
                    "%(account_currency)s."
                )
                % {
                    "number": atf.number,
                    "currency": atf.contract.currency,
                    "account": account.number,
                    "account_currency": account.currency,
                }
            )
    programmes = {atf.contract.programme_id for atf in loaded}
    if len(programmes) > 1:
        problems.append(
            _("The ATFs belong to %(count)d programmes; a bank batch is for one programme.")
            % {"count": len(programmes)}
        )
    if problems:
        raise DomainError(" ".join(problems), code="invalid_batch")
    return [
        Payment(
            atf_number=atf.number,
            contract_code=atf.contract.code,
            programme_id=atf.contract.programme_id,
            tranche_number=atf.tranche.number,
            organization_name=atf.bank_account.organization.name,
            organization_ruc=atf.bank_account.organization.ruc or "",
            institution=atf.bank_account.institution.name,
            institution_bic=atf.bank_account.institution.bic.strip().upper(),
            account_number=atf.bank_account.number,
            cci=atf.bank_account.cci,
            currency=atf.contract.currency,
            amount_minor=atf.amount_minor,
        )
        for atf in loaded
    ]


# --- CSV --------------------------------------------------------------------------------------


def atf_batch_csv(atfs: Iterable[Atf]) -> bytes:
    """The batch as CSV (UTF-8 with BOM, formula injection neutralised), one row per ATF."""
    payments = batch_payments(atfs)
    columns = [
        ("atf", _("ATF number")),
        ("contract", _("Contract code")),
        ("organization", _("Organization")),
        ("ruc", _("Organization RUC")),
        ("institution", _("Financial institution")),
        ("account", _("Account number")),
        ("cci", _("CCI")),
        ("currency", _("Currency")),
        ("amount", _("Amount")),
        ("remittance", _("Concept")),
    ]
    rows = [
        {
            "atf": p.atf_number,
            "contract": p.contract_code,
            "organization": p.organization_name,
            "ruc": p.organization_ruc,
            "institution": p.institution,
            "account": p.account_number,
            "cci": p.cci,
            "currency": p.currency,
            # A string, not a number: exact digits, and write_csv leaves "1234.50" as written.
            "amount": amount_text(p.amount_minor, p.currency),
            "remittance": p.remittance,
        }
        for p in payments
    ]
    return write_csv(rows, columns)


# --- ISO 20022 pain.001.001.03 --------------------------------------------------------------


def _identifier(value: str, label: str) -> str:
    text = latin_text(value, 10_000)
    if not text:
        raise DomainError(
            _("The %(label)s is empty or has no usable characters.") % {"label": label},
            code="invalid_batch",
        )
    if len(text) > MAX_ID:
        raise DomainError(
            _("The %(label)s “%(value)s” is longer than %(max)d characters.")
            % {"label": label, "value": value, "max": MAX_ID},
            code="invalid_batch",
        )
    return text


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PAIN_001_NAMESPACE}}}{tag}", attrib)
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, *tags: str, text: str) -> etree._Element:
    """Nested elements a/b/c with `text` in the innermost."""
    for tag in tags[:-1]:
        parent = _sub(parent, tag)
    return _sub(parent, tags[-1], text)


def _control_sum(payments: list[Payment]) -> str:
    """The plain sum of the amounts, exactly, with as many decimals as the widest currency."""
    exponent = max(minor_exponent(p.currency) for p in payments)
    total = sum(p.amount_minor * 10 ** (exponent - minor_exponent(p.currency)) for p in payments)
    units, fraction = divmod(total, 10**exponent)
    return f"{units}.{fraction:0{exponent}d}" if exponent else str(units)


def _bic(value: str, *, owner: str, field: str | None = None) -> str:
    bic = value.strip().upper()
    if bic and not _BIC.match(bic):
        raise DomainError(
            _("The BIC of %(owner)s, “%(bic)s”, is not valid (8 or 11 letters and digits).")
            % {"owner": owner, "bic": value},
            field=field,
            code="invalid_bic",
        )
    return bic


def _agent(parent: etree._Element, tag: str, bic: str) -> None:
    institution = _sub(_sub(parent, tag), "FinInstnId")
    if bic:
        _sub(institution, "BIC", bic)
    else:
        _path(institution, "Othr", "Id", text=NOT_PROVIDED)


def atf_batch_pain001(
    atfs: Iterable[Atf],
    *,
    debtor_name: str,
    debtor_iban_or_account: str,
    debtor_bic: str,
    message_id: str,
    created_at: dt.datetime,
    requested_execution_date: dt.date | None = None,
) -> bytes:
    """The batch as an ISO 20022 `pain.001.001.03` credit-transfer initiation (UTF-8 XML), one
    payment information block per currency, one transaction per ATF with the ATF number as its
    end-to-end id. Elements follow the order of the standard's XSD sequences.

    `debtor_iban_or_account` is written as an IBAN when it is a valid one, otherwise as the
    programme's account number (Othr/Id). Without a `debtor_bic` the debtor's bank is
    "NOTPROVIDED". The execution date defaults to the creation date (local time)."""
    payments = batch_payments(atfs)
    debtor = latin_text(debtor_name, MAX_NAME)
    if not debtor:
        raise DomainError(_("The debtor's name is required."), field="debtor_name")
    debtor_account = account_id(debtor_iban_or_account or "")
    if not debtor_account:
        raise DomainError(_("The debtor's account is required."), field="debtor_account")
    if len(debtor_account) > MAX_ACCOUNT:
        raise DomainError(
            _("“%(account)s” is not a valid account number (at most %(max)d letters and digits).")
            % {"account": debtor_iban_or_account, "max": MAX_ACCOUNT},
            field="debtor_account",
        )
    bic = _bic(debtor_bic or "", owner=_("the debtor"), field="debtor_bic")
    msg_id = _identifier(message_id, _("message id"))
    for payment in payments:
        _identifier(payment.atf_number, _("ATF number"))
    if timezone.is_aware(created_at):
        created_at = timezone.localtime(created_at)
    execution_date = requested_execution_date or created_at.date()
    creditor_bics = {p.atf_number: _bic(p.institution_bic, owner=p.institution) for p in payments}
    for payment in payments:
        if not 0 < len(account_id(payment.creditor_account)) <= MAX_ACCOUNT:
            raise DomainError(
                _("ATF %(number)s: the account number “%(account)s” cannot be written in a file.")
                % {"number": payment.atf_number, "account": payment.creditor_account},
                code="invalid_batch",
            )

    by_currency: dict[str, list[Payment]] = {}
    for payment in payments:
        by_currency.setdefault(payment.currency, []).append(payment)

    root = etree.Element(f"{{{PAIN_001_NAMESPACE}}}Document", nsmap={None: PAIN_001_NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", msg_id)
    _sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(payments)))
    _sub(header, "CtrlSum", _control_sum(payments))
    _path(header, "InitgPty", "Nm", text=debtor)

    for currency, group in by_currency.items():
        block = _sub(initiation, "PmtInf")
        _sub(block, "PmtInfId", f"{msg_id[: MAX_ID - 4]}-{currency}")
        _sub(block, "PmtMtd", "TRF")
        _sub(block, "NbOfTxs", str(len(group)))
        _sub(block, "CtrlSum", _control_sum(group))
        _sub(block, "ReqdExctnDt", execution_date.isoformat())
        _path(block, "Dbtr", "Nm", text=debtor)
        debtor_account_id = _sub(_sub(block, "DbtrAcct"), "Id")
        if _is_iban(debtor_account):
            _sub(debtor_account_id, "IBAN", debtor_account)
        else:
            _path(debtor_account_id, "Othr", "Id", text=debtor_account)
        _agent(block, "DbtrAgt", bic)
        for payment in group:
            transaction = _sub(block, "CdtTrfTxInf")
            end_to_end = _identifier(payment.atf_number, _("ATF number"))
            _path(transaction, "PmtId", "EndToEndId", text=end_to_end)
            _sub(
                _sub(transaction, "Amt"),
                "InstdAmt",
                amount_text(payment.amount_minor, payment.currency),
                Ccy=payment.currency,
            )
            if creditor_bics[payment.atf_number]:
                _agent(transaction, "CdtrAgt", creditor_bics[payment.atf_number])
            creditor = _sub(transaction, "Cdtr")
            _sub(creditor, "Nm", latin_text(payment.organization_name, MAX_NAME) or NOT_PROVIDED)
            if payment.organization_ruc:
                other = _sub(_sub(_sub(creditor, "Id"), "OrgId"), "Othr")
                _sub(other, "Id", payment.organization_ruc)
                _path(other, "SchmeNm", "Cd", text="TXID")  # the RUC is Peru's tax id
            creditor_account = _sub(transaction, "CdtrAcct")
            other_account = _sub(_sub(creditor_account, "Id"), "Othr")
            _sub(other_account, "Id", account_id(payment.creditor_account))
            if payment.cci:
                _path(other_account, "SchmeNm", "Prtry", text="CCI")
            _sub(creditor_account, "Ccy", payment.currency)
            _path(
                transaction,
                "RmtInf",
                "Ustrd",
                text=latin_text(payment.remittance, MAX_REMITTANCE),
            )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
