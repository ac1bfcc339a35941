"""The sequencer's promises, on SQLite and PostgreSQL: commands queued together commit together in one
transaction, each answered only after its batch committed; a refused command, or one the database
refuses, fails alone; a caller that goes away leaves its command to run; a full queue answers 503."""

import asyncio
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.idempotency import IdempotencyRow
from market import orders
from market.errors import Overloaded
from market.exchange import Exchange, Market
from market.sequencer import Sequencer
from market.tables import Side
from registry import parties, units
from registry.context import Actor, PartyKind, Role
from registry.errors import ReasonRequired, UnitsNotFree
from settlement.unit_of_work import UnitOfWork
from tests.api.test_orders import cash, entered, market, order
from tests.platform import Member, Platform

pytestmark = pytest.mark.anyio


def writes(key: str, *, then: Exception | None = None) -> Any:
    """A command that stores a row under ``key`` (a real write in the batch's transaction), and then
    raises ``then``, if given, as a command refused (or one that fails) after writing would."""

    async def command(work: UnitOfWork, _: Market | None) -> str:
        work.session.add(
            IdempotencyRow(
                user_id="test", key=key, request_hash="", status=200, body=b"", created_at=work.now
            )
        )
        await work.session.flush()
        if then is not None:
            raise then
        return key

    return command


async def stored(platform: Platform) -> set[str]:
    async with platform.core.database.reads() as session:
        return set((await session.execute(select(IdempotencyRow.key))).scalars())


def sequencer_of(platform: Platform) -> Sequencer:
    return platform.core.sequencer


async def test_commands_queued_together_commit_in_one_batch_and_a_refused_one_undoes_only_itself(
    platform: Platform,
) -> None:
    sequencer = sequencer_of(platform)
    before = sequencer.batches
    results = await asyncio.gather(
        sequencer.submit(None, None, writes("a")),
        sequencer.submit(None, None, writes("b", then=ReasonRequired(None))),
        sequencer.submit(None, None, writes("c")),
        return_exceptions=True,
    )
    assert results[0] == "a" and isinstance(results[1], ReasonRequired) and results[2] == "c"
    assert sequencer.batches == before + 1  # all three in one transaction
    assert await stored(platform) == {"a", "c"}


async def test_a_command_the_database_refuses_fails_alone_and_its_batch_runs_again_without_it(
    platform: Platform,
) -> None:
    sequencer = sequencer_of(platform)
    await sequencer.submit(None, None, writes("taken"))
    results = await asyncio.gather(
        *(sequencer.submit(None, None, writes(key)) for key in ("a", "b", "taken", "c", "d")),
        return_exceptions=True,
    )
    assert results[:2] == ["a", "b"] and results[3:] == ["c", "d"]
    assert isinstance(results[2], IntegrityError)  # the duplicate key: the database refused it
    assert await stored(platform) == {"taken", "a", "b", "c", "d"}


def changes(
    key: str, *, status: int | None = None, delete: bool = False, read: bool = False, refuse: bool = False
) -> Any:
    """A command that, without flushing (a batch writes at its end), adds a row under ``key``, or
    sets the stored row's status, or deletes it; then, if ``read``, reads (which flushes what is
    pending); and then, if ``refuse``, is refused."""

    async def command(work: UnitOfWork, _: Market | None) -> str:
        row = await work.session.get(IdempotencyRow, ("test", key))  # from the session, if it has it
        if row is None:
            work.session.add(
                IdempotencyRow(
                    user_id="test", key=key, request_hash="", status=200, body=b"", created_at=work.now
                )
            )
        elif delete:
            await work.session.delete(row)
        elif status is not None:
            row.status = status
        if read:
            await stored_in(work.session)
        if refuse:
            raise ReasonRequired(None)
        return key

    return command


async def statuses(platform: Platform) -> dict[str, int]:
    async with platform.core.database.reads() as session:
        return await stored_in(session)


