"""Contratos de Donación con Carga: contracts, their budget lines, tranches, counterpart
deposits, funds-transfer authorisations (ATF), accountability, misuse flags, addenda and
liquidation. Money amounts are integer minor units in the contract's currency; every movement
is a ledger journal (see `minka.ledger`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.models import FourEyesSignatures
from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec


class Instrument(models.TextChoices):
    PGRN = "pgrn", _("Natural-resource management plan (PGRN)")
    PDN = "pdn", _("Business plan (PDN)")
    PIT = "pit", _("Territorial investment plan (PIT)")
    IDL = "idl", _("Municipal local investment (IDL)")
    OTHER = "other", _("Other")


class Concept(models.TextChoices):
    PRIZES = "prizes", _("Contest prizes")
    TECHNICAL_ASSISTANCE = "ta", _("Technical assistance")
    GUIDED_VISITS = "visits", _("Guided visits")
    FAIRS = "fairs", _("Fairs")
    MANAGEMENT = "management", _("Management support")
    ANIMATORS = "animators", _("Rural animators")
    ASSETS = "assets", _("Goods and equipment")
    OTHER = "other", _("Other")


class TranchePolicy(models.Model):
    """The tranche rules of a programme for one instrument; copied onto each contract when it is
    created, so a later change of policy never alters a signed contract."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.CASCADE,
        related_name="tranche_policies",
        verbose_name=_("programme"),
    )
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    first_tranche_percent = models.PositiveSmallIntegerField(
        _("first tranche, % of project share"), default=70
    )
    counterpart_percent_before_first = models.PositiveSmallIntegerField(
        _("counterpart deposited before the first tranche, % of the organization's share"),
        default=50,
    )
    accounted_percent_before_second = models.PositiveSmallIntegerField(
        _("first tranche accounted for before the second, %"), default=70
    )
    needs_head_office_authorisation = models.BooleanField(
        _("single tranche needs head-office authorisation"), default=False
    )
    minimum_counterpart_percent = models.PositiveSmallIntegerField(
        _("minimum counterpart, % of total cost"), default=0
    )

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("tranche policy")
        verbose_name_plural = _("tranche policies")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "instrument"], name="tranchepolicy_unique"
            ),
            models.CheckConstraint(
                name="tranchepolicy_percent_range",
                condition=Q(first_tranche_percent__gte=1, first_tranche_percent__lte=100)
                & Q(counterpart_percent_before_first__lte=100)
                & Q(accounted_percent_before_second__lte=100),
            ),
        ]

    def __str__(self) -> str:
        first = self.first_tranche_percent
        return f"{self.programme.code} {self.get_instrument_display()}: {first}/{100 - first}"


class ContractState(models.TextChoices):
    PROPOSAL = "proposal", _("Proposal")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SIGNED = "signed", _("Signed")
    TRANCHE_1_PAID = "tranche1_paid", _("First tranche paid")
    TRANCHE_2_REQUESTED = "tranche2_requested", _("Second tranche requested")
    TRANCHE_2_APPROVED = "tranche2_approved", _("Second tranche approved at mid-term")
    TRANCHE_2_PAID = "tranche2_paid", _("Second tranche paid")
    LIQUIDATED = "liquidated", _("Liquidated")
    CANCELLED = "cancelled", _("Cancelled")


class Contract(models.Model):
    """A donation with conditions between the programme and one or more organizations."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("programme"),
    )
    local_office = models.ForeignKey(
        "programmes.LocalOffice",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("local office"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("lead organization"),
    )
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    title = models.CharField(_("title"), max_length=250)
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("funding source"),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    term_months = models.PositiveSmallIntegerField(_("term (months, liquidation included)"))
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_("Why the contract is made directly, without a CLAR."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ContractState.choices, default=ContractState.PROPOSAL
    )
    # Tranche rules copied from the programme's policy when the contract is created.
    first_tranche_percent = models.PositiveSmallIntegerField(_("first tranche, % of project share"))
    counterpart_percent_before_first = models.PositiveSmallIntegerField(
        _("counterpart before first tranche, %")
    )
    accounted_percent_before_second = models.PositiveSmallIntegerField(
        _("accounted before second tranche, %")
    )
    head_office_authorised = models.BooleanField(_("authorised by the head office"), default=False)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_by_office = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed for the programme by"),
    )
    midterm_approved_on = models.DateField(
        _("mid-term progress approved on"), null=True, blank=True
    )
    midterm_reference = models.CharField(_("mid-term acta"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    # Every signing organization's representative sees the contract (a PIT has several).
    scope = ScopeSpec(area="organization__district__path", organization="parties__organization")

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} — {self.organization}"

    @property
    def commitment_ref(self) -> str:
        return f"contract:{self.pk}"

    @property
    def project_amount(self) -> Money:
        """The project's share; lists annotate it (project_minor) to avoid a query per row."""
        value = getattr(self, "project_minor", None)
        if value is None:
            value = self.lines.aggregate(total=models.Sum("project_minor"))["total"]
        return Money(int(value or 0), self.currency)

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor, self.currency)


