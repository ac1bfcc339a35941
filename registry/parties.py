"""Parties: onboarding by the registrar, their public record, and freezing a whole party. Their users
and keys are ``registry.credentials``.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import events as ev
from registry import locks
from registry.credentials import IssuedKey, add_user
from registry.divisions import division
from registry.errors import Conflict, InvalidInput, NotFound, ReasonRequired, RuleBroken, UnknownParty
from registry.identifiers import mask_resident_id, validate_credit_code, validate_resident_id
from registry.tables import CashAccountRow, PartyRow


class PersonByResidentIdOnly(InvalidInput):
    title = "A person is known by a resident ID only"
    template = "a natural person is identified by a resident ID only"


class OrganisationByCreditCodeOnly(InvalidInput):
    title = "An organisation is known by a credit code only"
    template = "an organisation is identified by its unified social credit code (统一社会信用代码) only"


class CollectiveCodeMismatch(InvalidInput):
    title = "Collective code mismatch"
    template = "village collectives, and only they, have credit codes beginning with N"


class PartyRegisteredAlready(Conflict):
    title = "Party registered already"
    template = "a party with this identifier is registered already"


class RegistrarExists(Conflict):
    title = "Registrar exists"
    template = "a registrar exists already; it onboards every further party"


class RegulatorExists(Conflict):
    title = "Regulator exists"
    template = "a regulator exists already; further regulators are onboarded with four eyes"


class NoRegistrar(NotFound):
    title = "No registrar"
    template = "the platform has no registrar yet"


class PartyFrozenAlready(Conflict):
    title = "Party frozen already"
    template = "party {party} is frozen already"


class PartyNotFrozen(Conflict):
    title = "Party not frozen"
    template = "party {party} is not frozen"


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    kind: str
    name: str
    credit_code: str | None
    resident_id_masked: str | None
    division: str


def _party(row: PartyRow) -> Party:
    masked = mask_resident_id(row.resident_id) if row.resident_id else None
    return Party(row.id, row.kind, row.name, row.credit_code, masked, row.division)


async def onboard_party(
    work: c.Work,
    actor: c.Actor,
    *,
    kind: c.PartyKind,
    name: str,
    division_code: str,
    credit_code: str | None = None,
    resident_id: str | None = None,
) -> Party:
    """Register a party for the registrar. The registrar itself is the platform's own party, made once
    when it is installed (``bootstrap``), and never onboarded: a second would split the platform's
    fee account and its powers."""
    actor.require(c.PartyKind.REGISTRAR)
    if kind == c.PartyKind.REGISTRAR:
        raise RegistrarExists("kind")
    return await _register(
        work,
        actor,
        kind=kind,
        name=name,
        division_code=division_code,
        credit_code=credit_code,
        resident_id=resident_id,
    )


async def _register(
    work: c.Work,
    actor: c.Actor,
    *,
    kind: c.PartyKind,
    name: str,
    division_code: str,
    credit_code: str | None,
    resident_id: str | None,
) -> Party:
    """Register a party, checking its identifier; natural persons by resident ID, others by credit code."""
    division(division_code, on=work.now.date())
    credit_code, resident_id = _identifiers(kind, credit_code, resident_id)
    await _refuse_duplicate(work.session, credit_code, resident_id)
    row = PartyRow(
        id=work.new_id(),
        kind=kind,
        name=name.strip(),
        credit_code=credit_code,
        resident_id=resident_id,
        division=division_code,
        created_at=work.now,
    )
    work.session.add(row)
    await work.session.flush()  # the tables have no ORM relationships, so parents are flushed first
    work.session.add(CashAccountRow(party_id=row.id, balance=0, reserved=0))
    work.record(ev.PartyOnboarded(party=row.id, kind_=kind, division=division_code), actor=actor.party_id)
    return _party(row)


def _identifiers(
    kind: c.PartyKind, credit_code: str | None, resident_id: str | None
) -> tuple[str | None, str | None]:
    if kind == c.PartyKind.PERSON:
        if resident_id is None or credit_code is not None:
            raise PersonByResidentIdOnly("resident_id")
        return None, validate_resident_id(resident_id)
    if credit_code is None or resident_id is not None:
        raise OrganisationByCreditCodeOnly("credit_code")
    validate_credit_code(credit_code)
    if (kind == c.PartyKind.COLLECTIVE) != credit_code.startswith("N"):
        raise CollectiveCodeMismatch("credit_code")
    return credit_code, None


async def _refuse_duplicate(session: AsyncSession, credit_code: str | None, resident_id: str | None) -> None:
    query = select(PartyRow.id).where(
        (PartyRow.credit_code == credit_code) if credit_code else (PartyRow.resident_id == resident_id)
    )
    if (await session.execute(query)).first() is not None:
        field = "credit_code" if credit_code else "resident_id"
        raise PartyRegisteredAlready(field)


async def get_party(session: AsyncSession, actor: c.Actor, party_id: str, *, field: str = "party") -> Party:
    row = await session.get(PartyRow, party_id)
    if row is None:
        raise UnknownParty(field, party=party_id)
    return _party(row)


async def list_parties(
    session: AsyncSession, actor: c.Actor, *, kind: c.PartyKind | None, after: str | None, limit: int
) -> list[Party]:
    """Parties by id; only those of ``kind``."""
    actor.require(c.PartyKind.REGISTRAR, c.PartyKind.REGULATOR, write=False)
    query = select(PartyRow).order_by(PartyRow.id).limit(limit)
    if kind is not None:
        query = query.where(PartyRow.kind == kind)
    if after is not None:
        query = query.where(PartyRow.id > after)
    return [_party(row) for row in (await session.execute(query)).scalars()]


async def bootstrap(
    work: c.Work, *, kind: c.PartyKind, name: str, credit_code: str, division_code: str, user_name: str
) -> IssuedKey:
    """Create the platform's registrar, or its first regulator, with a first manager: the platform's
    own acts (``SYSTEM``, from the command line), the roots every later four-eyes decision stands
    on, allowed only while no party of that kind exists. The two are created apart so that neither's
    hands ever held the other's key."""
    roots = {c.PartyKind.REGISTRAR: RegistrarExists, c.PartyKind.REGULATOR: RegulatorExists}
    if (await work.session.execute(select(PartyRow.id).where(PartyRow.kind == kind))).first():
        raise roots[kind]("kind")
    system = c.Actor(ev.SYSTEM, c.PartyKind.REGISTRAR, ev.SYSTEM, c.Role.MANAGER)
    party = await _register(
        work,
        system,
        kind=kind,
        name=name,
        division_code=division_code,
        credit_code=credit_code,
        resident_id=None,
    )
    return await add_user(work, system, party_id=party.id, name=user_name, role=c.Role.MANAGER)


