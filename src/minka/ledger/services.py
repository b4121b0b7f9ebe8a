"""Posting to the ledger: the only way money moves in Minka."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from minka.core.audit import audit_record, canonical
from minka.core.errors import DomainError
from minka.core.money import Money
from minka.ledger.models import NON_NEGATIVE_KINDS, Account, AccountKind, ExchangeRate, Journal, Leg


@dataclass(frozen=True)
class LegSpec:
    """A leg to post: a positive amount debits the account, a negative one credits it."""

    account: Account
    amount: Money


def account_for(
    *,
    programme: Any,
    kind: str,
    currency: str,
    funding_source: Any = None,
    organization: Any = None,
    commitment: str = "",
    concept: str = "",
    name: str = "",
) -> Account:
    """The account for a stage and subject, created on first use."""
    parts = [kind, currency]
    if funding_source is not None:
        parts.append(f"src={funding_source.pk}")
    if organization is not None:
        parts.append(f"org={organization.pk}")
    if commitment:
        parts.append(f"for={commitment}")
    if concept:
        parts.append(f"concept={concept}")
    key = ":".join(parts)
    label = name or " · ".join(
        str(p)
        for p in (
            AccountKind(kind).label,
            funding_source and funding_source.name,
            organization,
            commitment,
            concept,
        )
        if p
    )
    account, _ = Account.objects.get_or_create(
        programme=programme,
        key=key,
        defaults={
            "kind": kind,
            "currency": currency,
            "funding_source": funding_source,
            "organization": organization,
            "commitment": commitment,
            "concept": concept,
            "name": label[:200],
        },
    )
    return account


def balance(account: Account) -> Money:
    """Debit balance of an account (negative for credit balances)."""
    total = Leg.objects.filter(account=account).aggregate(total=Sum("amount_minor"))["total"] or 0
    return Money(int(total), account.currency)


def journal_hash(
    *,
    kind: str,
    effective_date: datetime.date,
    memo: str,
    reference: str,
    idempotency_key: str,
    reverses_id: int | None,
    legs: Sequence[tuple[str, int, str]],
) -> str:
    """SHA-256 of a journal's content: recomputed by `minka verify` from the stored legs."""
    content = canonical(
        {
            "kind": kind,
            "date": effective_date.isoformat(),
            "memo": memo,
            "reference": reference,
            "key": idempotency_key,
            "reverses": reverses_id,
            "legs": sorted(legs),
        }
    )
    return hashlib.sha256(content.encode()).hexdigest()


def stored_journal_hash(journal: Journal) -> str:
    legs = [
        (leg.account.key, leg.amount_minor, leg.currency)
        for leg in journal.legs.select_related("account")
    ]
    return journal_hash(
        kind=journal.kind,
        effective_date=journal.effective_date,
        memo=journal.memo,
        reference=journal.reference,
        idempotency_key=journal.idempotency_key,
        reverses_id=journal.reverses_id,
        legs=legs,
    )


def _check_legs(legs: Sequence[LegSpec], programme: Any) -> None:
    if len(legs) < 2:
        raise DomainError(_("A journal needs at least two legs."))
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if leg.amount.amount_minor == 0:
            raise DomainError(_("A leg cannot be zero."))
        if leg.amount.currency != leg.account.currency:
            raise DomainError(
                _("%(account)s is kept in %(currency)s.")
                % {"account": leg.account, "currency": leg.account.currency}
            )
        if leg.account.programme_id != programme.pk:
            raise DomainError(_("Every leg must belong to the journal's programme."))
        totals[leg.amount.currency] += leg.amount.amount_minor
    unbalanced = {c: t for c, t in totals.items() if t != 0}
    if unbalanced:
        raise DomainError(
            _("The journal does not balance: %(totals)s.")
            % {"totals": ", ".join(str(Money(t, c)) for c, t in sorted(unbalanced.items()))}
        )


