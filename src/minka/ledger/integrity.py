"""`minka verify` checks of the ledger: every journal balanced, sealed, unaltered and audited;
no stage balance below zero."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Sum

from minka.core.integrity import Problem
from minka.core.models import AuditEvent
from minka.ledger.models import NON_NEGATIVE_KINDS, Journal, Leg
from minka.ledger.services import stored_journal_hash


def check_ledger() -> Iterator[Problem]:
    audited = {
        int(event.object_id): event.data.get("journal_hash")
        for event in AuditEvent.objects.filter(object_type="ledger.journal").only(
            "object_id", "data"
        )
    }
    unbalanced = (
        Leg.objects.values("journal_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .exclude(total=0)
    )
    for row in unbalanced.order_by("journal_id")[:50]:
        yield Problem(
            "ledger",
            f"Journal {row['journal_id']}",
            f"legs in {row['currency']} do not sum to zero",
        )
    for journal in (
        Journal.objects.order_by("pk").prefetch_related("legs__account").iterator(chunk_size=500)
    ):
        record = f"Journal {journal.pk}"
        if not journal.sealed:
            yield Problem("ledger", record, "was never sealed")
            continue
        recomputed = stored_journal_hash(journal)
        if recomputed != journal.content_hash:
            yield Problem("ledger", record, "its legs or fields were altered (hash mismatch)")
        elif audited.get(journal.pk) != journal.content_hash:
            yield Problem("ledger", record, "does not match its audit event")
    negative = (
        Leg.objects.filter(account__kind__in=NON_NEGATIVE_KINDS)
        .values("account_id", "account__name")
        .annotate(total=Sum("amount_minor"))
        .filter(total__lt=0)
    )
    for row in negative[:50]:
        yield Problem(
            "ledger", f"Account {row['account_id']}", f"{row['account__name']} is below zero"
        )