async def stored_in(session: AsyncSession) -> dict[str, int]:
    return dict((await session.execute(select(IdempotencyRow.key, IdempotencyRow.status))).all())


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(changes("new", refuse=True), id="adds"),
        pytest.param(changes("kept", status=500, refuse=True), id="changes-a-row-changed-before-it"),
        pytest.param(changes("kept", delete=True, refuse=True), id="deletes"),
        pytest.param(changes("kept", delete=True, read=True, refuse=True), id="deletes-and-reads"),
        pytest.param(changes("new", read=True, refuse=True), id="adds-and-reads"),
    ],
)
async def test_a_command_refused_after_changing_rows_it_had_not_flushed_undoes_only_itself(
    platform: Platform, refused: Any
) -> None:
    sequencer = sequencer_of(platform)
    await sequencer.submit(None, None, changes("kept"))
    before = sequencer.batches
    results = await asyncio.gather(
        sequencer.submit(None, None, changes("kept", status=201)),  # the row, changed and not flushed
        sequencer.submit(None, None, refused),
        sequencer.submit(None, None, changes("after")),
        return_exceptions=True,
    )
    assert results[0] == "kept" and isinstance(results[1], ReasonRequired) and results[2] == "after"
    assert sequencer.batches == before + 1
    assert await statuses(platform) == {"kept": 201, "after": 200}


async def test_a_command_whose_caller_goes_away_still_runs(platform: Platform) -> None:
    sequencer = sequencer_of(platform)
    caller = asyncio.ensure_future(sequencer.submit(None, None, writes("left")))
    await asyncio.sleep(0)  # queued
    caller.cancel()
    await sequencer.submit(None, None, writes("after"))  # sequenced behind it, so it has run
    assert await stored(platform) == {"left", "after"}


async def test_a_full_queue_answers_503_with_retry_after_and_changes_nothing(platform: Platform) -> None:
    seller, _, issuance, instrument = await market(platform)
    sequencer = platform.client.app.state.platform.sequencer
    limit, sequencer.limit = sequencer.limit, 0
    try:
        refused = await order(platform, seller, instrument, "sell", "10", price="45.00")
    finally:
        sequencer.limit = limit
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["type"].endswith("/overloaded")
    assert await platform.holdings(seller) == {(issuance, "active"): "1000"}


async def test_orders_sent_at_once_are_batched_and_each_answered_after_its_commit(platform: Platform) -> None:
    seller, buyer, issuance, instrument = await market(platform)
    sequencer = platform.client.app.state.platform.sequencer
    before = sequencer.batches
    sells = await platform.at_once(
        *(order(platform, seller, instrument, "sell", "10", price="45.00") for _ in range(20))
    )
    assert [r.status_code for r in sells] == [201] * 20
    assert sequencer.batches - before < 20  # some shared a transaction
    bought = await entered(platform, buyer, instrument, "buy", "200", price="45.00")
    assert bought["status"] == "filled"
    assert await platform.holdings(buyer) == {(issuance, "active"): "200"}
    depth = (await platform.get(f"/api/v1/market/{instrument}/depth")).json()
    assert depth["asks"] == [] and depth["bids"] == []
    assert await platform.audit() == []


async def test_one_idempotency_key_sent_twice_at_once_acts_once(platform: Platform) -> None:
    seller, _, issuance, instrument = await market(platform)
    body = {"instrument": instrument, "side": "sell", "quantity": "10", "price": "45.00"}
    twice = await platform.at_once(
        *(platform.post("/api/v1/orders", seller, body, **{"Idempotency-Key": "k1"}) for _ in range(2))
    )
    assert [r.status_code for r in twice] == [201, 201]
    assert twice[0].json()["id"] == twice[1].json()["id"]
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in twice) == ["", "true"]
    assert await platform.holdings(seller) == {(issuance, "active"): "990", (issuance, "reserved"): "10"}


async def test_a_stopped_sequencer_refuses_new_commands_rather_than_leave_them_waiting(
    platform: Platform,
) -> None:
    core = platform.core
    sequencer = Sequencer(Exchange(), core.database.sequenced, core.ledger, core.clock, core.ids)
    async with sequencer.running():
        assert await sequencer.submit(None, None, writes("before")) == "before"
    with pytest.raises(Overloaded):
        await sequencer.submit(None, None, writes("after"))
    assert await stored(platform) == {"before"}


