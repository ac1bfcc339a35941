"""Related parties (关联方): declared links between parties, and the groups they form.

A regulator or the registrar declares that two parties share a legal representative, a controller
or a beneficial owner. Surveillance treats every party reachable through such links as one group:
a trade between two members of a group is a wash trade in substance.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.errors import Conflict, InvalidInput, UnknownParty
from registry.tables import PartyLinkRow, PartyRow


class LinkKind(StrEnum):
    """What two linked parties share."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    CONTROLLER = "controller"
    BENEFICIAL_OWNER = "beneficial_owner"


class SelfLink(InvalidInput):
    title = "Link to itself"
    template = "a link joins two different parties"


class LinkDeclaredAlready(Conflict):
    title = "Link declared already"
    template = "{party_a} and {party_b} are linked by {kind} already"


@dataclass(frozen=True, slots=True)
class Link:
    party_a: str
    party_b: str
    kind: LinkKind
    declared_by: str
    at: dt.datetime


async def declare(work: c.Work, actor: c.Actor, *, party_a: str, party_b: str, kind: LinkKind) -> Link:
    actor.require(c.PartyKind.REGULATOR, c.PartyKind.REGISTRAR)
    if party_a == party_b:
        raise SelfLink("party_b")
    for field, party in (("party_a", party_a), ("party_b", party_b)):
        if await work.session.get(PartyRow, party) is None:
            raise UnknownParty(field, party=party)
    low, high = sorted((party_a, party_b))
    if await work.session.get(PartyLinkRow, (low, high, kind)) is not None:
        raise LinkDeclaredAlready("kind", party_a=low, party_b=high, kind=kind)
    row = PartyLinkRow(party_a=low, party_b=high, kind=kind, declared_by=actor.party_id, at=work.now)
    work.session.add(row)
    return Link(row.party_a, row.party_b, LinkKind(row.kind), row.declared_by, row.at)


async def links(session: AsyncSession) -> list[Link]:
    rows = (await session.execute(select(PartyLinkRow).order_by(PartyLinkRow.at))).scalars()
    return [Link(r.party_a, r.party_b, LinkKind(r.kind), r.declared_by, r.at) for r in rows]


def groups(declared: list[Link]) -> dict[str, str]:
    """Each linked party's group, named by its smallest member (union-find over the links)."""
    parent: dict[str, str] = {}

    def root(party: str) -> str:
        parent.setdefault(party, party)
        while parent[party] != party:
            parent[party] = parent[parent[party]]
            party = parent[party]
        return party

    for link in declared:
        a, b = root(link.party_a), root(link.party_b)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {party: root(party) for party in list(parent)}
