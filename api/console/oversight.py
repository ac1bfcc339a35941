"""The supervisors' view of the parties (参与方监管): every party, paged, with those frozen marked, and
the registrar's form that onboards one (its first manager then added on its page); a
party's page with its record, users, holdings, cash and live freezes, where a regulator proposes to freeze
the party or some of its units (四眼原则: another regulator approves on the proposals page), unfreezes
the party and releases a freeze; and the ledger audit, verified end to end and replayed against the
database, as ``GET /api/v1/supervision/audit`` answers it.

Every action is the API's use case through its runner, its form checked by the API's schema.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.access import SUPERVISORS, reads, writes
from api.console import figures
from api.console.applying import divisions_by_city
from api.console.forms import Done, Plain, checked, made_id, runner, status_of, whole_number
from api.console.signing_in import FORM
from api.console.supervision import Reason
from api.console.view import KIND_LABELS, ROLE_LABELS, View, ViewDep
from api.controllers.parties import onboard_as_asked
from api.paging import Cursor, after, page
from api.schemas import EncumberIn, PartyIn, PathId, ReasonIn
from market import audit
from registry import cash, credentials, decisions, freezes, holdings, parties, party_sight, units
from registry import context as c
from registry.divisions import all_divisions
from registry.units import UnknownFreeze

PARTIES_PAGE = 50
KindChoice = Annotated[
    str | None, QueryParameter(max_length=16, description="a kind of party; empty for any")
]
FREEZES_SHOWN = 1000  # a party's live freezes, all on its page (GET /api/v1/freezes pages them)
REGULATOR = c.PartyKind.REGULATOR


@dataclass(frozen=True)
class Onboarding:
    csrf_token: str
    form_key: str
    kind: str
    name: str
    division: str
    credit_code: str = ""  # an organisation's or a village collective's
    resident_id: str = ""  # a person's


@dataclass(frozen=True)
class FreezeForm:
    csrf_token: str
    issuance: str
    quantity: str
    reason: str


@get("/parties", name="console-parties", opt=reads(*SUPERVISORS))
async def party_list(view: ViewDep, kind: KindChoice = None, cursor: Cursor = None) -> Template:
    """Every party (or those of a kind), as ``GET /api/v1/parties`` lists them, with its kind,
    division and whether frozen."""
    chosen = status_of(c.PartyKind, kind, field="kind")
    async with view.platform.database.reads() as session:
        found = await parties.list_parties(
            session, view.actor, kind=chosen, after=after(cursor), limit=PARTIES_PAGE
        )
        frozen = await freezes.frozen_parties(session, view.actor, {party.id for party in found})
    listed = page(found, PARTIES_PAGE, lambda party: party.id)
    return view.render(
        "parties.html",
        parties=listed.items,
        following=listed.next_cursor,
        frozen=frozen,
        kinds=KIND_LABELS,
        divisions=all_divisions(),
        by_city=divisions_by_city(),
        onboarded=[kind for kind in KIND_LABELS if kind != c.PartyKind.REGISTRAR],
        chosen=kind or "",
    )


@post("/parties", name="console-onboard", opt=writes(c.PartyKind.REGISTRAR))
async def onboard(view: ViewDep, data: Annotated[Onboarding, FORM]) -> Redirect:
    """Onboard a party, as ``POST /api/v1/parties`` does; its page follows, to add its first manager."""
    fields = {"kind": data.kind, "name": data.name, "division": data.division}
    identifiers = {
        "credit_code": data.credit_code.strip() or None,
        "resident_id": data.resident_id.strip() or None,
    }
    asked = checked(PartyIn, {**fields, **identifiers})
    answer = await onboard_as_asked(runner(view, data.form_key), asked)
    made = made_id(answer)
    return Redirect(f"/parties/{made}?done={made}", status_code=303)


@get("/parties/{party_id:str}", name="console-party", opt=reads(*SUPERVISORS))
async def party_page(view: ViewDep, party_id: PathId, done: Done = None) -> Template:
    return await party_view(view, party_id, done=done)


async def party_view(view: View, party_id: str, **shown: Any) -> Template:
    """A party as its supervisors see it: record, users, holdings, cash and live freezes, with the
    actions; ``shown``: what a form just did (a user's key issued, a proposal made)."""
    actor = view.actor
    async with view.platform.database.reads() as session:
        party = await party_sight.read_party(session, actor, party_id)
        frozen = await freezes.frozen_parties(session, actor, {party_id})
        held = await holdings.holdings(session, actor, party_id)
        account = await cash.account(session, actor, party_id)
        live = await freezes.list_freezes(
            session, actor, owner=party_id, status=freezes.FreezeStatus.LIVE, after=None, limit=FREEZES_SHOWN
        )
        classes = await figures.class_names(session)
        users = await credentials.users_of(session, actor, party_id)
        awaited = await decisions.user_proposed(session, party_id) if not users else False
    return view.render(
        "party.html",
        users=users,
        awaited=awaited,
        party=party,
        frozen_at=frozen.get(party_id),
        holdings=held,
        free=[x for x in held if x.state == "active"],
        account=account,
        freezes=live,
        classes=classes,
        kinds=KIND_LABELS,
        roles=ROLE_LABELS,
        divisions=all_divisions(),
        **{"issued": None, "proposed": None, "done": None, **shown},
    )


@post("/parties/{party_id:str}/freeze", name="console-freeze-party", opt=writes(REGULATOR))
async def freeze_party(view: ViewDep, party_id: PathId, data: Annotated[Reason, FORM]) -> Redirect:
    """Propose freezing the party whole, as ``POST /api/v1/parties/{id}/freeze`` does."""
    asked = checked(ReasonIn, {"reason": data.reason})
    answer = await runner(view)(
        lambda call: decisions.propose_party_freeze(
            call.work, call.actor, party_id=party_id, reason=asked.reason
        ),
        status=202,
    )
    return Redirect(f"/parties/{party_id}?done={made_id(answer)}", status_code=303)


@post("/parties/{party_id:str}/unfreeze", name="console-unfreeze-party", opt=writes(REGULATOR))
async def unfreeze_party(view: ViewDep, party_id: PathId, data: Annotated[Reason, FORM]) -> Redirect:
    asked = checked(ReasonIn, {"reason": data.reason})
    await runner(view)(
        lambda call: parties.unfreeze_party(call.work, call.actor, party_id=party_id, reason=asked.reason),
        status=200,
    )
    return Redirect(f"/parties/{party_id}?done={party_id}", status_code=303)


@post("/parties/{party_id:str}/freezes", name="console-freeze-units", opt=writes(REGULATOR))
async def freeze_units(view: ViewDep, party_id: PathId, data: Annotated[FreezeForm, FORM]) -> Redirect:
    """Propose freezing some of the party's free units, as ``POST /api/v1/freezes`` does."""
    fields = {"issuance": whole_number(data.issuance), "owner": party_id, "quantity": data.quantity}
    asked = checked(EncumberIn, {**fields, "reason": data.reason})
    answer = await runner(view)(
        lambda call: decisions.propose_freeze(
            call.work,
            call.actor,
            issuance_id=asked.issuance,
            owner=asked.owner,
            quantity=asked.quantity,
            reason=asked.reason,
        ),
        status=202,
    )
    return Redirect(f"/parties/{party_id}?done={made_id(answer)}", status_code=303)


@post(
    "/parties/{party_id:str}/freezes/{freeze_id:str}/release",
    name="console-release-freeze",
    opt=writes(REGULATOR),
)
async def release_freeze(
    view: ViewDep, party_id: PathId, freeze_id: PathId, data: Annotated[Plain, FORM]
) -> Redirect:
    """Release a freeze of the party's units, as ``POST /api/v1/freezes/{id}/release`` does; another
    party's freeze is not found here."""
    async with view.platform.database.reads() as session:
        if await freezes.owner_of(session, view.actor, freeze_id) != party_id:
            raise UnknownFreeze("freeze", freeze=freeze_id)
    await runner(view)(lambda call: units.unfreeze(call.work, call.actor, freeze_id=freeze_id), status=200)
    return Redirect(f"/parties/{party_id}?done={freeze_id}", status_code=303)


@get("/audit", name="console-audit", opt=reads(*SUPERVISORS))
async def audit_page(view: ViewDep) -> Template:
    """The audit, run as the page loads, and how to verify the ledger offline."""
    return view.render("audit.html", verifier_key=view.platform.ledger.verifier_key)


@get("/audit/report", name="console-audit-report", opt=reads(*SUPERVISORS))
async def audit_report(view: ViewDep) -> Template:
    """The ledger verified end to end and replayed against the database, now: work in proportion to
    the whole ledger, so the audit page fetches it (htmx) once it is shown, and a reader without
    script follows a link to it."""
    async with view.platform.database.reads() as session:
        found = await audit.report(session, view.platform.ledger)
    return view.render("audit_report.html", report=found)
