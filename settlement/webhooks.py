"""Webhooks for integrators (a bank's loan system): a party subscribes an endpoint, and every ledger
entry naming the party (``settlement.notifications.naming``: what its users may read), of the kinds it
chose or all, is POSTed there as JSON, signed per Standard Webhooks (``settlement.standard_webhooks``).

Each subscription follows the ledger from where it stood when it was made; what is sent, and when it
is tried again, is ``settlement.deliveries``'. Each attempt is in the delivery log the subscriber reads.

Secrets are shown once, when made, and kept sealed (``settlement.sealing``).
"""

import datetime as dt
import ipaddress
import secrets
from dataclasses import dataclass, replace
from enum import StrEnum

import httpx
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.credentials import ShownOnce
from registry.errors import InvalidInput, NotFound, RuleBroken
from registry.events import kinds as entry_kinds
from settlement import standard_webhooks
from settlement.ledger import current_size
from settlement.sealing import Sealer
from settlement.tables import WebhookDeliveryRow, WebhookRow

MAX_PER_PARTY = 10


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # failed so far; tried again at next_attempt_at
    DELIVERED = "delivered"
    FAILED = "failed"  # given up after ATTEMPTS


class UnknownEntryKind(InvalidInput):
    title = "Unknown entry kind"
    template = "no ledger entry is of kind {kind}"


class PlainHttpEndpoint(InvalidInput):
    title = "Endpoint not https"
    template = "a webhook endpoint must be an https:// address"


class PrivateEndpoint(InvalidInput):
    title = "Endpoint not public"
    template = "a webhook endpoint must be at a public address; {address} is not one"


class UnreadableEndpoint(InvalidInput):
    title = "Endpoint not readable"
    template = "the webhook endpoint's address cannot be read: {reason}"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where webhooks may deliver: ``https://`` at public addresses, unless the deployment allows
    ``http://`` (development) or addresses that are not public — private, loopback, link-local,
    shared, reserved (an intranet, development): the platform must not be made to post into its own
    network by whoever subscribes."""

    plain_http: bool = False
    private: bool = False

    def check(self, url: str) -> None:
        if not (url.startswith("https://") or (self.plain_http and url.startswith("http://"))):
            raise PlainHttpEndpoint("url")
        try:
            host = httpx.URL(url).raw_host.decode("ascii")  # as the connection will name it (IDNA 2008)
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise UnreadableEndpoint("url", reason=str(exc)) from exc
        if not host:
            raise UnreadableEndpoint("url", reason="it names no host")
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return  # a name: its addresses are checked each time it is delivered to (``refusal``)
        if not self.private and not public(literal):
            raise PrivateEndpoint("url", address=host)

    def refusal(self, addresses: list[str]) -> str | None:
        """Why a delivery to a host resolved to ``addresses`` must not be sent, if it must not."""
        if self.private:
            return None
        hidden = [address for address in addresses if not public(ipaddress.ip_address(address))]
        return f"the endpoint resolves to {hidden[0]}, which is not a public address" if hidden else None


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is one the open internet routes to, an IPv6 address that carries an IPv4
    one (mapped, compatible, 6to4, Teredo, NAT64) only if that one is too."""
    if not address.is_global or address.is_multicast:
        return False
    return all(public(inner) for inner in _carried(address))


# the IPv6 prefixes whose low 32 bits are an IPv4 address: NAT64, and the old IPv4-compatible form
CARRYING = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


