"""Who is acting, and the unit of work a use case runs in.

Use cases receive the acting ``Actor`` and check it against the object they touch (per-object
authorisation), and a ``Work`` that gives them the session, the time, fresh ids and the journal. The
settlement unit of work satisfies ``Work``; the registry never imports it.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from registry.errors import Forbidden, UnknownParty
from registry.events import Event


class PartyKind(StrEnum):
    ENTERPRISE = "enterprise"
    COLLECTIVE = "collective"  # 村集体经济组织
    PERSON = "person"  # 农户 / natural person
    OPERATOR = "operator"  # 两山银行
    BANK = "bank"
    REGULATOR = "regulator"
    REGISTRAR = "registrar"


HOLDER_KINDS = frozenset({PartyKind.ENTERPRISE, PartyKind.COLLECTIVE, PartyKind.PERSON, PartyKind.OPERATOR})


class Role(StrEnum):
    MANAGER = "manager"  # acts for its party
    VIEWER = "viewer"  # reads what its party may read


class PartyKindNotAllowed(Forbidden):
    title = "Party kind not allowed"
    template = "{kind} parties may not do this; it is for: {allowed}"


class ViewerMayOnlyRead(Forbidden):
    title = "Viewer may only read"
    template = "a viewer key may only read"


class FrozenPartyMayOnlyRead(Forbidden):
    title = "Frozen party may only read"
    template = "the party is frozen by a regulator; it may only read"


@dataclass(frozen=True, slots=True)
class Actor:
    party_id: str
    kind: PartyKind
    user_id: str
    role: Role
    frozen: bool = False  # a regulator froze the party: it may only read

    def require(self, *kinds: PartyKind, write: bool = True) -> None:
        """Refuse unless the actor's party is of one of ``kinds`` and, to write, is a manager."""
        if self.kind not in kinds:
            raise PartyKindNotAllowed(None, kind=self.kind, allowed=", ".join(kinds))
        if write and self.role != Role.MANAGER:
            raise ViewerMayOnlyRead(None)
        if write and self.frozen:
            raise FrozenPartyMayOnlyRead(None)

    @property
    def supervises(self) -> bool:
        """Regulators and the registrar see every party's records."""
        return self.kind in (PartyKind.REGULATOR, PartyKind.REGISTRAR)

    def may_see(self, party_id: str) -> bool:
        return self.party_id == party_id or self.supervises

    def require_sight_of(self, party_id: str) -> None:
        """Refuse a party's records to anyone but the party and its supervisors, as if it did not exist."""
        if not self.may_see(party_id):
            raise UnknownParty("party", party=party_id)


class Work(Protocol):
    session: AsyncSession
    now: dt.datetime

    def record(self, event: Event, *, actor: str) -> None: ...

    def new_id(self) -> str: ...