async def platform_party(session: AsyncSession) -> str:
    """The registrar's party: the platform operator, whose account collects trading fees."""
    found = (
        await session.execute(select(PartyRow.id).where(PartyRow.kind == c.PartyKind.REGISTRAR))
    ).scalar()
    if found is None:
        raise NoRegistrar("registrar")
    return found


async def freeze_party(work: c.Work, actor: c.Actor, *, party_id: str, reason: str) -> Party:
    """Freeze a party (冻结): its users may read but do nothing, until a regulator unfreezes it."""
    actor.require(c.PartyKind.REGULATOR)
    row = await _regulated(work, party_id, reason)
    if row.frozen_at is not None:
        raise PartyFrozenAlready("party", party=row.id)
    row.frozen_at = work.now
    locks.forget(work.session, (_NOT_FROZEN, row.id))
    work.record(ev.PartyFrozen(party=row.id), actor=actor.party_id)
    return _party(row)


async def unfreeze_party(work: c.Work, actor: c.Actor, *, party_id: str, reason: str) -> Party:
    actor.require(c.PartyKind.REGULATOR)
    row = await _regulated(work, party_id, reason)
    if row.frozen_at is None:
        raise PartyNotFrozen("party", party=row.id)
    row.frozen_at = None
    work.record(ev.PartyUnfrozen(party=row.id), actor=actor.party_id)
    return _party(row)


async def _regulated(work: c.Work, party_id: str, reason: str) -> PartyRow:
    if not reason.strip():
        raise ReasonRequired("reason")
    row = await work.session.get(PartyRow, party_id, with_for_update=True)
    if row is None:
        raise UnknownParty("party", party=party_id)
    return row


class PartyIsFrozen(RuleBroken):
    title = "Party frozen"
    template = "party {party} is frozen by a regulator (冻结): its units and cash may not move"


_NOT_FROZEN = "not frozen"  # a party checked so in this transaction


async def require_none_frozen(session: AsyncSession, *party_ids: str) -> None:
    """Refuse a movement of units or cash out of, or by, a frozen party: a freeze stops the party's
    assets, not only its own requests (others may not buy them or take its cash out meanwhile)."""
    unchecked = {party for party in party_ids if locks.known(session, (_NOT_FROZEN, party)) is None}
    if not unchecked:
        return
    if any(isinstance(row, PartyRow) for row in session.dirty):
        await session.flush()  # a freeze earlier in the batch, not yet written, is read too
    query = select(PartyRow.id).where(PartyRow.id.in_(unchecked), PartyRow.frozen_at.is_not(None))
    frozen = (await session.execute(query)).scalar()
    if frozen is not None:
        raise PartyIsFrozen("party", party=frozen)
    for party in unchecked:  # until this transaction freezes it (``freeze_party``), as every writer is here
        locks.keep(session, (_NOT_FROZEN, party), True)