def _carried(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    if isinstance(address, ipaddress.IPv4Address):
        return []
    inner = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if any(address in prefix for prefix in CARRYING):
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [found for found in inner if found is not None]


class TooManyWebhooks(RuleBroken):
    title = "Too many webhooks"
    template = "a party may keep {limit} webhook subscriptions; delete one first"


class NoSuchWebhook(NotFound):
    title = "No such webhook"
    template = "no webhook {webhook}"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    party: str
    url: str
    kinds: list[str] | None  # None: every kind
    created_at: dt.datetime
    created_by: str  # the user who subscribed


@dataclass(frozen=True, slots=True)
class NewWebhook(ShownOnce):
    webhook: Webhook
    secret: str | None  # whsec_…, shown once; None in a replayed answer

    def redacted(self) -> "NewWebhook":
        return replace(self, secret=None)


@dataclass(frozen=True, slots=True)
class Delivery:
    seq: int
    kind: str
    message_id: str  # the webhook-id header
    status: DeliveryStatus
    attempts: int
    last_status: int | None
    last_error: str | None
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None


def _webhook(row: WebhookRow) -> Webhook:
    return Webhook(row.id, row.party_id, row.url, row.kinds, row.created_at, row.created_by)


async def subscribe(
    work: c.Work, actor: c.Actor, *, url: str, kinds: list[str] | None, sealer: Sealer, endpoints: Endpoints
) -> NewWebhook:
    """Subscribe ``url`` to the entries naming the actor's party from now on."""
    endpoints.check(url)
    known = entry_kinds()
    for index, kind in enumerate(kinds or ()):
        if kind not in known:
            raise UnknownEntryKind(f"kinds/{index}", kind=kind)
    held = select(func.count()).select_from(WebhookRow).where(WebhookRow.party_id == actor.party_id)
    if (await work.session.execute(held)).scalar_one() >= MAX_PER_PARTY:
        raise TooManyWebhooks("url", limit=MAX_PER_PARTY)
    secret, webhook_id = secrets.token_bytes(standard_webhooks.SECRET_BYTES), work.new_id()
    row = WebhookRow(
        id=webhook_id,
        party_id=actor.party_id,
        url=url,
        kinds=sorted(set(kinds)) if kinds else None,
        secret=sealer.seal(secret, webhook_id),
        cursor=await current_size(work.session),
        created_at=work.now,
        created_by=actor.user_id,
    )
    work.session.add(row)
    await work.session.flush()
    return NewWebhook(_webhook(row), standard_webhooks.show(secret))


async def of_party(session: AsyncSession, actor: c.Actor) -> list[Webhook]:
    query = select(WebhookRow).where(WebhookRow.party_id == actor.party_id).order_by(WebhookRow.created_at)
    return [_webhook(row) for row in (await session.execute(query)).scalars()]


async def _own(session: AsyncSession, actor: c.Actor, webhook_id: str) -> WebhookRow:
    row = await session.get(WebhookRow, webhook_id)
    if row is None or row.party_id != actor.party_id:
        raise NoSuchWebhook("webhook_id", webhook=webhook_id)
    return row


async def unsubscribe(work: c.Work, actor: c.Actor, webhook_id: str) -> Webhook:
    """Stop the subscription at once; its delivery log goes with it."""
    row = await _own(work.session, actor, webhook_id)
    await work.session.execute(delete(WebhookDeliveryRow).where(WebhookDeliveryRow.webhook_id == row.id))
    await work.session.delete(row)
    await work.session.flush()
    return _webhook(row)


async def deliveries(
    session: AsyncSession, actor: c.Actor, webhook_id: str, *, before: int | None, limit: int
) -> list[Delivery]:
    """The subscription's delivery log, newest entry first."""
    row = await _own(session, actor, webhook_id)
    query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.webhook_id == row.id)
    if before is not None:
        query = query.where(WebhookDeliveryRow.seq < before)
    found = await session.execute(query.order_by(WebhookDeliveryRow.seq.desc()).limit(limit))
    return [_delivery(d) for d in found.scalars()]


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        row.seq,
        row.kind,
        standard_webhooks.message_id(row.webhook_id, row.seq),
        DeliveryStatus(row.status),
        row.attempts,
        row.last_status,
        row.last_error,
        row.last_attempt_at,
        row.next_attempt_at,
    )


async def reseal(session: AsyncSession, outgoing: Sealer, incoming: Sealer) -> int:
    """Seal every secret again under ``incoming``: a rotation of the ledger's key, in its transaction."""
    rows = list((await session.execute(select(WebhookRow).with_for_update())).scalars())
    for row in rows:
        row.secret = incoming.seal(outgoing.open(row.secret, row.id), row.id)
    return len(rows)