@transaction.atomic
def journal_post(
    *,
    programme: Any,
    kind: str,
    legs: Sequence[LegSpec],
    memo: str,
    effective_date: datetime.date,
    idempotency_key: str,
    actor: Any = None,
    reference: str = "",
    reverses: Journal | None = None,
) -> Journal:
    """Post a balanced journal atomically, once per idempotency key.

    Posting again with the same key returns the first journal if the content is the same and
    refuses it otherwise. The accounts are locked in a fixed order (by id) before their balances
    are checked, so concurrent postings cannot together push a budget, commitment or held-funds
    account below zero."""
    _check_legs(legs, programme)
    leg_tuples = [(leg.account.key, leg.amount.amount_minor, leg.amount.currency) for leg in legs]
    digest = journal_hash(
        kind=kind,
        effective_date=effective_date,
        memo=memo,
        reference=reference,
        idempotency_key=idempotency_key,
        reverses_id=reverses.pk if reverses else None,
        legs=leg_tuples,
    )
    existing = Journal.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.content_hash == digest:
            return existing
        raise DomainError(
            _("This request was already posted with other amounts; nothing was posted again.")
        )
    account_ids = sorted({leg.account.pk for leg in legs})
    locked = {
        a.pk: a
        for a in Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
    }
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        deltas[leg.account.pk] += leg.amount.amount_minor
    for account_id, delta in deltas.items():
        account = locked[account_id]
        if account.kind in NON_NEGATIVE_KINDS and delta < 0:
            after = balance(account).amount_minor + delta
            if after < 0:
                raise DomainError(
                    _("%(account)s would fall to %(amount)s; it cannot go below zero.")
                    % {"account": account, "amount": Money(after, account.currency)},
                    code="insufficient",
                )
    try:
        with transaction.atomic():
            journal = Journal.objects.create(
                programme=programme,
                kind=kind,
                effective_date=effective_date,
                memo=memo[:300],
                reference=reference,
                idempotency_key=idempotency_key,
                reverses=reverses,
                posted_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError as exc:
        # The same key committed by a concurrent request: answer as the repeat it is.
        existing = Journal.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None and existing.content_hash == digest:
            return existing
        raise DomainError(_("This request was already posted.")) from exc
    Leg.objects.bulk_create(
        [
            Leg(
                journal=journal,
                account=leg.account,
                amount_minor=leg.amount.amount_minor,
                currency=leg.amount.currency,
            )
            for leg in legs
        ]
    )
    journal.content_hash = digest
    journal.sealed = True
    journal.save(update_fields=["content_hash", "sealed"])
    audit_record(
        actor=actor,
        action=f"ledger.{kind}",
        obj=journal,
        programme=programme,
        data={
            "journal_hash": digest,
            "memo": memo,
            "reference": reference,
            "legs": sorted(leg_tuples),
        },
    )
    return journal


@transaction.atomic
def journal_reverse(*, journal: Journal, actor: Any, memo: str, idempotency_key: str) -> Journal:
    """Correct a journal by posting its mirror image; the original stays as it was."""
    repeated = Journal.objects.filter(idempotency_key=idempotency_key, reverses=journal).first()
    if repeated is not None:
        return repeated
    if Journal.objects.filter(reverses=journal).exists():
        raise DomainError(_("This journal has already been reversed."))
    legs = [LegSpec(leg.account, -leg.amount) for leg in journal.legs.select_related("account")]
    return journal_post(
        programme=journal.programme,
        kind="reversal",
        legs=legs,
        memo=memo,
        effective_date=datetime.date.today(),
        idempotency_key=idempotency_key,
        actor=actor,
        reverses=journal,
    )


def rate_on(*, base: str, quote: str, on: datetime.date) -> ExchangeRate:
    """The latest recorded rate on or before a date; refuses to guess when there is none."""
    rate = (
        ExchangeRate.objects.filter(base=base, quote=quote, date__lte=on).order_by("-date").first()
    )
    if rate is None:
        raise DomainError(
            _("No %(base)s→%(quote)s exchange rate is recorded on or before %(date)s.")
            % {"base": base, "quote": quote, "date": on.isoformat()},
            field="rate_date",
        )
    return rate


def convert(amount: Money, *, rate: ExchangeRate) -> Money:
    """Exact conversion with a recorded rate, rounded half-even to the target's minor unit."""
    if amount.currency != rate.base:
        raise DomainError(_("The rate does not apply to this currency."))
    converted = (
        Decimal(amount.amount_minor) * Decimal(rate.rate_millionths) / Decimal(1_000_000)
    ).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    # Both PEN and USD have two decimals; other pairs scale by the exponent difference.
    from minka.core.money import minor_exponent

    shift = minor_exponent(rate.quote) - minor_exponent(rate.base)
    converted = (converted * Decimal(10) ** shift).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Money(int(converted), rate.quote)


@transaction.atomic
def exchange_rate_record(
    *, user: Any, date: datetime.date, base: str, quote: str, rate: Decimal, source: str = "SBS"
) -> ExchangeRate:
    millionths = rate * 1_000_000
    if rate <= 0 or millionths != millionths.to_integral_value():
        raise DomainError(_("A rate is positive with at most six decimals."), field="rate")
    if base == quote:
        raise DomainError(_("A rate converts between two different currencies."), field="quote")
    record, created = ExchangeRate.objects.get_or_create(
        date=date,
        base=base,
        quote=quote,
        defaults={"rate_millionths": int(millionths), "source": source, "recorded_by": user},
    )
    if not created and record.rate_millionths != int(millionths):
        raise DomainError(_("A different rate is already recorded for that day."), field="date")
    return record


@transaction.atomic
def budget_allocate(
    *,
    user: Any,
    funding_source: Any,
    amount: Money,
    effective_date: datetime.date,
    idempotency_key: str,
    budget_currency: str | None = None,
) -> Journal:
    """Make part of a funding source available as budget, in the programme's operating currency.

    A USD loan budgeted in PEN converts at the rate recorded for the date, through the FX
    account, so the journal balances in each currency and the rate used is on record."""
    from minka.programmes.models import FundingSource

    # Locked first: two allocations at once cannot together exceed the source.
    funding_source = (
        FundingSource.objects.select_for_update()
        .select_related("programme")
        .get(pk=funding_source.pk)
    )
    programme = funding_source.programme
    target = budget_currency or programme.currency
    if amount.currency != funding_source.currency:
        raise DomainError(
            _("The funding source is in %(currency)s.") % {"currency": funding_source.currency},
            field="amount",
        )
    funding = account_for(
        programme=programme,
        kind=AccountKind.FUNDING,
        currency=amount.currency,
        funding_source=funding_source,
    )
    if target == amount.currency:
        budget = account_for(
            programme=programme,
            kind=AccountKind.BUDGET,
            currency=target,
            funding_source=funding_source,
        )
        legs = [LegSpec(budget, amount), LegSpec(funding, -amount)]
        memo = _("Budget from %(source)s") % {"source": funding_source.name}
        reference = ""
    else:
        rate = rate_on(base=amount.currency, quote=target, on=effective_date)
        converted = convert(amount, rate=rate)
        budget = account_for(
            programme=programme,
            kind=AccountKind.BUDGET,
            currency=target,
            funding_source=funding_source,
        )
        fx_source = account_for(programme=programme, kind=AccountKind.FX, currency=amount.currency)
        fx_target = account_for(programme=programme, kind=AccountKind.FX, currency=target)
        legs = [
            LegSpec(budget, converted),
            LegSpec(fx_target, -converted),
            LegSpec(fx_source, amount),
            LegSpec(funding, -amount),
        ]
        memo = _("Budget from %(source)s at %(rate)s") % {
            "source": funding_source.name,
            "rate": rate,
        }
        reference = f"rate:{rate.pk}"
    repeated = Journal.objects.filter(idempotency_key=idempotency_key).first()
    if repeated is not None:
        # The same key again: journal_post answers a true repeat with the first journal and
        # refuses different content; the cap check below must not refuse a true repeat first.
        return journal_post(
            programme=programme,
            kind="allocation",
            legs=legs,
            memo=memo,
            effective_date=effective_date,
            idempotency_key=idempotency_key,
            actor=user,
            reference=reference,
        )
    pledged = -balance(funding).amount_minor + amount.amount_minor
    if pledged > funding_source.amount_minor:
        raise DomainError(
            _("%(source)s has %(total)s in all; that much cannot be budgeted.")
            % {"source": funding_source.name, "total": funding_source.amount},
            field="amount",
        )
    return journal_post(
        programme=programme,
        kind="allocation",
        legs=legs,
        memo=memo,
        effective_date=effective_date,
        idempotency_key=idempotency_key,
        actor=user,
        reference=reference,
    )
