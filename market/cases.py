"""Surveillance cases: the alerts ``market.surveillance`` raises, kept with an id and a status that a
regulator user moves on — open → acknowledged → closed, with a note.

``survey`` runs the analysis over the trades of the configured window and ``open_cases`` opens a
case for each alert not seen before; an alert's natural key (its trades, or its party, market and
day) makes a second run open nothing twice, even two runs at once. A case keeps the trades and
parties as they were seen, names beside ids, the instrument's symbol, and for a circle the path in
time order. Who acknowledged and who closed a case — the regulator user's id and name — and when are
kept on the case: handling a case changes no holding and no cash, and the ledger serves every entry
to the parties it names, which would tell them they are watched.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from market import surveillance
from market.surveillance import Kind, Severity, Thresholds, TradeRecord
from market.tables import CaseStatus, SurveillanceCaseRow
from registry import context as c
from registry import relations
from registry.errors import Conflict, NotFound, ReasonRequired
from registry.tables import InstrumentRow, PartyRow, UserRow
from settlement.ledger import Ledger


class UnknownCase(NotFound):
    title = "Unknown surveillance case"
    template = "no surveillance case {case}"


class CaseNotInStatus(Conflict):
    title = "Case not in that status"
    template = "case {case} is {status}; only an {expected} case can be {action}"


@dataclass(frozen=True, slots=True)
class Named:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class CaseTrade:
    trade: str
    seq: int  # its ledger entry
    at: dt.datetime
    seller: Named
    buyer: Named
    quantity: str
    price: str | None
    value: str


@dataclass(frozen=True, slots=True)
class Step:
    """One leg of a circle: units went from seller to buyer in ``trade`` at ``at``."""

    seller: Named
    buyer: Named
    trade: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Transition:
    user: Named  # the regulator user who acted
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    kind: Kind
    severity: Severity
    status: CaseStatus
    market: str  # an instrument's id, or issuance-N for a unique right
    symbol: str | None  # the instrument's
    detail: str
    trades: list[CaseTrade]
    parties: list[Named]
    path: list[Step] | None  # a circle's legs in time order: A → B → C → A
    opened_at: dt.datetime
    acknowledged: Transition | None
    closed: Transition | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Findings:
    """What one surveillance run found, and the trades it read (to name them)."""

    alerts: list[surveillance.Alert]
    trades: dict[str, TradeRecord]


async def survey(session: AsyncSession, ledger: Ledger, thresholds: Thresholds, now: dt.datetime) -> Findings:
    """Run surveillance over the window back from ``now``: a read, kept out of the writing
    transaction (on SQLite the one writer at a time) however many trades it reads."""
    since = now - dt.timedelta(days=thresholds.window_days)
    history = await surveillance.trades(session, ledger, until=now)
    window = [t for t in history if t.at >= since]
    groups = relations.groups(await relations.links(session))
    bands = await surveillance.references(session)
    alerts = [
        *surveillance.analyse(window, history, groups, bands, thresholds),
        *await surveillance.lot_concentration(session, thresholds, since=since, until=now),
    ]
    return Findings(alerts, {t.trade: t for t in history})


async def open_cases(work: c.Work, found: Findings) -> int:
    """Open a case for each alert not raised before, in any status; returns how many were opened."""
    session = work.session
    keys = {_hash(alert.key): alert for alert in found.alerts}
    known = set(
        (
            await session.execute(
                select(SurveillanceCaseRow.natural_key).where(SurveillanceCaseRow.natural_key.in_(keys))
            )
        ).scalars()
    )
    fresh = [alert for key, alert in keys.items() if key not in known]
    by_id = found.trades
    names = await _names(
        session, {p for a in fresh for t in a.trades if t in by_id for p in _sides(by_id[t])}
    )
    opened = 0
    for alert in fresh:
        values = await _row(session, alert, by_id, names, work.now)
        opened += await _insert_new(session, values)
    return opened


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _sides(trade: TradeRecord) -> tuple[str, str]:
    return trade.seller, trade.buyer


async def _names(session: AsyncSession, parties: set[str]) -> dict[str, str]:
    rows = await session.execute(select(PartyRow.id, PartyRow.name).where(PartyRow.id.in_(parties)))
    return dict(rows.all())


async def _row(
    session: AsyncSession,
    alert: surveillance.Alert,
    by_id: dict[str, TradeRecord],
    names: dict[str, str],
    now: dt.datetime,
) -> dict[str, Any]:
    def named(party: str) -> dict[str, str]:
        return {"id": party, "name": names.get(party, party)}

    trades = [by_id[t] for t in alert.trades if t in by_id]
    instrument = await session.get(InstrumentRow, alert.market)
    detail = alert.detail
    for party, name in sorted(names.items()):
        detail = detail.replace(party, name)
    return {
        "natural_key": _hash(alert.key),
        "kind": alert.kind,
        "severity": alert.severity,
        "status": CaseStatus.OPEN,
        "market": alert.market,
        "symbol": instrument.symbol if instrument else None,
        "detail": detail.replace(alert.market, instrument.symbol) if instrument else detail,
        "trades": [
            {
                "trade": t.trade,
                "seq": t.seq,
                "at": t.at.isoformat(),
                "seller": named(t.seller),
                "buyer": named(t.buyer),
                "quantity": t.quantity,
                "price": t.price,
                "value": t.value,
            }
            for t in trades
        ],
        "parties": [named(party) for party in alert.parties],
        "path": None
        if alert.path is None
        else [
            {"seller": named(t.seller), "buyer": named(t.buyer), "trade": t.trade, "at": t.at.isoformat()}
            for t in (by_id[trade] for trade in alert.path)
        ],
        "opened_at": now,
    }


async def _insert_new(session: AsyncSession, values: dict[str, Any]) -> int:
    """Insert a case unless one with its natural key exists (another run's, committed meanwhile)."""
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(SurveillanceCaseRow).values(values).on_conflict_do_nothing(index_elements=["natural_key"])
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _case(row: SurveillanceCaseRow) -> Case:
    def named(value: dict[str, str]) -> Named:
        return Named(value["id"], value["name"])

    def transition(user: str | None, name: str | None, at: dt.datetime | None) -> Transition | None:
        return None if user is None or at is None else Transition(Named(user, name or user), at)

    return Case(
        id=row.id,
        kind=Kind(row.kind),
        severity=Severity(row.severity),
        status=CaseStatus(row.status),
        market=row.market,
        symbol=row.symbol,
        detail=row.detail,
        trades=[
            CaseTrade(
                t["trade"],
                t["seq"],
                dt.datetime.fromisoformat(t["at"]),
                named(t["seller"]),
                named(t["buyer"]),
                t["quantity"],
                t["price"],
                t["value"],
            )
            for t in row.trades
        ],
        parties=[named(p) for p in row.parties],
        path=None
        if row.path is None
        else [
            Step(named(s["seller"]), named(s["buyer"]), s["trade"], dt.datetime.fromisoformat(s["at"]))
            for s in row.path
        ],
        opened_at=row.opened_at,
        acknowledged=transition(row.acknowledged_by, row.acknowledged_by_name, row.acknowledged_at),
        closed=transition(row.closed_by, row.closed_by_name, row.closed_at),
        note=row.note,
    )


async def count_open(session: AsyncSession) -> int:
    """How many surveillance cases no regulator has taken up yet."""
    query = (
        select(func.count())
        .select_from(SurveillanceCaseRow)
        .where(SurveillanceCaseRow.status == CaseStatus.OPEN)
    )
    return int((await session.execute(query)).scalar_one())


async def list_cases(
    session: AsyncSession,
    *,
    status: CaseStatus | None,
    kind: Kind | None,
    market: str | None,
    after: int | None,
    limit: int,
) -> list[Case]:
    """Cases oldest first, filtered; paged by id."""
    query = select(SurveillanceCaseRow).order_by(SurveillanceCaseRow.id).limit(limit)
    for column, value in (
        (SurveillanceCaseRow.status, status),
        (SurveillanceCaseRow.kind, kind),
        (SurveillanceCaseRow.market, market),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        query = query.where(SurveillanceCaseRow.id > after)
    return [_case(row) for row in (await session.execute(query)).scalars()]


async def get_case(session: AsyncSession, case_id: int) -> Case:
    row = await session.get(SurveillanceCaseRow, case_id)
    if row is None:
        raise UnknownCase("case_id", case=case_id)
    return _case(row)


async def acknowledge(work: c.Work, actor: c.Actor, case_id: int) -> Case:
    """An open case taken up by the acting regulator user."""
    actor.require(c.PartyKind.REGULATOR)
    user = await _user_name(work.session, actor)
    changes = {"acknowledged_by": actor.user_id, "acknowledged_by_name": user, "acknowledged_at": work.now}
    return await _move(work.session, case_id, "acknowledged", changes)


async def close(work: c.Work, actor: c.Actor, case_id: int, note: str) -> Case:
    """An acknowledged case closed by the acting regulator user, saying why in ``note``."""
    actor.require(c.PartyKind.REGULATOR)
    if not note.strip():
        raise ReasonRequired("note")
    user = await _user_name(work.session, actor)
    changes = {
        "closed_by": actor.user_id,
        "closed_by_name": user,
        "closed_at": work.now,
        "note": note.strip(),
    }
    return await _move(work.session, case_id, "closed", changes)


async def _user_name(session: AsyncSession, actor: c.Actor) -> str:
    user = await session.get(UserRow, actor.user_id)
    return user.name if user is not None else actor.user_id


# each step: the status it takes the case from, and the one it leaves it in
STEPS = {
    "acknowledged": (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED),
    "closed": (CaseStatus.ACKNOWLEDGED, CaseStatus.CLOSED),
}


async def _move(session: AsyncSession, case_id: int, action: str, changes: dict[str, Any]) -> Case:
    """Take the case one step on in one conditional update: of two regulators acting at once, one
    moves it and the other is told its new status."""
    expected, status = STEPS[action]
    moved = await session.execute(
        update(SurveillanceCaseRow)
        .where(SurveillanceCaseRow.id == case_id, SurveillanceCaseRow.status == expected)
        .values(status=status, **changes)
        .execution_options(synchronize_session=False)
    )
    row = await session.get(SurveillanceCaseRow, case_id, populate_existing=True)
    if row is None:
        raise UnknownCase("case_id", case=case_id)
    if moved.rowcount == 0:  # type: ignore[attr-defined]
        raise CaseNotInStatus("case_id", case=case_id, status=row.status, expected=expected, action=action)
    return _case(row)
