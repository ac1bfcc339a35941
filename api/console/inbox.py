"""What waits on the signed-in user, counted in the header and listed at ``/inbox``: contracts offered
to its party to sign, negotiated offers made to it, open auctions on which it was outbid (it may bid
again), pledge requests to its bank to register,
proposals another user made that it may decide, and for regulators the applications to confirm and
the open surveillance cases.

Each is read by the same use case as its page, and shown only to a user who may open that page. It
is worked out from the records as they are, when a page is drawn: nothing is stored, so nothing can
disagree with them. What has happened, rather than what waits, is the user's notifications
(``api.console.notices``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from api.console.locale import N_
from api.platform import Platform
from market import cases, listings, negotiated
from registry import context as c
from registry import contracts, decisions, pledges, rights
from registry.contracts import ContractStatus
from registry.pledges import PledgeStatus


@dataclass(frozen=True, slots=True)
class Waiting:
    label: str  # an English message id, shown translated
    count: int
    href: str


async def waiting(platform: Platform, actor: c.Actor, may: Callable[[str], bool]) -> list[Waiting]:
    """Each kind of thing waiting on ``actor`` that it may open (``may``: by route name), with how many."""
    found: list[Waiting] = []
    async with platform.database.reads() as session:
        if may("console-sign"):
            offered = await contracts.of_party(session, actor, status=ContractStatus.OFFERED)
            mine = [x for x in offered if x.depositor == actor.party_id]
            found.append(Waiting(N_("Contracts to sign"), len(mine), "/contracts"))
        if may("console-accept-offer"):
            answer = await negotiated.count_to_answer(session, actor.party_id)
            found.append(Waiting(N_("Offers to answer"), answer, "/offers"))
        if may("console-bid"):
            outbid = await listings.outbid_on(session, actor.party_id)
            where = f"/listings/{outbid[0]}" if len(outbid) == 1 else "/market"
            found.append(Waiting(N_("Auctions where you were outbid"), len(outbid), where))
        if may("console-register-pledge"):
            asked = await pledges.of_party(session, actor, status=PledgeStatus.REQUESTED)
            mine_to_register = [x for x in asked if x.bank == actor.party_id]
            found.append(Waiting(N_("Pledges to register"), len(mine_to_register), "/pledges"))
        if may("console-approve"):
            others = [p for p in await decisions.pending(session, actor) if p.proposed_by != actor.user_id]
            found.append(Waiting(N_("Proposals awaiting you"), len(others), "/proposals"))
        if may("console-confirm"):
            found.append(
                Waiting(N_("Applications to confirm"), await rights.count_pending(session), "/review")
            )
        if may("console-acknowledge"):
            found.append(Waiting(N_("Open surveillance cases"), await cases.count_open(session), "/cases"))
    return [item for item in found if item.count]
