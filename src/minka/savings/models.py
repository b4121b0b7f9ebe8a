"""Women's savings with incentives, women's business funds (revolving loans kept in the group's
own books) and micro life insurance (seguro de vida campesino).

A savings group is a registry women's organization enrolled in a programme; its members are
registry persons (by DNI) with individual accounts at SBS-regulated institutions. Money the
programme pays (incentives, seed capital, premium subsidies) leaves through four-eyes transfers
and the ledger; the group's own lending stays in the group's books. Amounts are integer minor
units in the programme's currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.models import FourEyesSignatures
from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec

GROUP_AREA = "group__organization__district__path"
GROUP_ORG = "group__organization_id"


class SavingsSettings(models.Model):
    """A programme's savings incentives and insurance terms; CORREDOR's by default."""

    programme = models.OneToOneField(
        "programmes.Programme",
        on_delete=models.CASCADE,
        related_name="savings_settings",
        verbose_name=_("programme"),
    )
    opening_match_percent = models.PositiveSmallIntegerField(
        _("opening deposit matched, %"), default=100
    )
    opening_cap_minor = models.BigIntegerField(
        _("opening match cap per saver"),
        null=True,
        blank=True,
        default=10_000,
        help_text=_("Empty: no cap."),
    )
    growth_percent = models.PositiveSmallIntegerField(
        _("incentive on additional savings, % of the monthly growth"), default=25
    )
    growth_cap_minor = models.BigIntegerField(
        _("growth incentive cap per saver and month"), null=True, blank=True
    )
    withdrawal_match_percent = models.PositiveSmallIntegerField(
        _("approved withdrawals matched, %"), default=25
    )
    withdrawal_cap_minor = models.BigIntegerField(
        _("withdrawal match cap per withdrawal"), null=True, blank=True, default=20_000
    )
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funding source of incentives, seed capital and subsidies"),
    )
    insurance_premium_minor = models.BigIntegerField(
        _("yearly life-insurance premium per insured adult"), default=3_600
    )
    insurance_child_premium_minor = models.BigIntegerField(
        _("yearly premium per child covered"), default=600
    )
    insurance_subsidy_percent = models.PositiveSmallIntegerField(
        _("premium paid by the project, %"), default=50
    )
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("savings settings")
        verbose_name_plural = _("savings settings")
        constraints = [
            models.CheckConstraint(
                name="savingssettings_percent_range",
                condition=Q(opening_match_percent__lte=200)
                & Q(growth_percent__lte=100)
                & Q(withdrawal_match_percent__lte=100)
                & Q(insurance_subsidy_percent__lte=100),
                violation_error_message=_("A percentage is out of range."),
            ),
            models.CheckConstraint(
                name="savingssettings_premium_not_negative",
                condition=Q(insurance_premium_minor__gte=0, insurance_child_premium_minor__gte=0),
                violation_error_message=_("Premiums cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Savings settings of %(code)s") % {"code": self.programme.code})


class SavingsGroup(models.Model):
    """A women's organization of the registry enrolled in a programme's savings and business-fund
    instrument. Its members are the registry's persons; nothing about them is copied here."""

    organization = models.OneToOneField(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="savings_group",
        verbose_name=_("women's organization"),
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="savings_groups",
        verbose_name=_("programme"),
    )
    started_on = models.DateField(_("enrolled on"))
    history = HistoricalRecords()

    scope = ScopeSpec(area="organization__district__path", organization="organization_id")

    class Meta:
        verbose_name = _("savings group")
        verbose_name_plural = _("savings groups")
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return self.organization.name

    @property
    def currency(self) -> str:
        return self.programme.currency

    @property
    def saved(self) -> Money:
        """Total of the savers' latest balances (lists annotate `saved_minor`)."""
        value = getattr(self, "saved_minor", None)
        if value is None:
            value = self.accounts.aggregate(total=models.Sum("balance_minor"))["total"]
        return Money(int(value or 0), self.currency)


