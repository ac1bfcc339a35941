"""The parties of the objects a route's path can name, by the part each plays: what the access guard
needs to tell whether the caller is party to the object (``api.access``).

Each resolver answers ``{role: party id}`` for an object, or None if there is no such object. One
small query each: the guard runs before the use case, which loads the object again under its lock.
"""

import re
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from market.tables import ListingRow, OfferRow, OrderRow
from registry.tables import ApplicationRow, ContractRow, PartyRow, PledgeRow, UserRow
from settlement.tables import WebhookRow

MAX_ID = 2**31 - 1  # integer ids are 32-bit on both engines
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # random_id's form

Resolver = Callable[[AsyncSession, Any], Awaitable[dict[str, str] | None]]


def well_formed(identifier: object) -> bool:
    """Whether ``identifier`` could name a stored object: a UUID, or an integer id in range. Anything
    else names nothing, and is never sent to the database."""
    if isinstance(identifier, int):
        return 1 <= identifier <= MAX_ID
    return isinstance(identifier, str) and _UUID.fullmatch(identifier) is not None


def _parties(table: Any, **roles: Any) -> Resolver:
    """A resolver reading, for each role, the column of ``table``'s row that holds its party."""
    names, columns = tuple(roles), tuple(roles.values())

    async def resolve(session: AsyncSession, identifier: Any) -> dict[str, str] | None:
        found = (await session.execute(select(*columns).where(table.id == identifier))).first()
        return None if found is None else dict(zip(names, found, strict=True))

    return resolve


RESOLVERS: dict[str, Resolver] = {
    "party": _parties(PartyRow, self=PartyRow.id),
    "user": _parties(UserRow, party=UserRow.party_id),
    "application": _parties(
        ApplicationRow, applicant=ApplicationRow.applicant_id, holder=ApplicationRow.holder_id
    ),
    "listing": _parties(ListingRow, seller=ListingRow.seller_id),
    "offer": _parties(OfferRow, seller=OfferRow.seller_id, buyer=OfferRow.buyer_id),
    "order": _parties(OrderRow, party=OrderRow.party_id),
    "pledge": _parties(PledgeRow, owner=PledgeRow.owner_id, bank=PledgeRow.bank_id),
    "contract": _parties(ContractRow, operator=ContractRow.operator_id, depositor=ContractRow.depositor_id),
    "webhook": _parties(WebhookRow, party=WebhookRow.party_id),
}
