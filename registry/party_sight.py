"""Who may read a party's record (``GET /parties/{id}``).

An organisation's record (name, credit code, division) is what a public business register shows: any
key may read it. A natural person's or a village collective's is not: only the party itself, the
operator (两山银行) holding a contract it signed with the party, and the regulators and registrar
read it. To anyone else the record answers as an unknown party, so a refusal never confirms that a
household is registered.
"""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.contracts import ContractStatus
from registry.errors import UnknownParty
from registry.parties import Party, get_party
from registry.tables import ContractRow

PRIVATE_KINDS = frozenset({c.PartyKind.PERSON, c.PartyKind.COLLECTIVE})
SIGNED = (ContractStatus.ACTIVE, ContractStatus.ENDED)


async def read_party(session: AsyncSession, actor: c.Actor, party_id: str) -> Party:
    """The party's record, if ``actor`` may read it; ``UnknownParty`` otherwise, as if there were none."""
    party = await get_party(session, actor, party_id)
    if party_id not in await readable(session, actor, {party_id: party.kind}):
        raise UnknownParty("party", party=party_id)
    return party


async def readable(session: AsyncSession, actor: c.Actor | None, kinds: Mapping[str, str]) -> set[str]:
    """Of the parties ``kinds`` names (id → kind), those whose records ``actor`` (None: a caller
    without a key, as the public register's) may read."""
    public = {party for party, kind in kinds.items() if kind not in PRIVATE_KINDS}
    private = set(kinds) - public
    if actor is None or not private:
        return public
    seen = {party for party in private if actor.may_see(party)}  # itself, regulators, the registrar
    if actor.kind == c.PartyKind.OPERATOR and private - seen:
        query = select(ContractRow.depositor_id).where(
            ContractRow.operator_id == actor.party_id,
            ContractRow.depositor_id.in_(sorted(private - seen)),
            ContractRow.status.in_(SIGNED),
        )
        seen |= set((await session.execute(query)).scalars())
    return public | seen
