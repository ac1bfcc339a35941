"""Run a use case in a unit of work, with the caller's Idempotency-Key honoured atomically."""

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.serialization import encode_json

from api.database import Database
from api.idempotency import IdempotencyRow, recall, request_hash
from market.orders import Exchange, Fees, Market
from registry.context import Actor
from registry.parties import platform_party
from settlement.collateral import Attestor
from settlement.ledger import Ledger
from settlement.unit_of_work import Clock, UnitOfWork, random_id

T = TypeVar("T")
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Services:
    """What every handler needs, built once by the app factory."""

    database: Database
    ledger: Ledger
    clock: Clock
    fee_bps: int = 0  # per side, on every settled trade
    ids: Callable[[], str] = random_id
    exchange: Exchange = field(default_factory=Exchange)
    ltv_caps: dict[str, int] = field(default_factory=dict)  # basis points per asset class
    four_eyes_above: dict[str, str] = field(default_factory=dict)  # display units per asset class
    actors: dict[str, tuple[int, Actor]] = field(default_factory=dict)  # see api.auth
    attestor: Attestor = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attestor", Attestor(self.ledger, self.database.reads))  # frozen: once, here

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.database.writes, self.ledger, self.clock, self.ids)

    def now(self) -> dt.datetime:
        return self.clock()


async def perform(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    use_case: Callable[[UnitOfWork], Awaitable[T]],
    *,
    status: int = 201,
) -> Response[Any]:
    """Run ``use_case`` and commit it with its ledger entries; replay the stored answer on a retry."""
    key = request.headers.get("idempotency-key")
    digest = request_hash(request.method, request.url.path, await request.body())
    async with services.unit_of_work() as work:
        if key is not None:
            stored = await recall(work.session, actor.user_id, key, digest)
            if stored is not None:
                return Response(
                    stored.body,
                    status_code=stored.status,
                    media_type=JSON,
                    headers={"Idempotent-Replayed": "true"},
                )
        content = encode_json(await use_case(work))
        if key is not None:
            work.session.add(
                IdempotencyRow(
                    user_id=actor.user_id,
                    key=key,
                    request_hash=digest,
                    status=status,
                    body=content,
                    created_at=work.now,
                )
            )
        await work.commit()
    return Response(content, status_code=status, media_type=JSON)


async def perform_on_book(
    request: Request[Any, Any, Any],
    services: Services,
    actor: Actor,
    instrument_id: str,
    use_case: Callable[[UnitOfWork, Market, Fees], Awaitable[T]],
    *,
    status: int = 201,
) -> Response[Any]:
    """``perform`` as the one writer of an instrument's book, which is held until the commit."""
    async with services.exchange.writer(services.database.reads, instrument_id) as market:

        async def run(work: UnitOfWork) -> T:
            exchange = services.exchange
            if exchange.fee_account is None:  # the registrar's party, fixed once it exists
                exchange.fee_account = await platform_party(work.session)
            return await use_case(work, market, Fees(services.fee_bps, exchange.fee_account))

        return await perform(request, services, actor, run, status=status)
