"""Four-eyes decisions: one regulator user proposes, another approves — for freezing units or a
party, and for confirming an issuance above its class's threshold. The approval carries out the
decision in the same transaction; a rejection ends it. Proposals and their deciders are kept."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import parties, rights, units
from registry.assets import get_asset_class
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
    template = "four eyes: another regulator user must decide what you proposed"


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


def _proposal(row: ProposalRow) -> Proposal:
    return Proposal(
        row.id,
        ProposalAction(row.action),
        row.params,
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
    return await _propose(work, actor, ProposalAction.CONFIRM, {"application": application_id})


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ReasonRequired("reason")
    return reason.strip()


async def _propose(work: c.Work, actor: c.Actor, action: ProposalAction, params: dict[str, Any]) -> Proposal:
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
    actor.require(c.PartyKind.REGULATOR)
    row = await work.session.get(ProposalRow, proposal_id, with_for_update=True)
    if row is None:
        raise UnknownProposal("proposal", proposal=proposal_id)
    if row.status != ProposalStatus.PENDING:
        raise ProposalNotPending("proposal", proposal=proposal_id, status=row.status)
    if row.proposed_by == actor.user_id:
        raise ProposerMayNotDecide("proposal")
    return row


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
    else:
        row.result = str((await rights.confirm_application(work, actor, p["application"])).id)
    row.status, row.decided_by, row.decided_at = ProposalStatus.APPROVED, actor.user_id, work.now
    return _proposal(row)


async def reject(work: c.Work, actor: c.Actor, proposal_id: str) -> Proposal:
    row = await _pending(work, actor, proposal_id)
    row.status, row.decided_by, row.decided_at = ProposalStatus.REJECTED, actor.user_id, work.now
    return _proposal(row)


async def pending(session: AsyncSession, actor: c.Actor) -> list[Proposal]:
    actor.require(c.PartyKind.REGULATOR, write=False)
    query = (
        select(ProposalRow)
        .where(ProposalRow.status == ProposalStatus.PENDING)
        .order_by(ProposalRow.created_at)
    )
    return [_proposal(row) for row in (await session.execute(query)).scalars()]
