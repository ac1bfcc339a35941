"""Rate limits per API key and per client address, and a much stricter one on unknown keys.

Each limit is GCRA (the generic cell rate algorithm, as ATM networks and most API gateways meter
traffic): a limit of ``count`` per ``seconds`` lets a client send ``count`` requests at once and then
one every ``seconds / count``, and keeps a single number per client — the instant its allowance is
next fully spent. ``Buckets`` is pure: it is handed the time, so a test moves a clock instead of
sleeping. (Litestar's ``RateLimitMiddleware`` keeps a list of wall-clock timestamps per client and
one limit; it knows nothing of failed authentication.)

The middleware checks, before anything reads the database: the client address's limit; then, for a
request that presents a key, the address's allowance of unknown keys (spent by every answer 401 to a
request that carried a key, so a guesser is answered 429 before any key lookup) and that key's own
limit. A refusal is a 429 problem with ``Retry-After`` in whole seconds.

The state lives in the serving process (one per database, as DESIGN §3 has it); behind a reverse
proxy the client address is the proxy's unless the server is told to trust its forwarding headers.
"""

import hashlib
import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.errors import RegistryError

MAX_CLIENTS = 100_000  # per limit: beyond it, clients whose allowance is whole again are forgotten
IPV6_PREFIX = 64  # an IPv6 client is its /64: one subscriber's network, as routers assign them


class RateLimited(RegistryError):
    """A limit on how often a client may ask; its facts say when to retry (``retry_after``)."""

    title = "Too many requests"


class AddressRateLimited(RateLimited):
    template = "more than {count} requests in {seconds} s from your address; retry in {retry_after} s"


class KeyRateLimited(RateLimited):
    template = "more than {count} requests in {seconds} s with this API key; retry in {retry_after} s"


class UnknownKeysRateLimited(RateLimited):
    template = "more than {count} unknown API keys in {seconds} s from your address; retry in {retry_after} s"


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` requests at once, and ``count`` per ``seconds`` after that."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str, variable: str) -> "Rate | None":
        """``COUNT/SECONDS`` (``600/60``), or ``off``; anything else stops the start, naming the
        variable."""
        if text.strip().lower() == "off":
            return None
        count, _, seconds = text.strip().partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
            raise ValueError(f"{variable}: {text!r} is not COUNT/SECONDS (such as 600/60) or off")
        return cls(int(count), int(seconds))

    @property
    def interval(self) -> float:
        return self.seconds / self.count

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}"


class Buckets:
    """GCRA for many clients of one ``Rate``: per client, the theoretical arrival time (TAT) of its
    next request; a request conforms when the TAT it would leave is within ``seconds`` of now."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._due: dict[str, float] = {}

    def wait(self, client: str, now: float) -> float:
        """Seconds until ``client`` may make one more request (0: it may now)."""
        due = max(self._due.get(client, now), now) + self.rate.interval
        return max(0.0, due - self.rate.seconds - now)

    def take(self, client: str, now: float) -> float:
        """Spend one request of ``client``'s allowance if it conforms; return ``wait`` either way."""
        wait = self.wait(client, now)
        if wait == 0:
            self.charge(client, now)
        return wait

    def charge(self, client: str, now: float) -> None:
        """Spend one request of the allowance whether or not it conforms (an outcome already had)."""
        if len(self._due) >= MAX_CLIENTS:
            self._due = {c: due for c, due in self._due.items() if due > now}
            if len(self._due) >= MAX_CLIENTS:  # a flood of clients: start afresh rather than grow
                self._due.clear()
        self._due[client] = max(self._due.get(client, now), now) + self.rate.interval


@dataclass(frozen=True, slots=True)
class Limits:
    """The three limits; ``None`` turns one off."""

    per_address: Rate | None
    per_key: Rate | None
    unknown_keys: Rate | None


UNLIMITED = Limits(None, None, None)


class Limiter:
    """The limits' state for one serving process, timed by the platform's clock."""

    def __init__(self, limits: Limits, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.addresses = Buckets(limits.per_address) if limits.per_address else None
        self.keys = Buckets(limits.per_key) if limits.per_key else None
        self.unknown_keys = Buckets(limits.unknown_keys) if limits.unknown_keys else None

    def admit(self, address: str, key: str | None) -> None:
        """Refuse (raise) a request over a limit; otherwise spend its share."""
        now = self.clock()
        if self.addresses is not None:
            _conform(self.addresses, address, now, AddressRateLimited, take=True)
        if key is None:
            return
        if self.unknown_keys is not None:
            _conform(self.unknown_keys, address, now, UnknownKeysRateLimited, take=False)
        if self.keys is not None:
            _conform(self.keys, hashlib.sha256(key.encode()).hexdigest(), now, KeyRateLimited, take=True)

    def admit_key(self, key: str) -> None:
        """Refuse (raise) or spend the share of ``key`` (as its ``Authorization`` header presents it)
        for a request that presented it otherwise: a console session's (``api.console.sessions``),
        known only after ``admit``."""
        if self.keys is not None:
            _conform(
                self.keys, hashlib.sha256(key.encode()).hexdigest(), self.clock(), KeyRateLimited, take=True
            )

    def refused_key(self, address: str) -> None:
        """A request from ``address`` presented a key that is unknown or revoked."""
        if self.unknown_keys is not None:
            self.unknown_keys.charge(address, self.clock())


def _conform(buckets: Buckets, client: str, now: float, error: type[RateLimited], *, take: bool) -> None:
    wait = buckets.take(client, now) if take else buckets.wait(client, now)
    if wait > 0:
        rate = buckets.rate
        raise error(None, count=rate.count, seconds=rate.seconds, retry_after=max(1, math.ceil(wait)))


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it; an IPv6 client as its /64 network."""
    client = scope.get("client")
    host = client[0] if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def bearer_key(scope: Scope) -> str | None:
    """The key the request presents, if any (the access guard decides whether it is well-formed)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


def rate_limit(app: ASGIApp) -> ASGIApp:
    """The middleware: limits first, then the route; an answer 401 to a request that carried a key
    spends the address's allowance of unknown keys."""

    async def limited(scope: Scope, receive: Receive, send: Send) -> None:
        limiter: Limiter | None = scope["litestar_app"].state.get("limiter")
        if limiter is None or scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        address, key = client_address(scope), bearer_key(scope)
        limiter.admit(address, key)
        if key is None:
            await app(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                limiter.refused_key(address)
            await send(message)

        await app(scope, receive, watch)

    return limited
