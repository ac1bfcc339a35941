"""The regulator's workplace: the queue of applications to confirm (确权审核), each with what else
claims the same right and the live parcels its boundary overlaps, confirmed (by two regulators above
the class's threshold: 四眼原则) or rejected with a reason; the proposals that wait for a second pair
of eyes, approved or rejected by another user than their proposer; and the surveillance cases, taken
up and closed with a note.

Every action is the API's own: the same use case through the same runner (``api.work.Act``), its
form checked by the API's schema (a refusal is the API's 400, naming the field, on the error page).
"""

from dataclasses import dataclass
from typing import Annotated

from litestar import get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.access import SUPERVISORS, reads, writes
from api.console import figures
from api.console.forms import Done, Plain, checked, made_id, runner
from api.console.locale import N_
from api.console.signing_in import FORM
from api.console.view import ViewDep
from api.controllers.applications import confirm_or_propose
from api.controllers.cases import CasePath
from api.paging import Cursor, after, after_int, page
from api.schemas import CloseCaseIn, PathId, ReasonIn
from market import cases
from market.tables import CaseStatus
from registry import context as c
from registry import decisions, rights
from registry.divisions import all_divisions
from registry.rights import ApplicationStatus

PAGE = 20
ACTION_WORDS = {
    decisions.ProposalAction.CONFIRM: N_("Confirm a right (确权)"),
    decisions.ProposalAction.FREEZE_UNITS: N_("Freeze units (冻结)"),
    decisions.ProposalAction.FREEZE_PARTY: N_("Freeze a party (冻结)"),
    decisions.ProposalAction.ADD_USER: N_("Add a user"),
    decisions.ProposalAction.CHANGE_ROLE: N_("Change a user's role"),
}
REGULATOR = c.PartyKind.REGULATOR
CaseFilter = Annotated[
    str | None,
    QueryParameter(pattern=r"^(open|acknowledged|closed)?$", description="a case's status, or any"),
]


@dataclass(frozen=True)
class Reason:
    csrf_token: str
    reason: str


@dataclass(frozen=True)
class Note:
    csrf_token: str
    note: str


@get("/review", name="console-review", opt=reads(*SUPERVISORS))
async def review(
    view: ViewDep, cursor: Cursor = None, confirmed: Done = None, proposed: Done = None
) -> Template:
    """Pending applications, oldest first, with their duplicates and overlaps (as a regulator reads
    ``GET /api/v1/applications?status=pending``)."""
    async with view.platform.database.reads() as session:
        found = await rights.list_applications(
            session,
            view.actor,
            status=ApplicationStatus.PENDING,
            after=after(cursor),
            limit=PAGE,
            today=view.platform.now().date(),
        )
        names = await figures.party_names(
            session, {p for a in found for p in (a.applicant, a.holder)}, view.actor
        )
        classes = await figures.class_names(session)
    listed = page(found, PAGE, lambda application: application.id)
    return view.render(
        "review.html",
        applications=listed.items,
        following=listed.next_cursor,
        names=names,
        classes=classes,
        divisions=all_divisions(),
        confirmed=confirmed,
        proposed=proposed,
    )


@post("/review/{application_id:str}/confirm", name="console-confirm", opt=writes(REGULATOR))
async def confirm(view: ViewDep, application_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    answer = await confirm_or_propose(view.platform, runner(view), application_id)
    made = made_id(answer)
    outcome = "proposed" if answer.status_code == 202 else "confirmed"
    return Redirect(f"/review?{outcome}={made}", status_code=303)


@post("/review/{application_id:str}/reject", name="console-reject", opt=writes(REGULATOR))
async def reject(view: ViewDep, application_id: PathId, data: Annotated[Reason, FORM]) -> Redirect:
    reason = checked(ReasonIn, {"reason": data.reason}).reason
    await runner(view)(
        lambda call: rights.reject_application(call.work, call.actor, application_id, reason), status=200
    )
    return Redirect("/review", status_code=303)


@get("/proposals", name="console-proposals", opt=reads())
async def proposals(view: ViewDep, decided: Done = None) -> Template:
    """What waits for a second pair of eyes, of the kinds the user's party decides: others' to approve
    or reject, the user's own shown as waiting."""
    async with view.platform.database.reads() as session:
        waiting = await decisions.pending(session, view.actor)
    return view.render("proposals.html", proposals=waiting, decided=decided, action_words=ACTION_WORDS)


@post("/proposals/{proposal_id:str}/approve", name="console-approve", opt=writes())
async def approve(view: ViewDep, proposal_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    """Approve another user's proposal: it is carried out, as ``/api/v1/proposals/{id}/approve`` does."""
    await runner(view)(lambda call: decisions.approve(call.work, call.actor, proposal_id), status=200)
    return Redirect(f"/proposals?decided={proposal_id}", status_code=303)


@post("/proposals/{proposal_id:str}/reject", name="console-reject-proposal", opt=writes())
async def reject_proposal(view: ViewDep, proposal_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(lambda call: decisions.reject(call.work, call.actor, proposal_id), status=200)
    return Redirect(f"/proposals?decided={proposal_id}", status_code=303)


@get("/cases", name="console-cases", opt=reads(REGULATOR))
async def case_list(view: ViewDep, status: CaseFilter = None, cursor: Cursor = None) -> Template:
    """Surveillance cases, oldest first, by status; each with its trades and parties by name."""
    chosen = CaseStatus(status) if status else None
    async with view.platform.database.reads() as session:
        found = await cases.list_cases(
            session, status=chosen, kind=None, market=None, after=after_int(cursor), limit=PAGE
        )
    listed = page(found, PAGE, lambda case: case.id)
    return view.render("cases.html", cases=listed.items, following=listed.next_cursor, chosen=status or "")


@post("/cases/{case_id:int}/acknowledge", name="console-acknowledge", opt=writes(REGULATOR))
async def acknowledge(view: ViewDep, case_id: CasePath, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(lambda call: cases.acknowledge(call.work, call.actor, case_id), status=200)
    return Redirect(f"/cases#case-{case_id}", status_code=303)


@post("/cases/{case_id:int}/close", name="console-close", opt=writes(REGULATOR))
async def close(view: ViewDep, case_id: CasePath, data: Annotated[Note, FORM]) -> Redirect:
    note = checked(CloseCaseIn, {"note": data.note}).note
    await runner(view)(lambda call: cases.close(call.work, call.actor, case_id, note), status=200)
    return Redirect(f"/cases#case-{case_id}", status_code=303)