async def test_the_sequencer_and_another_writer_racing_for_the_same_units_do_not_both_spend_them(
    platform: Platform,
) -> None:
    """A second writer on the same database (a CLI command, another process) meets the sequencer's
    batches at the database's locks: the units go once."""
    seller = await platform.onboard("collective", "361028")
    buyers = [await platform.onboard("enterprise"), await platform.onboard("enterprise")]
    actor = Actor(seller.party, PartyKind.COLLECTIVE, "cli", Role.MANAGER)
    for _ in range(5):
        issued = await platform.confirmed(seller, "CS", "100")

        async def directly(issuance: int = issued["id"]) -> str:
            async with platform.core.unit_of_work() as work:
                await units.transfer(work, actor, issuance_id=issuance, to=buyers[1].party, quantity="70")
                await work.commit()
            return "moved"

        through_http = platform.post(
            "/api/v1/transfers", seller, {"issuance": issued["id"], "to": buyers[0].party, "quantity": "70"}
        )
        answer, direct = await asyncio.gather(through_http, directly(), return_exceptions=True)
        assert isinstance(answer, Response)
        moved = [answer.status_code == 201, direct == "moved"]
        assert moved.count(True) == 1, (answer.text, direct)
        if direct != "moved":
            assert isinstance(direct, UnitsNotFree)
        held = [await platform.holdings(b) for b in buyers]
        assert sorted(h.get((issued["id"], "active"), "0") for h in held) == ["0", "70"]
    assert await platform.audit() == []


