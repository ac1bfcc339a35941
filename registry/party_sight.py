"""Who may read a party's record (``GET /parties/{id}``).

An organisation's record (name, credit code, division) is what a public business register shows: any
key may read it. A natural person's or a village collective's is not: only the party itself, the
operator (两山银行) holding a contract it signed with the party, and the regulators and registrar
read it. To anyone else the record answers as an unknown party, so a refusal never confirms that a
household is registered.
"""

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
    if party.kind in PRIVATE_KINDS and not await _may_read(session, actor, party_id):
        raise UnknownParty("party", party=party_id)
    return party


async def _may_read(session: AsyncSession, actor: c.Actor, party_id: str) -> bool:
    if actor.may_see(party_id):  # itself, regulators, the registrar
        return True
    if actor.kind != c.PartyKind.OPERATOR:
        return False
    query = select(ContractRow.id).where(
        ContractRow.operator_id == actor.party_id,
        ContractRow.depositor_id == party_id,
        ContractRow.status.in_(SIGNED),
    )
    return (await session.execute(query.limit(1))).first() is not None
