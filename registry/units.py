"""Moving and encumbering confirmed units: transfer, retirement, cancellation, freeze, expiry.

Each use case locks the owner's holding of the issuance, then reads its blocks, cuts them with the
pure block arithmetic, writes the statement lines and records one ledger event. A unit that is not
free (reserved, pledged, frozen, final) is simply not among the candidates, so it can never be sold,
retired or frozen twice.

The lock is on the holding, not on the block rows: every change deletes the rows it cuts and inserts
their pieces, so on PostgreSQL (READ COMMITTED) a writer that waited on ``FOR UPDATE`` for those rows
would find them gone and their pieces outside its snapshot — "0 units are free" with thousands free.
Waiting on a transaction-scoped advisory lock per (issuance, owner) instead, the blocks are read by
the next statement, with a snapshot taken after the previous holder committed. SQLite needs none:
``BEGIN IMMEDIATE`` runs one writer at a time.
"""

import datetime as dt
import zlib
from dataclasses import dataclass

from sqlalchemy import event, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from registry import blocks as b
from registry import context as c
from registry import events as ev
from registry import locks
from registry.assets import AssetClass, get_asset_class
from registry.certificates import Purpose, Retirement, certificate_of, merged
from registry.errors import (
    Conflict,
    InsufficientUnits,
    InvalidInput,
    NotFound,
    PartyKindMayNotHold,
    ReasonRequired,
    UnitsNotFree,
    UnknownIssuance,
    UnknownParty,
)
from registry.quantities import Quantity
from registry.rights import serial
from registry.tables import BlockRow, FreezeRow, IssuanceRow, MovementRow, PartyRow, RetirementRow

LIVE = (b.ACTIVE, b.RESERVED, b.PLEDGED, b.FROZEN)
_HELD_ISSUANCES = "issuances held"  # what ``issuances_held`` keeps for the transaction, by owner
_EXPECTED = "liens expected"  # what ``expect_liens`` keeps for the transaction, by holding


class TransferToSelf(InvalidInput):
    title = "Transfer to self"
    template = "a transfer needs a different receiver"


class BeneficiaryRequired(InvalidInput):
    title = "Beneficiary required"
    template = "name who the retirement is for"


class NotRetirable(InvalidInput):
    title = "Not retirable"
    template = "{asset_class} ({name}) units cannot be retired"


class UnknownFreeze(NotFound):
    title = "Unknown freeze"
    template = "no freeze {freeze}"


class FreezeReleasedAlready(Conflict):
    title = "Freeze released already"
    template = "freeze {freeze} was released already"


class NoUnitsHeld(InsufficientUnits):
    title = "No units held"
    template = "{owner} holds no {state} units of issuance {issuance}"


@dataclass(frozen=True, slots=True)
class Moved:
    """What a use case did: which serials, how many, and its reference (a freeze's id)."""

    issuance: int
    quantity: str
    serials: list[str]
    reference: str | None = None


def _moved(row: IssuanceRow, text: str, ranges: list[tuple[int, int]], reference: str | None = None) -> Moved:
    return Moved(row.id, text, [serial(row, first, last) for first, last in ranges], reference)


async def _issuance(session: AsyncSession, issuance_id: int) -> tuple[IssuanceRow, AssetClass]:
    row = await session.get(IssuanceRow, issuance_id)
    if row is None:
        raise UnknownIssuance("issuance", issuance=issuance_id)
    return row, await get_asset_class(session, row.asset_class)


def _int4(value: int) -> int:
    """``value`` wrapped into PostgreSQL's signed 32-bit ``integer``."""
    return (value + 2**31) % 2**32 - 2**31


async def _lock_holding(session: AsyncSession, issuance_id: int, owner: str) -> None:
    """Wait until no other transaction is changing ``owner``'s blocks of the issuance (see above).

    The key is (issuance, CRC-32 of the owner): two holdings sharing one only wait for each other."""
    if (await session.connection()).dialect.name == "postgresql":
        key = (_int4(issuance_id), _int4(zlib.crc32(owner.encode())))
        await session.execute(select(func.pg_advisory_xact_lock(*key)))


