"""What the webhook dispatcher (``api.dispatch``) sends next, and what it records of each attempt.

Delivery is at least once and in order per subscription: the entry at the subscription's cursor is
sent, and only once it is delivered, or given up after ``ATTEMPTS`` tries, does the next one go. An
attempt is recorded after it was sent, so a crash in between sends it again (receivers drop
duplicates by ``webhook-id``). A failed attempt (no answer, or any status but 2xx) is retried after
30 s, then three times as long after each failure: 8 attempts over about 9 hours; then the entry is
given up (``failed`` in the log) and the next one goes.

The body is the entry as the ledger serves it to the party, with its position and leaf hash, so a
receiver can check its inclusion proof (``GET /api/v1/ledger/proof/inclusion``)::

    {"type": <kind>, "timestamp": <the entry's "at">,
     "data": {"seq": n, "leaf_hash": <hex>, "entry": {"v": 1, "log": …, "seq": n, "kind": …, "body": {…}}}}
"""

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from settlement import merkle
from settlement.notifications import naming
from settlement.tables import ERROR_LENGTH, LedgerEntryRow, WebhookDeliveryRow, WebhookRow
from settlement.webhooks import DeliveryStatus

ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
BACKOFF = 3  # each wait this many times the one before


@dataclass(frozen=True, slots=True)
class Attempt:
    webhook: str
    url: str
    secret: bytes  # sealed (``settlement.sealing``): opened only to sign
    seq: int
    kind: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    attempt: Attempt
    at: dt.datetime
    status: int | None  # the endpoint's answer; None if there was none
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def due(session: AsyncSession, now: dt.datetime) -> list[Attempt]:
    """Each subscription's next attempt, if one is due at ``now``: the pending entry when its retry
    is due (a subscription waiting for one sends nothing else), else the next entry for it."""
    pending = {
        row.webhook_id: row
        for row in (
            await session.execute(
                select(WebhookDeliveryRow).where(WebhookDeliveryRow.status == DeliveryStatus.PENDING)
            )
        ).scalars()
    }
    found = []
    for webhook in (await session.execute(select(WebhookRow).order_by(WebhookRow.id))).scalars():
        waiting = pending.get(webhook.id)
        if waiting is None:
            entry = await _next_entry(session, webhook)
        elif waiting.next_attempt_at is not None and waiting.next_attempt_at <= now:
            entry = await _entry(session, waiting.seq)
        else:
            continue
        if entry is not None:
            seq, kind, raw = entry
            found.append(Attempt(webhook.id, webhook.url, webhook.secret, seq, kind, _body(seq, raw)))
    return found


async def _next_entry(session: AsyncSession, webhook: WebhookRow) -> tuple[int, str, bytes] | None:
    query = naming(webhook.party_id).where(LedgerEntryRow.seq >= webhook.cursor)
    if webhook.kinds:
        query = query.where(LedgerEntryRow.kind.in_(webhook.kinds))
    row = (await session.execute(query.order_by(LedgerEntryRow.seq).limit(1))).first()
    return None if row is None else (row[0], row[1], row[2])


async def _entry(session: AsyncSession, seq: int) -> tuple[int, str, bytes] | None:
    row = await session.get(LedgerEntryRow, seq)
    return None if row is None else (row.seq, row.kind, row.canonical)


def _body(seq: int, raw: bytes) -> bytes:
    entry = json.loads(raw)
    data = {"seq": seq, "leaf_hash": merkle.leaf_hash(raw).hex(), "entry": entry}
    message = {"type": entry["kind"], "timestamp": entry["at"], "data": data}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


async def record(work: c.Work, outcomes: list[Outcome]) -> None:
    """Log each attempt; a first attempt moves its subscription's cursor past the entry. A subscription
    deleted while its attempt was under way is left deleted."""
    for outcome in outcomes:
        attempt = outcome.attempt
        webhook = await work.session.get(WebhookRow, attempt.webhook, with_for_update=True)
        if webhook is None:
            continue
        row = await work.session.get(WebhookDeliveryRow, (attempt.webhook, attempt.seq))
        if row is None:
            row = WebhookDeliveryRow(
                webhook_id=attempt.webhook, seq=attempt.seq, kind=attempt.kind, attempts=0
            )
            work.session.add(row)
            webhook.cursor = max(webhook.cursor, attempt.seq + 1)
        row.attempts += 1
        row.last_status, row.last_attempt_at = outcome.status, outcome.at
        row.last_error = None if outcome.error is None else outcome.error[:ERROR_LENGTH]
        row.status, row.next_attempt_at = _after(outcome, row.attempts)
    await work.session.flush()


def _after(outcome: Outcome, attempts: int) -> tuple[DeliveryStatus, dt.datetime | None]:
    """The delivery's status after its ``attempts``-th attempt, and when it is tried again."""
    if outcome.delivered:
        return DeliveryStatus.DELIVERED, None
    if attempts >= ATTEMPTS:
        return DeliveryStatus.FAILED, None
    return DeliveryStatus.PENDING, outcome.at + FIRST_RETRY * BACKOFF ** (attempts - 1)