@pytest.mark.parametrize("queue", ["0", "-5"])
def test_a_queue_bound_that_admits_nothing_stops_the_start(
    queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANGSHAN_SEQUENCER_QUEUE", queue)
    with pytest.raises(ValueError, match="LIANGSHAN_SEQUENCER_QUEUE"):
        Settings.from_env()


async def test_the_platforms_own_jobs_run_while_the_queue_refuses_clients(platform: Platform) -> None:
    seller, _, _, instrument = await market(platform)
    day = await entered(platform, seller, instrument, "sell", "10", price="45.00", time_in_force="DAY")
    sequencer = platform.client.app.state.platform.sequencer
    limit, sequencer.limit = sequencer.limit, 0
    try:
        await platform.advance(days=1)  # the day's end: its DAY orders expire, though clients are refused
    finally:
        sequencer.limit = limit
    assert (await platform.get(f"/api/v1/orders/{day['id']}", seller)).json()["status"] == "expired"


async def test_an_order_on_an_unknown_instrument_is_refused_alone(platform: Platform) -> None:
    seller, _, issuance, instrument = await market(platform)
    good, unknown = await platform.at_once(
        order(platform, seller, instrument, "sell", "10", price="45.00"),
        order(platform, seller, "no-such-instrument", "sell", "10", price="45.00"),
    )
    assert (good.status_code, unknown.status_code) == (201, 404), (good.text, unknown.text)
    assert unknown.json()["field"] == "instrument"
    assert await platform.holdings(seller) == {(issuance, "active"): "990", (issuance, "reserved"): "10"}


async def in_one_batch(platform: Platform, *commands: tuple[str | None, Any]) -> list[Any]:
    """Submit ``commands`` (each on its instrument's queue, or the general one) at once: they run in one
    batch, in this order; their results or refusals."""
    sequencer = sequencer_of(platform)
    before = sequencer.batches
    results = await asyncio.gather(
        *(sequencer.submit(instrument, None, command) for instrument, command in commands),
        return_exceptions=True,
    )
    assert sequencer.batches == before + 1
    return results


def ordering(platform: Platform, member: Member, side: Side, quantity: str, price: str) -> Any:
    """An order as a sequencer command on its book, as the order route runs it."""
    actor = Actor(member.party, PartyKind(member.kind), "trader", Role.MANAGER)
    entry = orders.Entry(side, quantity, price)

    async def command(work: UnitOfWork, book: Market | None) -> Any:
        assert book is not None
        return await orders.submit(work, book, actor, entry, fees=await platform.core.fees())

    return command


async def test_a_freeze_earlier_in_a_batch_stops_a_trade_with_the_frozen_party_later_in_it(
    platform: Platform,
) -> None:
    """The freeze is not yet written when the trade checks the seller: the check reads it all the same."""
    seller, buyer, _, instrument = await market(platform)
    await entered(platform, seller, instrument, "sell", "10", price="45.00")
    regulator = Actor((await platform.regulator()).party, PartyKind.REGULATOR, "regulator", Role.MANAGER)

    async def freeze(work: UnitOfWork, _: Market | None) -> Any:
        return await parties.freeze_party(work, regulator, party_id=seller.party, reason="核查")

    frozen, bought = await in_one_batch(
        platform, (None, freeze), (instrument, ordering(platform, buyer, Side.BUY, "10", "45.00"))
    )
    assert not isinstance(frozen, Exception), frozen
    assert isinstance(bought, parties.PartyIsFrozen), bought
    assert await cash(platform, buyer) == ("100000.00", "0.00")
    assert await platform.audit() == []


@pytest.mark.parametrize("first", ["cancel", "buy"])
async def test_units_freed_or_bought_earlier_in_a_batch_can_be_sold_later_in_it(
    platform: Platform, first: str
) -> None:
    """What the seller may sell is what it holds as the batch has it, not as the database last had it."""
    seller, buyer, issuance, instrument = await market(platform)
    resting = await entered(platform, seller, instrument, "sell", "1000", price="45.00")
    if first == "cancel":
        owner, actor = seller, Actor(seller.party, PartyKind.COLLECTIVE, "seller", Role.MANAGER)

        async def earlier(work: UnitOfWork, book: Market | None) -> Any:
            assert book is not None
            return await orders.cancel(work, book, actor, resting["id"], fees=await platform.core.fees())

        before_it = earlier
    else:  # the buyer buys all of it, and sells it on in the same batch
        owner, before_it = buyer, ordering(platform, buyer, Side.BUY, "1000", "45.00")
    done, sold = await in_one_batch(
        platform, (instrument, before_it), (instrument, ordering(platform, owner, Side.SELL, "1000", "60.00"))
    )
    assert not isinstance(done, Exception), done
    assert not isinstance(sold, Exception), sold
    assert await platform.holdings(owner) == {(issuance, "reserved"): "1000"}
    assert await platform.audit() == []


async def test_a_seller_refused_for_want_of_units_may_sell_those_it_buys_later_in_the_batch(
    platform: Platform,
) -> None:
    """Which issuances a seller holds is asked once a batch; units of one it buys later make it ask again,
    whether the purchase is written yet or not (here it is: a command between writes what is pending).
    The queues take turns: the book's three orders interleave with the general queue's two commands."""
    seller, buyer, issuance, instrument = await market(platform)
    await entered(platform, seller, instrument, "sell", "1000", price="45.00")

    async def nothing(work: UnitOfWork, _: Market | None) -> None:
        return None

    async def write_pending(work: UnitOfWork, _: Market | None) -> None:
        await work.session.flush()

    refused, _, bought, _, sold = await in_one_batch(
        platform,
        (instrument, ordering(platform, buyer, Side.SELL, "10", "60.00")),
        (None, nothing),
        (instrument, ordering(platform, buyer, Side.BUY, "1000", "45.00")),
        (None, write_pending),
        (instrument, ordering(platform, buyer, Side.SELL, "1000", "60.00")),
    )
    assert isinstance(refused, orders.NoIssuanceHoldsEnough), refused
    assert not isinstance(bought, Exception), bought
    assert not isinstance(sold, Exception), sold
    assert await platform.holdings(buyer) == {(issuance, "reserved"): "1000"}
    assert await platform.audit() == []
