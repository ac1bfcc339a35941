"""The composition root: ``build_platform(settings)`` wires the database, the ledger, the clock and the
exchange once, for the app, the CLI, the demo seed and the tests alike.

Reference data that does not change while the process runs — the fee account (the registrar's party)
— is resolved once, on first use, rather than on every request.
"""

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from litestar.di import NamedDependency

from api.config import Settings
from api.database import Database, connect, upgrade
from market.exchange import Exchange
from market.execution import Fees
from market.sequencer import QUEUED, Sequencer
from market.surveillance import Thresholds
from registry.credentials import Credential
from registry.parties import platform_party
from settlement.attestor import Attestor
from settlement.cosignature import Cosigner
from settlement.ledger import Ledger, current_key, current_size
from settlement.signing_key import SigningKeyError, load_or_create
from settlement.unit_of_work import Clock, UnitOfWork, random_id, system_clock
from settlement.webhooks import Endpoints


@dataclass(frozen=True, slots=True)
class Platform:
    """What every route, command and job needs, built once."""

    database: Database
    ledger: Ledger
    clock: Clock
    fee_bps: int = 0  # per side, on every settled trade
    ids: Callable[[], str] = random_id
    exchange: Exchange = field(default_factory=Exchange)
    ltv_caps: dict[str, int] = field(default_factory=dict)  # basis points per asset class
    four_eyes_above: dict[str, str] = field(default_factory=dict)  # display units per asset class
    credentials: dict[str, tuple[int, Credential]] = field(default_factory=dict)  # see api.access
    key_uses: dict[str, dt.datetime] = field(default_factory=dict)  # key id → last use written
    witnesses: tuple[Cosigner, ...] = ()  # whose cosignatures of checkpoints are kept and served
    surveillance: Thresholds = field(default_factory=Thresholds)  # when alerts are raised
    sequencer_queue: int = QUEUED  # writes that may wait for the sequencer
    webhook_endpoints: Endpoints = field(default_factory=Endpoints)  # where webhooks may deliver
    attestor: Attestor = field(init=False)
    sequencer: Sequencer = field(init=False)  # the one writer of units, cash and books (market.sequencer)

    def __post_init__(self) -> None:  # frozen: these are set once, here
        object.__setattr__(self, "attestor", Attestor(self.ledger, self.database.read_at_once))
        sequencer = Sequencer(
            self.exchange,
            self.database.sequenced,
            self.ledger,
            self.clock,
            self.ids,
            queued=self.sequencer_queue,
        )
        object.__setattr__(self, "sequencer", sequencer)

    def unit_of_work(self, acting_user: str | None = None) -> UnitOfWork:
        """A unit of work; ``acting_user``, the user whose request it carries out, goes in its entries."""
        return UnitOfWork(self.database.writes, self.ledger, self.clock, self.ids, acting_user)

    def now(self) -> dt.datetime:
        return self.clock()

    async def fees(self) -> Fees:
        """The trading fee and the account it is paid to: the registrar's party, fixed once it exists."""
        if self.exchange.fee_account is None:
            async with self.database.reads() as session:
                self.exchange.fee_account = await platform_party(session)
        return Fees(self.fee_bps, self.exchange.fee_account)


async def open_ledger(database: Database, settings: Settings) -> Ledger:
    """The ledger with its signing key, refused when the key is not the one the latest ledgered
    rotation handed over to (a retired key, or a file swapped without a rotation)."""
    async with database.reads() as session:
        size, current = await current_size(session), await current_key(session)
    ledger = Ledger(settings.ledger_origin, load_or_create(settings.ledger_key, ledger_size=size))
    if current is not None and current != ledger.verifier_key:
        raise SigningKeyError(
            f"{settings.ledger_key} holds {ledger.verifier_key}, but the ledger's signing key was rotated "
            f"to {current}: point LIANGSHAN_LEDGER_KEY at that key's file"
        )
    return ledger


@contextlib.asynccontextmanager
async def build_platform(settings: Settings, clock: Clock = system_clock) -> AsyncIterator[Platform]:
    """Migrate the database, open the ledger (refusing to run without the key that signed it) and
    yield the platform with its sequencer running; on the way out the sequencer finishes what is
    queued and the database's connections are closed."""
    database = connect(settings.database_url)
    try:
        await upgrade(database)
        platform = Platform(
            database,
            await open_ledger(database, settings),
            clock,
            settings.fee_bps,
            ltv_caps=settings.ltv_caps,
            four_eyes_above=settings.four_eyes_above,
            witnesses=tuple(Cosigner.of(key) for key in settings.witnesses),
            surveillance=settings.surveillance,
            sequencer_queue=settings.sequencer_queue,
            webhook_endpoints=Endpoints(settings.webhook_plain_http, settings.webhook_private_addresses),
        )
        async with platform.sequencer.running():
            yield platform
    finally:
        await database.dispose()


PlatformDep = NamedDependency[Platform]