class _Holding:
    """An owner's live blocks of an issuance as this transaction has them, by state and lien.

    Reserved blocks — a busy seller has hundreds, one run per resting order — are read lien by lien
    as they are asked for (``read_reserved``), the others all at once: an order's blocks are found
    without reading, or looking at, the rest."""

    def __init__(self, issuance_id: int, owner: str) -> None:
        self.issuance_id, self.owner = issuance_id, owner
        self._rows: dict[str, dict[str | None, list[BlockRow]]] = {}
        self._read: set[str | None] | None = set()  # the liens whose reserved blocks were read; None: all
        self._gone: set[BlockRow] = set()  # taken out here, perhaps not yet deleted in the database

    def add(self, row: BlockRow) -> None:
        self._rows.setdefault(row.state, {}).setdefault(row.ref, []).append(row)

    def remove(self, row: BlockRow) -> None:
        self._rows[row.state][row.ref].remove(row)
        self._gone.add(row)

    async def read(self, session: AsyncSession, *states: str, refs: set[str] | None = None) -> None:
        """Add the owner's blocks in ``states`` (under one of ``refs``) as the database has them, but
        for those this transaction took out, to those it has already (the database may not have them
        yet)."""
        query = select(BlockRow).where(
            BlockRow.issuance_id == self.issuance_id,
            BlockRow.owner_id == self.owner,
            BlockRow.state.in_(states),
        )
        if refs is not None:
            query = query.where(BlockRow.ref.in_(refs))
        present = {row for state in states for kept in self._rows.get(state, {}).values() for row in kept}
        for row in (await session.execute(query)).scalars():
            if row not in present and row not in self._gone:
                self.add(row)

    async def read_reserved(self, session: AsyncSession, ref: str | None) -> None:
        """Read the reserved blocks under ``ref`` (all, if None), unless they were read already; with
        them, those under the liens the transaction expects to move (``expect_liens``)."""
        if self._read is None or (ref is not None and ref in self._read):
            return
        if ref is None:
            await self.read(session, b.RESERVED)
            self._read = None
            return
        expected: set[str] = locks.known(session, (_EXPECTED, self.issuance_id, self.owner)) or set()
        refs = {ref} | (expected - self._read)
        await self.read(session, b.RESERVED, refs=refs)
        self._read |= refs

    def chosen(self, states: tuple[str, ...], ref: str | None) -> list[BlockRow]:
        """The blocks in ``states`` (under ``ref``, or any lien), lowest serials first."""
        by_ref = [self._rows.get(state, {}) for state in states]
        if ref is None:
            rows = [row for liens in by_ref for kept in liens.values() for row in kept]
        else:
            rows = [row for liens in by_ref for row in liens.get(ref, ())]
        return sorted(rows, key=lambda row: row.first)


async def _holding(session: AsyncSession, issuance_id: int, owner: str) -> _Holding:
    """The owner's live blocks of the issuance, locked, kept for the transaction: from then on every
    change of them goes through ``_reassign``, which keeps the holding as the rows are, so a batch
    of orders selling one holding reads it once and writes its net change at the next flush."""
    key = ("blocks", issuance_id, owner)
    holding: _Holding | None = locks.known(session, key)
    if holding is None:
        await _lock_holding(session, issuance_id, owner)
        if _changed_in_session(session, issuance_id, owner):
            await session.flush()  # so blocks given to it, cut or gone earlier in the transaction read so
        holding = _Holding(issuance_id, owner)
        await holding.read(session, *(state for state in LIVE if state != b.RESERVED))
        locks.keep(session, key, holding)
    return holding


def _changed_in_session(session: AsyncSession, issuance_id: int, owner: str) -> bool:
    """Whether the session holds changes to the owner's blocks of the issuance not yet written: only
    then must it write before the holding is read (other changes wait for the batch's one flush)."""
    sync = session.sync_session
    return any(
        isinstance(row, BlockRow) and row.issuance_id == issuance_id and row.owner_id == owner
        for row in (*sync.new, *sync.dirty, *sync.deleted)
    )


