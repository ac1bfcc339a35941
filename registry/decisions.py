"""Four-eyes decisions: one user proposes, another approves — a regulator's freezing of units or a
party and confirming an issuance above its class's threshold; adding a user to a party whose users
hold powers (regulator, registrar, bank) and changing anyone's role. The approval carries out the
decision in the same transaction; a rejection ends it. Proposals and their deciders are kept.

The second pair of eyes must be another person's: not the proposer, nor the user a proposal concerns,
and no one outside their own parties may have held both keys (``credentials.independent``) — so the
registrar, which sees the key of every first manager it makes, cannot pass four eyes with them.
Who may decide: a regulator, for a regulator's proposal; for users and roles, a manager of the
user's party or of a supervising party (registrar, regulator), never the user concerned.
"""

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import credentials, parties, rights, units
from registry.assets import get_asset_class
from registry.credentials import ShownOnce
from registry.errors import Conflict, Forbidden, NotFound, ReasonRequired, UnknownParty
from registry.parties import PartyFrozenAlready
from registry.quantities import Quantity
from registry.tables import ApplicationRow, PartyRow, ProposalRow


class ProposalAction(StrEnum):
    """What a four-eyes proposal does once approved: freeze an owner's units or a party, or confirm an
    issuance above its class's threshold."""

    FREEZE_UNITS = "freeze_units"
    FREEZE_PARTY = "freeze_party"
    CONFIRM = "confirm_application"
    ADD_USER = "add_user"
    CHANGE_ROLE = "change_role"


REGULATORS_DECIDE = frozenset(
    {ProposalAction.FREEZE_UNITS, ProposalAction.FREEZE_PARTY, ProposalAction.CONFIRM}
)
_HASHED_KEY = "key_hash"


class ProposalStatus(StrEnum):
    """A four-eyes proposal's status: pending until a second user approves or rejects it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class UnknownProposal(NotFound):
    title = "Unknown proposal"
    template = "no proposal {proposal}"


class ProposalNotPending(Conflict):
    title = "Proposal not pending"
    template = "proposal {proposal} is {status} already"


class ProposerMayNotDecide(Forbidden):
    title = "Proposer may not decide"
    template = "four eyes: another user must decide what you proposed"


class NotIndependent(Forbidden):
    title = "Not a second pair of eyes"
    template = (
        "four eyes: your key and the proposer's passed through the same hands outside your parties "
        "(one made the other's, or one user made both); another user must decide"
    )


class ConcernedUserMayNotDecide(Forbidden):
    title = "The user concerned may not decide"
    template = "four eyes: a proposal about you is decided by another user"


class PartyHasUsersAlready(Conflict):
    title = "Party has users already"
    template = "party {party} has a user already; its own managers add the others"


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    action: ProposalAction
    params: dict[str, Any]
    status: ProposalStatus
    proposed_by: str  # user ids: the two pairs of eyes
    decided_by: str | None
    result: str | None  # the freeze, party or issuance the approval made
    created_at: dt.datetime
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ProposedUser(ShownOnce):
    """A proposal to add a user, and the user's key: shown once, to the proposer, and working only
    once a second user approves (the approver never sees it)."""

    proposal: Proposal
    prefix: str
    key: str | None

    def redacted(self) -> "ProposedUser":
        return replace(self, key=None)


def _proposal(row: ProposalRow) -> Proposal:
    return Proposal(
        row.id,
        ProposalAction(row.action),
        {name: value for name, value in row.params.items() if name != _HASHED_KEY},
        ProposalStatus(row.status),
        row.proposed_by,
        row.decided_by,
        row.result,
        row.created_at,
        row.decided_at,
    )


async def propose_freeze(
    work: c.Work, actor: c.Actor, *, issuance_id: int, owner: str, quantity: str, reason: str
) -> Proposal:
    """Propose freezing an owner's units; checked now, so a second regulator approves a sound one."""
    await units.check_free(work.session, issuance_id=issuance_id, owner=owner, quantity=quantity)
    params = {"issuance": issuance_id, "owner": owner, "quantity": quantity, "reason": _reason(reason)}
    return await _propose(work, actor, ProposalAction.FREEZE_UNITS, params)


async def propose_party_freeze(work: c.Work, actor: c.Actor, *, party_id: str, reason: str) -> Proposal:
    party = await work.session.get(PartyRow, party_id)
    if party is None:
        raise UnknownParty("party", party=party_id)
    if party.frozen_at is not None:
        raise PartyFrozenAlready("party", party=party_id)
    return await _propose(
        work, actor, ProposalAction.FREEZE_PARTY, {"party": party_id, "reason": _reason(reason)}
    )


async def propose_confirmation(work: c.Work, actor: c.Actor, application_id: str) -> Proposal:
    actor.require(c.PartyKind.REGULATOR)
    app = await work.session.get(ApplicationRow, application_id)
    if app is not None and app.status == rights.ApplicationStatus.PENDING:
        # a right live already is refused now, not after a second regulator's look
        await rights.refuse_registered(work, await get_asset_class(work.session, app.asset_class), app)
    return await _propose(work, actor, ProposalAction.CONFIRM, {"application": application_id})


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ReasonRequired("reason")
    return reason.strip()


async def propose_user(
    work: c.Work, actor: c.Actor, *, party_id: str, name: str, role: c.Role
) -> ProposedUser:
    """Propose adding a user to a party whose users hold powers; its key is made now, shown to the
    proposer and kept as a hash until the approval stores it."""
    first = await credentials.require_may_add(work.session, actor, party_id, role)
    key = credentials.new_key()
    prefix = key[: credentials.SHOWN_PREFIX]
    params = {
        "party": party_id,
        "name": name.strip(),
        "role": role,
        "first": first,
        "prefix": prefix,
        _HASHED_KEY: credentials.hash_key(key),
    }
    return ProposedUser(await _propose(work, actor, ProposalAction.ADD_USER, params), prefix, key)


