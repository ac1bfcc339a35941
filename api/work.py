"""Run a write route's use case through the sequencer, with the caller's Idempotency-Key honoured
atomically: the one call every write route makes (``await act(lambda call: …)``).

The use case, the check for a stored answer and the storing of the new one run as one command of a
batch (``market.sequencer``), so an answer and the change it describes commit together; the answer is
sent only once its batch has committed. The answer's status is the route's declared one, so what the
OpenAPI document says is what is sent. Every entry the command writes records the caller's user
beside the party. An answer that carries a new secret (an API key) is stored for a replay without it
(``ShownOnce``).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.serialization import encode_json

from api.idempotency import IdempotencyRow, recall, request_hash
from api.platform import Platform
from market.exchange import Market
from market.execution import Fees
from market.sequencer import Command
from registry.context import Actor
from registry.credentials import ShownOnce
from settlement.unit_of_work import UnitOfWork

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Call:
    """What a use case is handed: its unit of work, who acts, and the platform's settings."""

    work: UnitOfWork
    actor: Actor
    platform: Platform
    fees: Fees


@dataclass(frozen=True, slots=True)
class Act:
    """A write route's runner, injected as ``act``."""

    request: Request[Any, Any, Any]
    platform: Platform
    actor: Actor
    idempotency_key: str | None

    async def __call__(
        self, use_case: Callable[[Call], Awaitable[Any]], *, status: int | None = None
    ) -> Response[Any]:
        """Run ``use_case`` and commit it with its ledger entries; replay the stored answer on a retry.
        The answer has the route's status, or ``status`` where the route documents another one too."""
        fees = await self.platform.fees()
        return await self._perform(
            None, lambda work, _: use_case(Call(work, self.actor, self.platform, fees)), status
        )

    async def on_book(
        self, instrument_id: str, use_case: Callable[[Call, Market], Awaitable[Any]]
    ) -> Response[Any]:
        """``act`` as the writer of an instrument's book, which the use case is handed."""
        fees = await self.platform.fees()

        async def booked(work: UnitOfWork, market: Market | None) -> Any:
            assert market is not None, "the sequencer hands a book to the command it queued on one"
            return await use_case(Call(work, self.actor, self.platform, fees), market)

        return await self._perform(instrument_id, booked, None)

    async def _perform(
        self, instrument_id: str | None, run: Command[Any], status: int | None
    ) -> Response[Any]:
        request, actor = self.request, self.actor
        status = status or request.route_handler.status_code
        key = self.idempotency_key
        digest = request_hash(request.method, request.url.path, await request.body())

        async def command(work: UnitOfWork, market: Market | None) -> Response[Any]:
            if key is not None:
                stored = await recall(work.session, actor.user_id, key, digest)
                if stored is not None:
                    return Response(
                        stored.body,
                        status_code=stored.status,
                        media_type=JSON,
                        headers={"Idempotent-Replayed": "true"},
                    )
            result = await run(work, market)
            content = encode_json(result)
            if key is not None:
                work.session.add(
                    IdempotencyRow(
                        user_id=actor.user_id,
                        key=key,
                        request_hash=digest,
                        status=status,
                        body=encode_json(result.redacted()) if isinstance(result, ShownOnce) else content,
                        created_at=work.now,
                    )
                )
            return Response(content, status_code=status, media_type=JSON)

        return await self.platform.sequencer.submit(instrument_id, actor.user_id, command)


ActDep = NamedDependency[Act]