async def issuances_held(session: AsyncSession, owner: str, instrument: str) -> dict[int, str]:
    """The issuances of ``instrument`` of which ``owner`` holds live units, oldest first, with their
    asset class: read once a transaction, for a batch of orders selling from one holding asks it for
    each. Units of another issuance given to the owner later in the transaction make it read again
    (``_given``; those not yet written are written first). An issuance whose units the owner gave
    away since stays listed: how many it holds is ``free_units``'s to say."""
    kept: dict[str, dict[int, str]] = locks.known(session, (_HELD_ISSUANCES, owner)) or {}
    held = kept.get(instrument)
    if held is None:
        held = await _issuances_held(session, owner, instrument)
    given = {
        row.issuance_id
        for row in session.new
        if isinstance(row, BlockRow) and row.owner_id == owner and row.issuance_id not in held
    }
    if given:
        await session.flush()
        held = await _issuances_held(session, owner, instrument)
    locks.keep(session, (_HELD_ISSUANCES, owner), {**kept, instrument: held})
    return held


@event.listens_for(Session, "transient_to_pending")
def _given(session: Session, row: object) -> None:
    """A block added to a session for an owner of whose issuances it kept an answer that does not
    list the block's: the answer is dropped (a block of an issuance it lists changes nothing)."""
    if isinstance(row, BlockRow):
        kept: dict[str, dict[int, str]] | None = locks.known(session, (_HELD_ISSUANCES, row.owner_id))
        if kept is not None and not any(row.issuance_id in held for held in kept.values()):
            locks.forget(session, (_HELD_ISSUANCES, row.owner_id))


async def _issuances_held(session: AsyncSession, owner: str, instrument: str) -> dict[int, str]:
    query = (
        select(BlockRow.issuance_id, IssuanceRow.asset_class)
        .join(IssuanceRow, IssuanceRow.id == BlockRow.issuance_id)
        .where(IssuanceRow.instrument_id == instrument, BlockRow.owner_id == owner, BlockRow.state.in_(LIVE))
        .distinct()
        .order_by(BlockRow.issuance_id)
    )
    held: dict[int, str] = dict((await session.execute(query)).all())
    return held


def expect_liens(session: AsyncSession, issuance_id: int, owner: str, refs: set[str]) -> None:
    """Name liens (the ids of resting sell orders) under which the owner's reserved units of the
    issuance may move in this transaction: the first of them read reads them all, in one statement
    (a batch of orders filling several resting sells of one holding), and none is read if none
    moves."""
    key = (_EXPECTED, issuance_id, owner)
    locks.keep(session, key, (locks.known(session, key) or set()) | refs)


async def free_units(session: AsyncSession, *, issuance_id: int, owner: str) -> int:
    """How many of the owner's units of the issuance are free, as this transaction has them."""
    return b.total(_as_blocks(await _locked(session, issuance_id, owner, (b.ACTIVE,))))


async def _locked(
    session: AsyncSession, issuance_id: int, owner: str, states: tuple[str, ...], ref: str | None = None
) -> list[BlockRow]:
    """The owner's blocks of the issuance in ``states`` (under ``ref``), theirs to change until commit."""
    holding = await _holding(session, issuance_id, owner)
    if b.RESERVED in states:
        await holding.read_reserved(session, ref)
    return holding.chosen(states, ref)


def _as_blocks(rows: list[BlockRow]) -> list[b.Block]:
    return [b.Block(x.first, x.last, x.owner_id, x.state, x.ref) for x in rows]


def _not_free(free: int, asked: int, cls: AssetClass) -> UnitsNotFree:
    return UnitsNotFree(
        "quantity", free=str(Quantity(free, cls.scale)), asked=str(Quantity(asked, cls.scale)), unit=cls.unit
    )


def _top(rows: list[BlockRow], units: int, cls: AssetClass) -> list[tuple[int, int]]:
    """The top ``units`` serials of ``rows``, refused in display units if they hold fewer."""
    blocks = _as_blocks(rows)
    if b.total(blocks) < units:
        raise _not_free(b.total(blocks), units, cls)
    return b.highest_ranges(blocks, units)