class SavingsAccount(models.Model):
    """A member's individual account at a regulated institution. The latest reported balance is
    kept on the row for lists and reports; the monthly balances are the record."""

    group = models.ForeignKey(
        SavingsGroup, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("group")
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="savings_accounts",
        verbose_name=_("saver"),
    )
    institution = models.ForeignKey(
        "registry.FinancialInstitution",
        on_delete=models.PROTECT,
        related_name="savings_accounts",
        verbose_name=_("institution"),
    )
    number = models.CharField(_("account number"), max_length=30)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    opened_on = models.DateField(_("opened on"))
    opening_deposit_minor = models.BigIntegerField(_("opening deposit"))
    balance_minor = models.BigIntegerField(_("latest balance"), default=0)
    balance_month = models.DateField(_("month of the latest balance"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area=GROUP_AREA, organization=GROUP_ORG)

    class Meta:
        verbose_name = _("savings account")
        verbose_name_plural = _("savings accounts")
        ordering = ["group_id", "person__paternal_surname", "person__first_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                name="savingsaccount_one_per_member",
                violation_error_message=_("This member already has an account in the group."),
            ),
            models.UniqueConstraint(
                fields=["institution", "number"],
                name="savingsaccount_unique_number",
                violation_error_message=_("This account number is already registered."),
            ),
            models.CheckConstraint(
                name="savingsaccount_amounts_not_negative",
                condition=Q(opening_deposit_minor__gt=0, balance_minor__gte=0),
                violation_error_message=_("The opening deposit must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.number}"

    @property
    def balance(self) -> Money:
        return Money(self.balance_minor, self.currency)


class BalanceSource(models.TextChoices):
    ENTERED = "entered", _("Entered by hand")
    STATEMENT = "statement", _("Bank statement")


class MonthlyBalance(models.Model):
    """An account's balance at the end of a month (the month is stored as its first day)."""

    account = models.ForeignKey(
        SavingsAccount,
        on_delete=models.PROTECT,
        related_name="balances",
        verbose_name=_("account"),
    )
    month = models.DateField(_("month"))
    balance_minor = models.BigIntegerField(_("balance at the month's end"))
    source = models.CharField(
        _("source"), max_length=10, choices=BalanceSource.choices, default=BalanceSource.ENTERED
    )
    reference = models.CharField(_("statement file or reference"), max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area=f"account__{GROUP_AREA}", organization=f"account__{GROUP_ORG}")

    class Meta:
        verbose_name = _("monthly balance")
        verbose_name_plural = _("monthly balances")
        ordering = ["account_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "month"],
                name="monthlybalance_one_per_month",
                violation_error_message=_("This month's balance is already recorded."),
            ),
            models.CheckConstraint(
                name="monthlybalance_not_negative",
                condition=Q(balance_minor__gte=0),
                violation_error_message=_("A balance cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}"


class WithdrawalPurpose(models.TextChoices):
    EDUCATION = "education", _("Children's education")
    HEALTH = "health", _("Health")
    BUSINESS = "business", _("Business investment")
    OTHER = "other", _("Other")


# Withdrawals for these purposes, with evidence, are matched by the programme.
APPROVED_PURPOSES = frozenset(
    {WithdrawalPurpose.EDUCATION, WithdrawalPurpose.HEALTH, WithdrawalPurpose.BUSINESS}
)


def evidence_upload_path(instance: Withdrawal, filename: str) -> str:
    return f"savings/withdrawals/{instance.account_id}/{filename}"


class Withdrawal(models.Model):
    """Money a saver took out. Matched only for an approved purpose with evidence."""

    account = models.ForeignKey(
        SavingsAccount,
        on_delete=models.PROTECT,
        related_name="withdrawals",
        verbose_name=_("account"),
    )
    withdrawn_on = models.DateField(_("date"))
    amount_minor = models.BigIntegerField(_("amount"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=WithdrawalPurpose.choices)
    evidence_reference = models.CharField(
        _("evidence"),
        max_length=150,
        blank=True,
        help_text=_("E.g. the school's enrolment receipt or the health post's prescription."),
    )
    evidence_file = models.FileField(
        _("evidence (scan)"), upload_to=evidence_upload_path, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area=f"account__{GROUP_AREA}", organization=f"account__{GROUP_ORG}")

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["account_id", "withdrawn_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="withdrawal_amount_positive",
                condition=Q(amount_minor__gt=0),
                violation_error_message=_("The amount must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.withdrawn_on}"

    @property
    def matched(self) -> bool:
        return self.purpose in APPROVED_PURPOSES and bool(
            self.evidence_reference.strip() or self.evidence_file
        )


class TransferState(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Executed")
    CANCELLED = "cancelled", _("Cancelled")


class FourEyesTransfer(FourEyesSignatures):
    """A funds-transfer authorisation: prepared by one user, approved by another (never the
    same, also refused by the database), executed with the bank's reference. Approval commits
    the amount in the ledger; execution disburses it."""

    state = models.CharField(
        _("state"), max_length=10, choices=TransferState.choices, default=TransferState.PREPARED
    )
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("funding source"),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    executed_on = models.DateField(_("transfer date"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # Foreign keys, not one-to-one: history migrated from a previous system (and the demo's)
    # posts one journal per programme and month for many batches.
    commit_journal = models.ForeignKey(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commitment journal"),
    )
    disburse_journal = models.ForeignKey(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disbursement journal"),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                name="%(class)s_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                violation_error_message=_("The person who prepared a transfer cannot approve it."),
            ),
            models.CheckConstraint(
                name="%(class)s_executed_has_reference",
                condition=~Q(state="executed")
                | (~Q(bank_reference="") & Q(disburse_journal__isnull=False)),
                violation_error_message=_("An executed transfer has a bank reference."),
            ),
        ]

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor, self.currency)


class IncentiveBatch(FourEyesTransfer):
    """One month of incentives for one group, paid into the savers' accounts."""

    group = models.ForeignKey(
        SavingsGroup,
        on_delete=models.PROTECT,
        related_name="incentive_batches",
        verbose_name=_("group"),
    )
    month = models.DateField(_("month"))
    total_minor = models.BigIntegerField(_("total"))
    request_key = models.CharField(
        _("request key"), max_length=80, null=True, blank=True, unique=True, editable=False
    )

    scope = ScopeSpec(area="group__organization__district__path", organization=GROUP_ORG)

    class Meta(FourEyesTransfer.Meta):
        verbose_name = _("incentive batch")
        verbose_name_plural = _("incentive batches")
        ordering = ["-month", "-id"]
        constraints = [
            *FourEyesTransfer.Meta.constraints,
            models.UniqueConstraint(
                fields=["group", "month"],
                condition=~Q(state="cancelled"),
                name="incentivebatch_one_live_per_month",
                violation_error_message=_("This month's incentives are already in a batch."),
            ),
            models.CheckConstraint(
                name="incentivebatch_total_positive",
                condition=Q(total_minor__gt=0),
                violation_error_message=_("A batch pays something."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.month:%Y-%m}"

    @property
    def commitment_ref(self) -> str:
        return f"incentives:{self.pk}"

    @property
    def total(self) -> Money:
        return self.money(self.total_minor)


class IncentiveLine(models.Model):
    """One saver's incentives for one month. While its batch is live, no other line may pay the
    same account for the same month (database constraint)."""

    batch = models.ForeignKey(
        IncentiveBatch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("batch")
    )
    account = models.ForeignKey(
        SavingsAccount,
        on_delete=models.PROTECT,
        related_name="incentive_lines",
        verbose_name=_("account"),
    )
    month = models.DateField(_("month"))
    closing_balance_minor = models.BigIntegerField(_("balance at the month's end"))
    opening_minor = models.BigIntegerField(_("opening match"), default=0)
    growth_base_minor = models.BigIntegerField(_("growth rewarded"), default=0)
    growth_minor = models.BigIntegerField(_("growth incentive"), default=0)
    withdrawal_minor = models.BigIntegerField(_("withdrawal match"), default=0)
    peak_after_minor = models.BigIntegerField(_("peak after the month"))
    live = models.BooleanField(_("live"), default=True)

    scope = ScopeSpec(area=f"account__{GROUP_AREA}", organization=f"account__{GROUP_ORG}")

    class Meta:
        verbose_name = _("incentive line")
        verbose_name_plural = _("incentive lines")
        ordering = ["batch_id", "account_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "month"],
                condition=Q(live=True),
                name="incentiveline_once_per_month",
                violation_error_message=_("This saver's incentives for the month already exist."),
            ),
            models.CheckConstraint(
                name="incentiveline_not_negative",
                condition=Q(opening_minor__gte=0, growth_minor__gte=0, withdrawal_minor__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.month:%Y-%m}"

    @property
    def total_minor(self) -> int:
        return self.opening_minor + self.growth_minor + self.withdrawal_minor


# --- women's business funds ------------------------------------------------------------------


class BusinessFund(models.Model):
    """A group's revolving fund: seed capital from the programme, lent to members; repayments
    with interest recapitalise it. Kept by the group's treasurer."""

    group = models.OneToOneField(
        SavingsGroup,
        on_delete=models.PROTECT,
        related_name="fund",
        verbose_name=_("group"),
    )
    seed_capital_minor = models.BigIntegerField(_("seed capital"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    created_on = models.DateField(_("created on"))
    history = HistoricalRecords()

    scope = ScopeSpec(area=GROUP_AREA, organization=GROUP_ORG)

    class Meta:
        verbose_name = _("business fund")
        verbose_name_plural = _("business funds")
        ordering = ["group__organization__name"]
        constraints = [
            models.CheckConstraint(
                name="businessfund_seed_positive",
                condition=Q(seed_capital_minor__gt=0),
                violation_error_message=_("The seed capital must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Business fund of %(group)s") % {"group": self.group})

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor, self.currency)


class SeedTransfer(FourEyesTransfer):
    """The transfer of the seed capital to the group's verified bank account."""

    fund = models.ForeignKey(
        BusinessFund,
        on_delete=models.PROTECT,
        related_name="seed_transfers",
        verbose_name=_("fund"),
    )
    amount_minor = models.BigIntegerField(_("amount"))
    bank_account = models.ForeignKey(
        "registry.BankAccount",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("destination account"),
    )

    scope = ScopeSpec(area=f"fund__{GROUP_AREA}", organization=f"fund__{GROUP_ORG}")

    class Meta(FourEyesTransfer.Meta):
        verbose_name = _("seed-capital transfer")
        verbose_name_plural = _("seed-capital transfers")
        ordering = ["-prepared_at", "-id"]
        constraints = [
            *FourEyesTransfer.Meta.constraints,
            models.UniqueConstraint(
                fields=["fund"],
                condition=~Q(state="cancelled"),
                name="seedtransfer_one_live_per_fund",
                violation_error_message=_("The seed capital already has a transfer."),
            ),
            models.CheckConstraint(
                name="seedtransfer_amount_positive", condition=Q(amount_minor__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return str(_("Seed capital of %(group)s") % {"group": self.fund.group})

    @property
    def commitment_ref(self) -> str:
        return f"seed:{self.fund_id}"


class MovementKind(models.TextChoices):
    SEED = "seed", _("Seed capital received")
    INCOME = "income", _("Other income (fees, fines)")
    EXPENSE = "expense", _("Expense")


class FundMovement(models.Model):
    """Money in or out of the fund other than loans and repayments."""

    fund = models.ForeignKey(
        BusinessFund, on_delete=models.PROTECT, related_name="movements", verbose_name=_("fund")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MovementKind.choices)
    moved_on = models.DateField(_("date"))
    amount_minor = models.BigIntegerField(_("amount"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    seed_transfer = models.OneToOneField(
        SeedTransfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movement",
        verbose_name=_("seed transfer"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area=f"fund__{GROUP_AREA}", organization=f"fund__{GROUP_ORG}")

    class Meta:
        verbose_name = _("fund movement")
        verbose_name_plural = _("fund movements")
        ordering = ["fund_id", "moved_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="fundmovement_amount_positive",
                condition=Q(amount_minor__gt=0),
                violation_error_message=_("The amount must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.moved_on}"


class InterestMethod(models.TextChoices):
    FLAT = "flat", _("Flat")
    DECLINING = "declining", _("Declining balance")


class LoanProduct(models.Model):
    """A kind of loan the group offers: interest method, monthly rate, number of instalments."""

    fund = models.ForeignKey(
        BusinessFund, on_delete=models.CASCADE, related_name="products", verbose_name=_("fund")
    )
    name = models.CharField(_("name"), max_length=80)
    method = models.CharField(_("interest"), max_length=10, choices=InterestMethod.choices)
    monthly_rate_bp = models.PositiveIntegerField(
        _("monthly rate (basis points)"), help_text=_("300 = 3 % a month.")
    )
    instalments = models.PositiveSmallIntegerField(_("monthly instalments"))
    max_principal_minor = models.BigIntegerField(_("largest loan"), null=True, blank=True)
    active = models.BooleanField(_("offered"), default=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area=f"fund__{GROUP_AREA}", organization=f"fund__{GROUP_ORG}")

    class Meta:
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        ordering = ["fund_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "name"],
                name="loanproduct_unique_name",
                violation_error_message=_("The fund already has a product with this name."),
            ),
            models.CheckConstraint(
                name="loanproduct_terms",
                condition=Q(instalments__gte=1, instalments__lte=60, monthly_rate_bp__lte=2000),
                violation_error_message=_(
                    "Between 1 and 60 instalments, at most 20 % interest a month."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoanPurpose(models.TextChoices):
    CHEESE = "cheese", _("Cheese marketing")
    LIVESTOCK = "livestock", _("Livestock (cuyes, sheep, cattle)")
    CRAFTS = "crafts", _("Crafts and textiles")
    SHOP = "shop", _("Small shop")
    AGRICULTURE = "agriculture", _("Crops and seed")
    FOOD = "food", _("Food sales")
    OTHER = "other", _("Other")


class LoanState(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPAID = "repaid", _("Repaid")


class Loan(models.Model):
    """A loan from the fund to a member. Terms are copied from the product; the schedule is
    stored as instalments."""

    fund = models.ForeignKey(
        BusinessFund, on_delete=models.PROTECT, related_name="loans", verbose_name=_("fund")
    )
    number = models.PositiveIntegerField(_("number"))
    member = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="fund_loans",
        verbose_name=_("member"),
    )
    product = models.ForeignKey(
        LoanProduct, on_delete=models.PROTECT, related_name="loans", verbose_name=_("product")
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=LoanPurpose.choices)
    purpose_detail = models.CharField(_("what for"), max_length=200, blank=True)
    principal_minor = models.BigIntegerField(_("principal"))
    method = models.CharField(_("interest"), max_length=10, choices=InterestMethod.choices)
    monthly_rate_bp = models.PositiveIntegerField(_("monthly rate (basis points)"))
    instalments = models.PositiveSmallIntegerField(_("instalments"))
    disbursed_on = models.DateField(_("disbursed on"))
    first_due_on = models.DateField(_("first instalment due"))
    state = models.CharField(
        _("state"), max_length=8, choices=LoanState.choices, default=LoanState.ACTIVE
    )
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    interest_waived_minor = models.BigIntegerField(
        _("interest waived on early settlement"), default=0
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area=f"fund__{GROUP_AREA}", organization=f"fund__{GROUP_ORG}")

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["fund_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="loan_unique_number"),
            models.CheckConstraint(
                name="loan_principal_positive",
                condition=Q(principal_minor__gt=0),
                violation_error_message=_("The principal must be positive."),
            ),
            models.CheckConstraint(
                name="loan_repaid_is_settled",
                condition=~Q(state="repaid") | Q(settled_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Loan %(number)d") % {"number": self.number})


class Instalment(models.Model):
    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("loan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due on"))
    principal_minor = models.BigIntegerField(_("principal"))
    interest_minor = models.BigIntegerField(_("interest"))

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="instalment_unique_number"),
            models.CheckConstraint(
                name="instalment_not_negative",
                condition=Q(principal_minor__gte=0, interest_minor__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} / {self.number}"

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor


class Repayment(models.Model):
    """A member's payment on a loan, split into interest and principal in schedule order."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("loan")
    )
    paid_on = models.DateField(_("paid on"))
    amount_minor = models.BigIntegerField(_("amount"))
    principal_minor = models.BigIntegerField(_("principal"))
    interest_minor = models.BigIntegerField(_("interest"))
    receipt_number = models.CharField(_("receipt number"), max_length=30, blank=True)
    settles = models.BooleanField(_("settles the loan early"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area=f"loan__fund__{GROUP_AREA}", organization=f"loan__fund__{GROUP_ORG}")

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["loan_id", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="repayment_split_adds_up",
                condition=Q(amount_minor=F("principal_minor") + F("interest_minor"))
                & Q(amount_minor__gt=0, principal_minor__gte=0, interest_minor__gte=0),
                violation_error_message=_("Principal and interest must add up to the amount."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.paid_on}"


# --- micro life insurance --------------------------------------------------------------------


class InsuredAs(models.TextChoices):
    HOLDER = "holder", _("Holder")
    SPOUSE = "spouse", _("Spouse")


class PolicyState(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled, premium not yet paid")
    ACTIVE = "active", _("In force")
    CLAIMED = "claimed", _("Claimed")
    CANCELLED = "cancelled", _("Cancelled")


class PremiumBatch(FourEyesTransfer):
    """Premiums of a programme's enrolled policies paid to one insurer in one transfer: the
    project's subsidy from the budget and the insured's counterpart."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="premium_batches",
        verbose_name=_("programme"),
    )
    insurer = models.ForeignKey(
        "registry.FinancialInstitution",
        on_delete=models.PROTECT,
        related_name="premium_batches",
        verbose_name=_("insurer"),
    )
    premium_minor = models.BigIntegerField(_("premiums"))
    subsidy_minor = models.BigIntegerField(_("project subsidy"))
    counterpart_minor = models.BigIntegerField(_("insured's counterpart"))
    counterpart_journal = models.ForeignKey(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counterpart journal"),
    )

    scope = ScopeSpec(programme="programme_id")

    class Meta(FourEyesTransfer.Meta):
        verbose_name = _("premium batch")
        verbose_name_plural = _("premium batches")
        ordering = ["-prepared_at", "-id"]
        constraints = [
            *FourEyesTransfer.Meta.constraints,
            models.CheckConstraint(
                name="premiumbatch_adds_up",
                condition=Q(premium_minor=F("subsidy_minor") + F("counterpart_minor"))
                & Q(premium_minor__gt=0, subsidy_minor__gte=0, counterpart_minor__gte=0),
                violation_error_message=_("Subsidy and counterpart must add up to the premiums."),
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Premiums to %(insurer)s, %(date)s")
            % {
                "insurer": self.insurer,
                "date": self.prepared_at.date() if self.prepared_at else "",
            }
        )

    @property
    def commitment_ref(self) -> str:
        return f"insurance:{self.pk}"


class InsurancePolicy(models.Model):
    """Seguro de vida campesino: one insured person (the holder or the holder's spouse) and the
    number of children covered, enrolled through a group. The premium is the project's subsidy
    plus the insured's counterpart."""

    number = models.CharField(_("policy number"), max_length=30, unique=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="insurance_policies",
        verbose_name=_("programme"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="insurance_policies",
        verbose_name=_("enrolled through"),
    )
    insurer = models.ForeignKey(
        "registry.FinancialInstitution",
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("insurer"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="insurance_policies",
        verbose_name=_("insured"),
    )
    insured_as = models.CharField(_("insured as"), max_length=6, choices=InsuredAs.choices)
    children_covered = models.PositiveSmallIntegerField(_("children covered"), default=0)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    premium_minor = models.BigIntegerField(_("premium"))
    subsidy_minor = models.BigIntegerField(_("project subsidy"))
    counterpart_minor = models.BigIntegerField(_("insured's counterpart"))
    state = models.CharField(
        _("state"), max_length=10, choices=PolicyState.choices, default=PolicyState.ENROLLED
    )
    premium_batch = models.ForeignKey(
        PremiumBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("premium batch"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="organization__district__path", organization="organization_id")

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                name="policy_premium_adds_up",
                condition=Q(premium_minor=F("subsidy_minor") + F("counterpart_minor"))
                & Q(premium_minor__gt=0, subsidy_minor__gte=0, counterpart_minor__gte=0),
                violation_error_message=_("Subsidy and counterpart must add up to the premium."),
            ),
            models.CheckConstraint(
                name="policy_period_order",
                condition=Q(ends_on__gt=F("starts_on")),
                violation_error_message=_("A policy ends after it starts."),
            ),
            models.UniqueConstraint(
                fields=["person", "starts_on"],
                condition=~Q(state="cancelled"),
                name="policy_one_per_person_and_period",
                violation_error_message=_("This person is already insured from that date."),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ClaimEvent(models.TextChoices):
    DEATH_INSURED = "death", _("Death of the insured")
    DEATH_CHILD = "death_child", _("Death of a covered child")
    FUNERAL = "funeral", _("Funeral expenses")


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted to the insurer")
    PAID = "paid", _("Paid by the insurer")
    REJECTED = "rejected", _("Rejected by the insurer")


class Claim(models.Model):
    """A claim on a policy. The insurer pays the beneficiary; Minka records it."""

    policy = models.ForeignKey(
        InsurancePolicy, on_delete=models.PROTECT, related_name="claims", verbose_name=_("policy")
    )
    event = models.CharField(_("event"), max_length=12, choices=ClaimEvent.choices)
    event_on = models.DateField(_("date of the event"))
    beneficiary = models.CharField(_("beneficiary"), max_length=150)
    amount_minor = models.BigIntegerField(_("amount claimed"))
    state = models.CharField(
        _("state"), max_length=10, choices=ClaimState.choices, default=ClaimState.SUBMITTED
    )
    insurer_reference = models.CharField(_("insurer's reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(
        area="policy__organization__district__path", organization="policy__organization_id"
    )

    class Meta:
        verbose_name = _("insurance claim")
        verbose_name_plural = _("insurance claims")
        ordering = ["-event_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="claim_amount_positive",
                condition=Q(amount_minor__gt=0),
                violation_error_message=_("The amount must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.get_event_display()}"