async def user_proposed(session: AsyncSession, party_id: str) -> bool:
    """Whether a user of the party waits for a second pair of eyes (so a first manager is not
    proposed twice)."""
    query = select(ProposalRow.params).where(
        ProposalRow.status == ProposalStatus.PENDING, ProposalRow.action == ProposalAction.ADD_USER
    )
    return any(params.get("party") == party_id for params in (await session.execute(query)).scalars())


async def propose_role(work: c.Work, actor: c.Actor, *, user_id: str, role: c.Role) -> Proposal:
    """Propose changing a user's role (a manager of its party proposes)."""
    user = await credentials.require_may_propose_role(work.session, actor, user_id)
    params = {"user": user_id, "party": user.party_id, "role": role}
    return await _propose(work, actor, ProposalAction.CHANGE_ROLE, params)


async def _propose(work: c.Work, actor: c.Actor, action: ProposalAction, params: dict[str, Any]) -> Proposal:
    if action in REGULATORS_DECIDE:
        actor.require(c.PartyKind.REGULATOR)
    row = ProposalRow(
        id=work.new_id(),
        action=action,
        params=params,
        status=ProposalStatus.PENDING,
        proposed_by=actor.user_id,
        decided_by=None,
        result=None,
        created_at=work.now,
        decided_at=None,
    )
    work.session.add(row)
    return _proposal(row)


async def needs_second_pair(session: AsyncSession, application_id: str, thresholds: dict[str, str]) -> bool:
    """Whether confirming this application needs four eyes: its quantity is above its class's
    threshold (display units, per class code)."""
    application = await session.get(ApplicationRow, application_id)
    if application is None or application.asset_class not in thresholds:
        return False
    scale = (await get_asset_class(session, application.asset_class)).scale
    threshold = Quantity.parse(thresholds[application.asset_class], scale, field="threshold")
    return application.quantity > threshold.units


async def _pending(work: c.Work, actor: c.Actor, proposal_id: str) -> ProposalRow:
    actor.require(*c.PartyKind)
    row = await work.session.get(ProposalRow, proposal_id, with_for_update=True)
    if row is None or not _may_decide(actor, row):
        raise UnknownProposal("proposal", proposal=proposal_id)
    if row.status != ProposalStatus.PENDING:
        raise ProposalNotPending("proposal", proposal=proposal_id, status=row.status)
    if row.proposed_by == actor.user_id:
        raise ProposerMayNotDecide("proposal")
    if row.params.get("user") == actor.user_id:
        raise ConcernedUserMayNotDecide("proposal")
    if not await credentials.independent(work.session, row.proposed_by, actor.user_id):
        raise NotIndependent("proposal")
    return row


def _may_decide(actor: c.Actor, row: ProposalRow) -> bool:
    """Whether ``actor`` is of the kind that decides ``row`` (others are told there is no such one)."""
    if row.action in REGULATORS_DECIDE:
        return actor.kind == c.PartyKind.REGULATOR
    return actor.supervises or actor.party_id == row.params["party"]


async def approve(work: c.Work, actor: c.Actor, proposal_id: str) -> Proposal:
    row = await _pending(work, actor, proposal_id)
    p = row.params
    if row.action == ProposalAction.FREEZE_UNITS:
        moved = await units.freeze(
            work,
            actor,
            issuance_id=p["issuance"],
            owner=p["owner"],
            quantity=p["quantity"],
            reason=p["reason"],
        )
        row.result = moved.reference
    elif row.action == ProposalAction.FREEZE_PARTY:
        row.result = (await parties.freeze_party(work, actor, party_id=p["party"], reason=p["reason"])).id
    elif row.action == ProposalAction.ADD_USER:
        row.result = await _add_proposed_user(work, actor, row)
    elif row.action == ProposalAction.CHANGE_ROLE:
        role = c.Role(p["role"])
        row.result = await credentials.change_role(work, actor, user_id=p["user"], role=role, proposal=row.id)
    else:
        row.result = str((await rights.confirm_application(work, actor, p["application"])).id)
    row.status, row.decided_by, row.decided_at = ProposalStatus.APPROVED, actor.user_id, work.now
    return _proposal(row)


async def _add_proposed_user(work: c.Work, actor: c.Actor, row: ProposalRow) -> str:
    """Store the proposed user with the key its proposer holds; a first manager only while the party
    still has no user (two proposals for one party's first manager: the second finds one)."""
    p = row.params
    if p["first"] and await credentials.has_users(work.session, p["party"]):
        raise PartyHasUsersAlready("proposal", party=p["party"])
    user, _ = await credentials.create_user(
        work,
        actor,
        party_id=p["party"],
        name=p["name"],
        role=c.Role(p["role"]),
        key_hash=p[_HASHED_KEY],
        prefix=p["prefix"],
        created_by=row.proposed_by,
        proposal=row.id,
    )
    return user.id


async def reject(work: c.Work, actor: c.Actor, proposal_id: str) -> Proposal:
    row = await _pending(work, actor, proposal_id)
    row.status, row.decided_by, row.decided_at = ProposalStatus.REJECTED, actor.user_id, work.now
    return _proposal(row)


async def pending(session: AsyncSession, actor: c.Actor) -> list[Proposal]:
    """The pending proposals of the kind the caller's party decides."""
    actor.require(*c.PartyKind, write=False)
    query = (
        select(ProposalRow)
        .where(ProposalRow.status == ProposalStatus.PENDING)
        .order_by(ProposalRow.created_at)
    )
    rows = (await session.execute(query)).scalars()
    return [_proposal(row) for row in rows if _may_decide(actor, row)]