async def _reassign(
    session: AsyncSession,
    rows: list[BlockRow],
    ranges: list[tuple[int, int]],
    *,
    owner: str,
    state: str,
    ref: str | None = None,
) -> None:
    """Rewrite the locked ``rows`` so that ``ranges`` get the new owner, state and lien: the rows cut
    go, their pieces come, in the session (a piece cut again before the flush never reaches the
    database) and in the holdings this transaction keeps."""
    before = {b.Block(r.first, r.last, r.owner_id, r.state, r.ref): r for r in rows}
    after = list(before)
    for first, last in ranges:
        after = b.reassign(after, first, last, owner=owner, state=state, ref=ref)
    kept = set(after)
    issuance_id, source = rows[0].issuance_id, rows[0].owner_id
    holding = await _holding(session, issuance_id, source)
    for block, row in before.items():
        if block not in kept:
            holding.remove(row)
            if inspect(row).pending:
                session.expunge(row)
            else:
                await session.delete(row)
    for x in after:
        if x in before:
            continue
        row = BlockRow(
            issuance_id=issuance_id, first=x.first, last=x.last, owner_id=x.owner, state=x.state, ref=x.ref
        )
        session.add(row)
        if x.state in LIVE:
            receiving = (
                holding if x.owner == source else locks.known(session, ("blocks", issuance_id, x.owner))
            )
            if receiving is not None:
                receiving.add(row)


def _lines(
    work: c.Work,
    party: str,
    issuance: int,
    ranges: list[tuple[int, int]],
    *,
    kind: str,
    sign: int,
    **extra: str,
) -> None:
    work.session.add_all(
        MovementRow(
            party_id=party,
            issuance_id=issuance,
            kind=kind,
            quantity=sign * (last - first + 1),
            first=first,
            last=last,
            at=work.now,
            **extra,
        )
        for first, last in ranges
    )


async def _free_ranges(
    work: c.Work, row: IssuanceRow, cls: AssetClass, owner: str, quantity: str
) -> tuple[int, list[BlockRow], list[tuple[int, int]]]:
    units = Quantity.parse(quantity, cls.scale, field="quantity").units
    blocks = await _locked(work.session, row.id, owner, (b.ACTIVE,))
    return units, blocks, _top(blocks, units, cls)


async def transfer(work: c.Work, actor: c.Actor, *, issuance_id: int, to: str, quantity: str) -> Moved:
    """Deliver free units to another holder, free of payment; the sender keeps the low serials."""
    actor.require(*c.HOLDER_KINDS)
    receiver = await work.session.get(PartyRow, to)
    if receiver is None:
        raise UnknownParty("to", party=to)
    if receiver.kind not in c.HOLDER_KINDS:
        raise PartyKindMayNotHold("to", kind=receiver.kind)
    if to == actor.party_id:
        raise TransferToSelf("to")
    row, cls = await _issuance(work.session, issuance_id)
    units, blocks, ranges = await _free_ranges(work, row, cls, actor.party_id, quantity)
    await _reassign(work.session, blocks, ranges, owner=to, state=b.ACTIVE)
    _lines(work, actor.party_id, row.id, ranges, kind="transfer_out", sign=-1, counterparty_id=to)
    _lines(work, to, row.id, ranges, kind="transfer_in", sign=+1, counterparty_id=actor.party_id)
    text = str(Quantity(units, cls.scale))
    work.record(
        ev.UnitsTransferred(
            issuance=row.id, from_=actor.party_id, to=to, ranges=tuple(ranges), quantity=text
        ),
        actor=actor.party_id,
    )
    return _moved(row, text, ranges)


