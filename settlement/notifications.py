"""Notifications: what happened to a party, read from the ledger itself.

The ledger is the outbox. Every change names the parties it concerns (``Event.parties``, indexed in
``ledger_parties`` as it is appended), so a party's notifications are the entries naming it: a trade
settled, units delivered, a pledge requested, registered or enforced, a payment, a freeze… No use case
writes a notification besides its entry, and none can disagree with the book of record. They are
exactly the entries the party's users may read through ``GET /api/v1/ledger/entries``
(``settlement.visibility``), and webhooks deliver the same feed (``settlement.webhooks``).

A user's inbox leaves out what that user did itself (the entry's ``acting_user``): its own orders and
cancellations are no news to it, a colleague's are. Each user keeps one mark, the last entry it has
read; what is newer is unread.
"""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.events import ACTING_USER, JSONObject
from settlement.ledger import SeqOutsideTree, current_size
from settlement.tables import LedgerEntryRow, LedgerPartyRow, NotificationMarkRow

UNREAD_COUNTED = 100  # the header counts this many unread at most ("99+" beyond)
NOTHING_READ = -1


@dataclass(frozen=True, slots=True)
class Notification:
    """An entry naming the reader's party, with the entry's own fields and body."""

    seq: int
    kind: str
    at: dt.datetime
    actor: str
    body: dict[str, Any]  # the entry's body: opaque party ids, decimal strings
    read: bool


@dataclass(frozen=True, slots=True)
class Mark:
    read_through: int  # every notification up to this ledger position is read (-1: none)
    unread: int  # at most UNREAD_COUNTED


def naming(party: str) -> Select[int, str, bytes]:
    """The entries naming ``party``, in ledger order: the one feed behind the inbox and webhooks."""
    return (
        select(LedgerEntryRow.seq, LedgerEntryRow.kind, LedgerEntryRow.canonical)
        .join(LedgerPartyRow, LedgerPartyRow.seq == LedgerEntryRow.seq)
        .where(LedgerPartyRow.party == party)
    )


def _by_others(actor: c.Actor, raw: bytes) -> JSONObject | None:
    """The entry, unless ``actor``'s own user acted in it."""
    entry: JSONObject = json.loads(raw)
    body = entry["body"]
    return None if isinstance(body, dict) and body.get(ACTING_USER) == actor.user_id else entry


async def read_through(session: AsyncSession, actor: c.Actor) -> int:
    mark = await session.get(NotificationMarkRow, actor.user_id)
    return NOTHING_READ if mark is None else mark.read_through


async def of_user(
    session: AsyncSession, actor: c.Actor, *, before: int | None, limit: int
) -> list[Notification]:
    """The user's notifications, newest first, those before ledger position ``before`` if given."""
    mark = await read_through(session, actor)
    found: list[Notification] = []
    while len(found) < limit:
        query = naming(actor.party_id).order_by(LedgerEntryRow.seq.desc()).limit(limit)
        if before is not None:
            query = query.where(LedgerEntryRow.seq < before)
        rows = (await session.execute(query)).all()
        found += [_notification(entry, mark) for _, _, raw in rows if (entry := _by_others(actor, raw))]
        if len(rows) < limit:
            break
        before = rows[-1][0]
    return found[:limit]


def _notification(entry: JSONObject, mark: int) -> Notification:
    seq, body = entry["seq"], entry["body"]
    assert isinstance(seq, int) and isinstance(body, dict)
    at = dt.datetime.fromisoformat(str(entry["at"]))
    return Notification(seq, str(entry["kind"]), at, str(entry["actor"]), body, read=seq <= mark)


async def unread(session: AsyncSession, actor: c.Actor) -> int:
    """How many of the user's notifications are newer than its mark, counted up to UNREAD_COUNTED."""
    mark = await read_through(session, actor)
    query = naming(actor.party_id).where(LedgerEntryRow.seq > mark)
    rows = (await session.execute(query.order_by(LedgerEntryRow.seq.desc()).limit(UNREAD_COUNTED))).all()
    return sum(1 for _, _, raw in rows if _by_others(actor, raw) is not None)


async def mark_read(work: c.Work, actor: c.Actor, through: int) -> Mark:
    """Mark every notification up to ledger position ``through`` read; a mark never moves back, so a
    stale page marking an older position changes nothing."""
    size = await current_size(work.session)
    if through >= size:
        raise SeqOutsideTree("through", seq=through, size=size)
    mark = await work.session.get(NotificationMarkRow, actor.user_id, with_for_update=True)
    if mark is None:
        work.session.add(NotificationMarkRow(user_id=actor.user_id, read_through=through))
    elif through > mark.read_through:
        mark.read_through = through
    await work.session.flush()
    return Mark(await read_through(work.session, actor), await unread(work.session, actor))