class ContractParty(models.Model):
    """An organization that signs and answers for the contract; in a PIT every member
    organization signs and is jointly liable. Signatures are its president and treasurer."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="parties", verbose_name=_("contract")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="contract_parties",
        verbose_name=_("organization"),
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    president = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("president who signed"),
    )
    treasurer = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("treasurer who signed"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract party")
        verbose_name_plural = _("contract parties")
        ordering = ["contract_id", "-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "organization"], name="contractparty_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.organization)


class ContractLine(models.Model):
    """Amounts by budget concept: the project's, the organization's and other co-financiers'."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="lines", verbose_name=_("contract")
    )
    concept = models.CharField(_("concept"), max_length=12, choices=Concept.choices)
    description = models.CharField(_("description"), max_length=250, blank=True)
    project_minor = models.BigIntegerField(_("project share"), default=0)
    organization_minor = models.BigIntegerField(_("organization's share"), default=0)
    other_minor = models.BigIntegerField(_("other co-financiers"), default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["contract_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "concept"], name="contractline_one_per_concept"
            ),
            models.CheckConstraint(
                name="contractline_non_negative",
                condition=Q(project_minor__gte=0, organization_minor__gte=0, other_minor__gte=0),
            ),
            models.CheckConstraint(
                name="contractline_prizes_project_only",
                condition=~Q(concept="prizes") | Q(organization_minor=0, other_minor=0),
                violation_error_message=_("Contest prizes are paid 100 % by the project."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_concept_display()

    @property
    def total_minor(self) -> int:
        return self.project_minor + self.organization_minor + self.other_minor


class TrancheState(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Tranche(models.Model):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="tranches", verbose_name=_("contract")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    amount_minor = models.BigIntegerField(_("amount"))
    state = models.CharField(
        _("state"), max_length=10, choices=TrancheState.choices, default=TrancheState.PENDING
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="tranche_unique_number"),
            models.CheckConstraint(name="tranche_amount_positive", condition=Q(amount_minor__gt=0)),
        ]

    def __str__(self) -> str:
        return _("Tranche %(number)d") % {"number": self.number}


class DepositKind(models.TextChoices):
    CASH = "cash", _("Cash deposit")
    IN_KIND = "in_kind", _("In kind (valued)")
    LABOUR = "labour", _("Labour (valued)")


class CounterpartDeposit(models.Model):
    """The organization's own contribution: a bank deposit slip, or goods or work valued."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("contract")
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=DepositKind.choices, default=DepositKind.CASH
    )
    slip_number = models.CharField(_("slip or record number"), max_length=40)
    deposited_on = models.DateField(_("date"))
    amount_minor = models.BigIntegerField(_("amount"))
    description = models.CharField(_("description"), max_length=250, blank=True)
    journal = models.OneToOneField(
        "ledger.Journal", on_delete=models.PROTECT, related_name="+", verbose_name=_("journal")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("counterpart deposit")
        verbose_name_plural = _("counterpart deposits")
        ordering = ["contract_id", "deposited_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "slip_number"],
                name="deposit_unique_slip",
                violation_error_message=_("This slip is already recorded for the contract."),
            ),
            models.CheckConstraint(name="deposit_amount_positive", condition=Q(amount_minor__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.slip_number}"


class AtfState(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Executed")
    CANCELLED = "cancelled", _("Cancelled")


class Atf(FourEyesSignatures):
    """Autorización de Transferencia de Fondos: prepared by one user, approved by another,
    executed with the bank's reference. Execution posts the disbursement."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="atfs", verbose_name=_("contract")
    )
    tranche = models.ForeignKey(
        Tranche, on_delete=models.PROTECT, related_name="atfs", verbose_name=_("tranche")
    )
    amount_minor = models.BigIntegerField(_("amount"))
    bank_account = models.ForeignKey(
        "registry.BankAccount",
        on_delete=models.PROTECT,
        related_name="atfs",
        verbose_name=_("destination account"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=AtfState.choices, default=AtfState.PREPARED
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    journal = models.OneToOneField(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("journal"),
    )

    # Set when the ATF leaves in a bank batch, so the next batch does not pay it twice.
    exported_at = models.DateTimeField(_("sent to the bank at"), null=True, blank=True)
    export_batch = models.CharField(_("bank batch"), max_length=35, blank=True)

    scope = ScopeSpec(
        area="contract__organization__district__path", organization="contract__organization_id"
    )

    class Meta:
        verbose_name = _("funds-transfer authorisation (ATF)")
        verbose_name_plural = _("funds-transfer authorisations (ATF)")
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.CheckConstraint(name="atf_amount_positive", condition=Q(amount_minor__gt=0)),
            models.CheckConstraint(
                name="atf_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                violation_error_message=_("The person who prepared an ATF cannot approve it."),
            ),
            models.CheckConstraint(
                name="atf_executed_has_reference",
                condition=~Q(state="executed") | (~Q(bank_reference="") & Q(journal__isnull=False)),
            ),
            # At most one live ATF per tranche: the second of two simultaneous requests fails here.
            models.UniqueConstraint(
                fields=["tranche"], condition=~Q(state="cancelled"), name="atf_one_live_per_tranche"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class MisuseFlag(models.Model):
    """A finding of misuse; while open, every pending tranche of the contract is suspended."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="misuse_flags", verbose_name=_("contract")
    )
    description = models.TextField(_("what was found"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_on = models.DateField(_("raised on"))
    corrective_action = models.TextField(_("corrective action proven"), blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("misuse flag")
        verbose_name_plural = _("misuse flags")
        ordering = ["contract_id", "-raised_on"]
        constraints = [
            models.CheckConstraint(
                name="misuse_lift_documented",
                condition=Q(lifted_on__isnull=True) | ~Q(corrective_action=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.raised_on}"


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Returned")


class ReceiptType(models.TextChoices):
    INVOICE = "factura", _("Invoice (factura)")
    SALES_RECEIPT = "boleta", _("Sales receipt (boleta)")
    FEE_RECEIPT = "rhe", _("Fee receipt (recibo por honorarios)")
    PURCHASE_SETTLEMENT = "liquidacion", _("Purchase settlement (liquidación de compra)")
    STATEMENT = "declaracion", _("Sworn statement (declaración jurada)")


class ExpenseReport(models.Model):
    """Rendición de cuentas: the organization's receipts for a period."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="expense_reports",
        verbose_name=_("contract"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    period_end = models.DateField(_("period ends"))
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    journal = models.OneToOneField(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("journal"),
    )

    class Meta:
        verbose_name = _("expense report")
        verbose_name_plural = _("expense reports")
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="expensereport_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return _("Expense report %(number)d") % {"number": self.number}


def receipt_upload_path(instance: ExpenseLine, filename: str) -> str:
    return f"receipts/{instance.report.contract_id}/{filename}"


class ExpenseLine(models.Model):
    report = models.ForeignKey(
        ExpenseReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("report")
    )
    spent_on = models.DateField(_("date"))
    receipt_type = models.CharField(_("receipt type"), max_length=12, choices=ReceiptType.choices)
    receipt_number = models.CharField(_("receipt number"), max_length=30)
    supplier_ruc = models.CharField(_("supplier RUC"), max_length=11)
    concept = models.CharField(_("concept"), max_length=12, choices=Concept.choices)
    description = models.CharField(_("description"), max_length=250, blank=True)
    amount_minor = models.BigIntegerField(_("amount"))
    scan = models.FileField(_("scanned receipt"), upload_to=receipt_upload_path, blank=True)
    # Set while the report is live; cleared when a report is returned, so the receipt can be
    # presented again in a corrected report but never counted twice.
    receipt_key = models.CharField(_("receipt key"), max_length=60, null=True, blank=True)

    class Meta:
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
        ordering = ["report_id", "spent_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_key"],
                condition=Q(receipt_key__isnull=False),
                name="expenseline_receipt_used_once",
                violation_error_message=_("This receipt has already been presented."),
            ),
            models.CheckConstraint(
                name="expenseline_amount_positive", condition=Q(amount_minor__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_receipt_type_display()} {self.receipt_number}"


class Rating(models.TextChoices):
    BAD = "bad", _("Bad")
    FAIR = "fair", _("Fair")
    GOOD = "good", _("Good")
    VERY_GOOD = "very_good", _("Very good")


def liquidation_upload_path(instance: Liquidation, filename: str) -> str:
    return f"liquidations/{instance.contract_id}/{filename}"


class Liquidation(models.Model):
    """The closing of a contract: final report, assembly's closing minute, bank statement,
    refund of the unused balance and the organization's rating."""

    contract = models.OneToOneField(
        Contract, on_delete=models.PROTECT, related_name="liquidation", verbose_name=_("contract")
    )
    final_report = models.FileField(_("final report"), upload_to=liquidation_upload_path)
    closing_minute = models.FileField(
        _("assembly's closing minute"), upload_to=liquidation_upload_path
    )
    bank_statement = models.FileField(_("bank statement"), upload_to=liquidation_upload_path)
    refund_minor = models.BigIntegerField(_("refund of unused balance"), default=0)
    refund_reference = models.CharField(_("refund deposit reference"), max_length=60, blank=True)
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    favourable = models.BooleanField(_("favourable report"), default=True)
    note = models.TextField(_("note"), blank=True)
    liquidated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("liquidated by"),
    )
    liquidated_on = models.DateField(_("liquidated on"))

    class Meta:
        verbose_name = _("liquidation")
        verbose_name_plural = _("liquidations")

    def __str__(self) -> str:
        return f"{self.contract.code} ({self.get_rating_display()})"


class Addendum(models.Model):
    """A change of amount, term or contests, with its reason; amounts change per concept."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="addenda", verbose_name=_("contract")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    signed_on = models.DateField(_("signed on"))
    reason = models.TextField(_("reason"))
    concept = models.CharField(_("concept"), max_length=12, choices=Concept.choices, blank=True)
    project_delta_minor = models.BigIntegerField(_("change of project share"), default=0)
    organization_delta_minor = models.BigIntegerField(
        _("change of organization's share"), default=0
    )
    term_delta_months = models.SmallIntegerField(_("change of term (months)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="addendum_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} / {self.number}"