async def retire(
    work: c.Work, actor: c.Actor, *, issuance_id: int, quantity: str, beneficiary: str, purpose: Purpose
) -> Retirement:
    """Retire units for offsetting or compliance (清缴/核销): final, with a certificate (its ledger
    entry's inclusion proof is read from the certificate once committed)."""
    actor.require(*c.HOLDER_KINDS)
    if not beneficiary.strip():
        raise BeneficiaryRequired("beneficiary")
    row, cls = await _issuance(work.session, issuance_id)
    if not cls.retirable:
        raise NotRetirable("issuance", asset_class=cls.code, name=cls.name)
    units, blocks, chosen = await _free_ranges(work, row, cls, actor.party_id, quantity)
    ranges = merged(chosen)
    certificate = f"RT-{work.now:%Y%m%d}-{work.new_id()[:8].upper()}"
    await _reassign(work.session, blocks, ranges, owner=actor.party_id, state=b.RETIRED, ref=certificate)
    _lines(work, actor.party_id, row.id, ranges, kind="retired", sign=-1, reference=certificate)
    retirement = RetirementRow(
        id=certificate,
        issuance_id=row.id,
        owner_id=actor.party_id,
        quantity=units,
        ranges=ev.ranges_json(ranges),
        beneficiary=beneficiary.strip(),
        purpose=purpose,
        at=work.now,
    )
    work.session.add(retirement)
    work.record(
        ev.UnitsRetired(
            issuance=row.id,
            owner=actor.party_id,
            ranges=tuple(ranges),
            quantity=str(Quantity(units, cls.scale)),
            certificate=certificate,
            purpose=purpose,
        ),
        actor=actor.party_id,
    )
    return await certificate_of(work.session, retirement, actor)


async def _regulate(
    work: c.Work,
    actor: c.Actor,
    *,
    issuance_id: int,
    owner: str,
    quantity: str,
    reason: str,
    state: str,
    ref: str | None = None,
) -> tuple[IssuanceRow, AssetClass, int, list[tuple[int, int]]]:
    """A regulator puts an owner's free units into ``state``, for a stated reason."""
    actor.require(c.PartyKind.REGULATOR)
    if not reason.strip():
        raise ReasonRequired("reason")
    row, cls = await _issuance(work.session, issuance_id)
    units, blocks, ranges = await _free_ranges(work, row, cls, owner, quantity)
    await _reassign(work.session, blocks, ranges, owner=owner, state=state, ref=ref)
    return row, cls, units, ranges


async def cancel(
    work: c.Work, actor: c.Actor, *, issuance_id: int, owner: str, quantity: str, reason: str
) -> Moved:
    """Administrative cancellation (注销) by a regulator: final, and distinct from retirement."""
    row, cls, units, ranges = await _regulate(
        work, actor, issuance_id=issuance_id, owner=owner, quantity=quantity, reason=reason, state=b.CANCELLED
    )
    _lines(work, owner, row.id, ranges, kind="cancelled", sign=-1)
    text = str(Quantity(units, cls.scale))
    work.record(
        ev.UnitsCancelled(
            issuance=row.id, owner=owner, ranges=tuple(ranges), quantity=text, reason=reason.strip()
        ),
        actor=actor.party_id,
    )
    return _moved(row, text, ranges)


async def check_free(session: AsyncSession, *, issuance_id: int, owner: str, quantity: str) -> None:
    """Refuse, naming the field, unless ``owner`` holds ``quantity`` free units of the issuance."""
    row, cls = await _issuance(session, issuance_id)
    units = Quantity.parse(quantity, cls.scale, field="quantity").units
    free = await free_units(session, issuance_id=row.id, owner=owner)
    if free < units:
        raise _not_free(free, units, cls)


async def freeze(
    work: c.Work, actor: c.Actor, *, issuance_id: int, owner: str, quantity: str, reason: str
) -> Moved:
    """Freeze (冻结) an owner's free units; they can be neither moved nor retired until released."""
    freeze_id = work.new_id()
    row, cls, units, ranges = await _regulate(
        work,
        actor,
        issuance_id=issuance_id,
        owner=owner,
        quantity=quantity,
        reason=reason,
        state=b.FROZEN,
        ref=freeze_id,
    )
    _lines(work, owner, row.id, ranges, kind="frozen", sign=0, reference=freeze_id)
    work.session.add(
        FreezeRow(
            id=freeze_id,
            issuance_id=row.id,
            owner_id=owner,
            quantity=units,
            ranges=ev.ranges_json(ranges),
            reason=reason.strip(),
            regulator_id=actor.party_id,
            at=work.now,
        )
    )
    text = str(Quantity(units, cls.scale))
    work.record(
        ev.UnitsFrozen(issuance=row.id, owner=owner, ranges=tuple(ranges), quantity=text, freeze=freeze_id),
        actor=actor.party_id,
    )
    return _moved(row, text, ranges, freeze_id)


