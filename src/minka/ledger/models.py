"""The append-only double-entry ledger of each programme.

Money moves through stages, one account kind per stage, so the rules "disbursed ≤ committed ≤
budget" and "no negative held funds" are balances that must stay ≥ 0:

    FUNDING[source]  --allocate-->  BUDGET[source]  --commit-->  COMMITTED[commitment, concept]
    --disburse-->  HELD[commitment]  --account for-->  SPENT[commitment, concept]

Refunds and de-commitments flow back to BUDGET. Organizations' own contributions are recorded
as COUNTERPART[commitment] against CONTRIBUTED[organization]. FX clears conversions between
currencies (a journal balances per currency). Amounts are integer minor units; a leg's sign is
its side (positive = debit, negative = credit).

Journals and legs are immutable once sealed, enforced by database triggers (see migrations).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec


class AccountKind(models.TextChoices):
    FUNDING = "funding", _("Funding source")
    BUDGET = "budget", _("Available budget")
    COMMITTED = "committed", _("Committed, not disbursed")
    HELD = "held", _("Held by the organization")
    SPENT = "spent", _("Accounted for")
    COUNTERPART = "counterpart", _("Counterpart contributed")
    CONTRIBUTED = "contributed", _("Organization's contributions")
    FX = "fx", _("Currency exchange")


# Stages whose debit balance may never go below zero.
NON_NEGATIVE_KINDS = frozenset({AccountKind.BUDGET, AccountKind.COMMITTED, AccountKind.HELD})


class Account(models.Model):
    """One stage of money for one programme, currency and subject (a funding source, a
    commitment such as a contract, an organization, a budget concept)."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("funding source"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("organization"),
    )
    commitment = models.CharField(
        _("commitment"),
        max_length=40,
        blank=True,
        help_text=_("What the money is committed to, e.g. contract:12."),
    )
    concept = models.CharField(_("budget concept"), max_length=30, blank=True)
    key = models.CharField(_("key"), max_length=160, editable=False)
    name = models.CharField(_("name"), max_length=200)

    scope = ScopeSpec(programme="programme_id", organization="organization_id")

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["programme_id", "kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "key"], name="account_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class JournalKind(models.TextChoices):
    ALLOCATION = "allocation", _("Budget allocation")
    COMMITMENT = "commitment", _("Commitment")
    DECOMMITMENT = "decommitment", _("Release of a commitment")
    DISBURSEMENT = "disbursement", _("Disbursement")
    SPENDING = "spending", _("Accounted spending")
    REFUND = "refund", _("Refund")
    COUNTERPART = "counterpart", _("Counterpart contribution")
    REVERSAL = "reversal", _("Reversal")


class Journal(models.Model):
    """An atomic posting. Created unsealed with its legs in one transaction, then sealed; the
    database refuses to seal an unbalanced journal and refuses any change once sealed."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="journals",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=14, choices=JournalKind.choices)
    effective_date = models.DateField(_("effective date"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    memo = models.CharField(_("memo"), max_length=300)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    sealed = models.BooleanField(_("sealed"), default=False)

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="journal_sealed_has_hash", condition=Q(sealed=False) | ~Q(content_hash="")
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} — {self.memo}"


class Leg(models.Model):
    """One side of a journal on one account: positive debits, negative credits."""

    journal = models.ForeignKey(
        Journal, on_delete=models.PROTECT, related_name="legs", verbose_name=_("journal")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="legs", verbose_name=_("account")
    )
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)

    scope = ScopeSpec(programme="journal__programme_id", organization="account__organization_id")

    class Meta:
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        ordering = ["journal_id", "id"]
        constraints = [
            models.CheckConstraint(name="leg_amount_not_zero", condition=~Q(amount_minor=0)),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class ExchangeRate(models.Model):
    """How many units of `quote` one unit of `base` buys on a date, in millionths (exact)."""

    date = models.DateField(_("date"))
    base = models.CharField(_("base currency"), max_length=3, choices=CURRENCY_CHOICES)
    quote = models.CharField(_("quote currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate_millionths = models.BigIntegerField(_("rate (millionths)"))
    source = models.CharField(_("source"), max_length=100, default="SBS")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    scope = ScopeSpec(reference=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "base", "quote"], name="exchangerate_unique_day"
            ),
            models.CheckConstraint(
                name="exchangerate_positive", condition=Q(rate_millionths__gt=0)
            ),
            models.CheckConstraint(
                name="exchangerate_two_currencies", condition=~Q(base=models.F("quote"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} 1 {self.base} = {self.rate_millionths / 1_000_000:.6f} {self.quote}"
