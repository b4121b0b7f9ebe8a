"""The hash-chained audit trail of money movements and decisions."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from minka.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, dates as ISO strings."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: datetime.datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    programme_id: int | None,
    data: Any,
) -> str:
    content = "|".join(
        [
            prev_hash,
            str(seq),
            occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            str(actor_id or ""),
            action,
            object_type,
            object_id,
            str(programme_id or ""),
            canonical(data),
        ]
    )
    return hashlib.sha256(content.encode()).hexdigest()


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    data: dict[str, Any] | None = None,
    programme: Any = None,
) -> AuditEvent:
    """Append an event. Must run inside the transaction that makes the change it records."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    seq = head.last_seq + 1
    occurred_at = timezone.now()
    payload = data or {}
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", True)
        else None
    )
    object_type = obj._meta.label_lower
    programme_id = getattr(programme, "pk", programme)
    digest = event_hash(
        prev_hash=head.last_hash,
        seq=seq,
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(obj.pk),
        programme_id=programme_id,
        data=json.loads(canonical(payload)),
    )
    event = AuditEvent.objects.create(
        seq=seq,
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(obj.pk),
        programme_id=programme_id,
        data=json.loads(canonical(payload)),
        prev_hash=head.last_hash,
        hash=digest,
    )
    head.last_seq, head.last_hash = seq, digest
    head.save(update_fields=["last_seq", "last_hash"])
    return event


def chain_problems() -> Iterator[str]:
    """Recompute the chain from the start; yield a description of each broken link."""
    prev = GENESIS
    expected_seq = 1
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            yield f"AuditEvent seq {event.seq}: expected seq {expected_seq} (an event is missing)"
            expected_seq = event.seq
        if event.prev_hash != prev:
            yield f"AuditEvent seq {event.seq}: does not link to the previous event"
        recomputed = event_hash(
            prev_hash=event.prev_hash,
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            programme_id=event.programme_id,
            data=event.data,
        )
        if recomputed != event.hash:
            yield f"AuditEvent seq {event.seq}: content does not match its hash (altered)"
        prev = event.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        yield "AuditChainHead: does not point at the last event (events removed from the end)"