async def unfreeze(work: c.Work, actor: c.Actor, *, freeze_id: str) -> Moved:
    actor.require(c.PartyKind.REGULATOR)
    held = (
        await work.session.execute(select(FreezeRow).where(FreezeRow.id == freeze_id).with_for_update())
    ).scalar()
    if held is None:
        raise UnknownFreeze("freeze", freeze=freeze_id)
    if held.released_at is not None:
        raise FreezeReleasedAlready("freeze", freeze=freeze_id)
    row, cls = await _issuance(work.session, held.issuance_id)
    ranges = [(first, last) for first, last in held.ranges]
    blocks = await _locked(work.session, row.id, held.owner_id, (b.FROZEN,), ref=freeze_id)
    await _reassign(work.session, blocks, ranges, owner=held.owner_id, state=b.ACTIVE)
    _lines(work, held.owner_id, row.id, ranges, kind="unfrozen", sign=0, reference=freeze_id)
    held.released_at = work.now
    text = str(Quantity(held.quantity, cls.scale))
    work.record(
        ev.UnitsUnfrozen(
            issuance=row.id, owner=held.owner_id, ranges=tuple(ranges), quantity=text, freeze=freeze_id
        ),
        actor=actor.party_id,
    )
    return _moved(row, text, ranges, freeze_id)


async def expire_due(work: c.Work, today: dt.date) -> int:
    """Expire every live unit of issuances whose term ended before ``today``; return how many issuances.

    Run by the server's scheduler and on start, so a missed day is caught up.
    """
    due = (
        select(IssuanceRow.id)
        .join(BlockRow, BlockRow.issuance_id == IssuanceRow.id)
        .where(IssuanceRow.term_end < today, BlockRow.state.in_(LIVE))
        .distinct()
    )
    ids = sorted((await work.session.execute(due)).scalars())
    issuances = [row for row in [await work.session.get(IssuanceRow, i) for i in ids] if row is not None]
    for row in issuances:
        await _expire(work, row)
    return len(issuances)


async def _expire(work: c.Work, row: IssuanceRow) -> None:
    cls = await get_asset_class(work.session, row.asset_class)
    owners = (
        await work.session.execute(
            select(BlockRow.owner_id)
            .where(BlockRow.issuance_id == row.id, BlockRow.state.in_(LIVE))
            .distinct()
        )
    ).scalars()
    for owner in sorted(owners):
        blocks = await _locked(work.session, row.id, owner, LIVE)
        ranges = [(x.first, x.last) for x in blocks]
        await _reassign(work.session, blocks, ranges, owner=owner, state=b.EXPIRED)
        _lines(work, owner, row.id, ranges, kind="expired", sign=-1)
        work.record(
            ev.UnitsExpired(
                issuance=row.id,
                owner=owner,
                ranges=tuple(ranges),
                quantity=str(Quantity(sum(x.last - x.first + 1 for x in blocks), cls.scale)),
            ),
            actor=ev.SYSTEM,
        )


async def reserve(
    work: c.Work, *, issuance_id: int, owner: str, units: int, ref: str, asset_class: str | None = None
) -> list[tuple[int, int]]:
    """Set free units aside for an offer or order (``ref``): they cannot be moved, retired or
    offered again until delivered or released. A caller that read the issuance's ``asset_class``
    with the owner's holdings (an order does) passes it, and the issuance is not read again."""
    if asset_class is None:
        cls = (await _issuance(work.session, issuance_id))[1]
    else:
        cls = await get_asset_class(work.session, asset_class)  # kept in memory: classes never change
    blocks = await _locked(work.session, issuance_id, owner, (b.ACTIVE,))
    ranges = _top(blocks, units, cls)
    await _reassign(work.session, blocks, ranges, owner=owner, state=b.RESERVED, ref=ref)
    work.record(
        ev.UnitsReserved(
            issuance=issuance_id,
            owner=owner,
            ranges=tuple(ranges),
            quantity=str(Quantity(units, cls.scale)),
            ref=ref,
        ),
        actor=owner,
    )
    return ranges


async def release(
    work: c.Work, *, issuance_id: int, owner: str, ref: str, actor: str, units: int | None = None
) -> int:
    """Return the units reserved for ``ref`` (all, or the top ``units`` of them) to the owner's free
    units; returns how many."""
    row, cls = await _issuance(work.session, issuance_id)
    blocks = await _locked(work.session, row.id, owner, (b.RESERVED,), ref=ref)
    if not blocks or units == 0:
        return 0
    if units is None:
        ranges = [(x.first, x.last) for x in blocks]
    else:
        ranges = b.highest_ranges(
            [b.Block(x.first, x.last, x.owner_id, x.state, x.ref) for x in blocks], units
        )
    await _reassign(work.session, blocks, ranges, owner=owner, state=b.ACTIVE)
    units = sum(last - first + 1 for first, last in ranges)
    work.record(
        ev.UnitsReleased(
            issuance=row.id,
            owner=owner,
            ranges=tuple(ranges),
            quantity=str(Quantity(units, cls.scale)),
            ref=ref,
        ),
        actor=actor,
    )
    return units


async def deliver(
    work: c.Work, *, issuance_id: int, seller: str, buyer: str, ref: str, units: int
) -> list[tuple[int, int]]:
    """Move ``units`` of those reserved for ``ref`` from seller to buyer, with both statement lines;
    the seller keeps the low serials, still reserved, for the rest of its order.

    The caller records the settlement event that carries these ranges with the cash legs.
    """
    blocks = await _locked(work.session, issuance_id, seller, (b.RESERVED,), ref=ref)
    ranges = b.highest_ranges(_as_blocks(blocks), units)
    await _reassign(work.session, blocks, ranges, owner=buyer, state=b.ACTIVE)
    _lines(
        work, seller, issuance_id, ranges, kind="transfer_out", sign=-1, counterparty_id=buyer, reference=ref
    )
    _lines(
        work, buyer, issuance_id, ranges, kind="transfer_in", sign=+1, counterparty_id=seller, reference=ref
    )
    return ranges


async def held_under(session: AsyncSession, *, issuance_id: int, owner: str, ref: str) -> int:
    """How many of the owner's units of the issuance are held under ``ref`` (any lien)."""
    query = select(BlockRow).where(
        BlockRow.issuance_id == issuance_id, BlockRow.owner_id == owner, BlockRow.ref == ref
    )
    return sum(x.last - x.first + 1 for x in (await session.execute(query)).scalars())


async def rehome(
    work: c.Work,
    *,
    issuance_id: int,
    owner: str,
    state: str,
    ref: str | None,
    to_owner: str,
    to_state: str,
    to_ref: str | None,
    units: int | None = None,
) -> list[tuple[int, int]]:
    """Move the owner's units in ``state`` under ``ref`` (all, or the top ``units``) to a new owner,
    state and lien — a pledge registered, released, passed to a junior, or enforced. A change of owner
    writes both statement lines; the caller records the ledger event."""
    blocks = await _locked(work.session, issuance_id, owner, (state,), ref=ref)
    if units is None:
        ranges = [(x.first, x.last) for x in blocks]
    else:
        ranges = _top(blocks, units, (await _issuance(work.session, issuance_id))[1])
    if not ranges:
        raise NoUnitsHeld("quantity", owner=owner, state=state, issuance=issuance_id)
    await _reassign(work.session, blocks, ranges, owner=to_owner, state=to_state, ref=to_ref)
    if to_owner != owner:
        _lines(
            work,
            owner,
            issuance_id,
            ranges,
            kind="transfer_out",
            sign=-1,
            counterparty_id=to_owner,
            reference=ref or "",
        )
        _lines(
            work,
            to_owner,
            issuance_id,
            ranges,
            kind="transfer_in",
            sign=+1,
            counterparty_id=owner,
            reference=ref or "",
        )
    return ranges
