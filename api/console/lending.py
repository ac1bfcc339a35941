"""The bank's workplace: the collateral check of a right, with its owner's consent, answered by the
same signed attestation as ``POST /api/v1/collateral/verify`` (shown, and downloadable as the JSON
document to check offline with ``liangshan attestation verify``); and the pledges it holds or is asked
for (质押登记), registered on the loan's terms, released on repayment, each with its printable
registration notice (the rest of a pledge's life, from the owner's request to enforcement, is
``api.console.pledging``); and its cash desk (存管): money received for, or paid out to, a party it serves.
An owner sees its own pledges there too.

The check is a question, not a change: a plain GET form, its fields checked by the API's schema.
"""

import json
from dataclasses import dataclass
from typing import Annotated

from litestar import MediaType, Response, get, post
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.access import party_to, reads, writes
from api.console import figures
from api.console.documents import entry_about, verification
from api.console.forms import Done, Plain, StatusChoice, checked, runner, status_of, whole_number
from api.console.signing_in import FORM
from api.console.view import View, ViewDep
from api.controllers.pledges import AS_BANK
from api.schemas import CashIn, PathId, RegisterPledgeIn, VerifyIn
from registry import cash, holdings, pledges
from registry import context as c
from registry import events as ev
from registry.errors import Conflict
from registry.pledges import NOTICE_DAYS

BANK = c.PartyKind.BANK
REGISTERED = {ev.UnitsPledged.kind, ev.PledgeRegistered.kind}  # a first lien's entry, and a second's


class PledgeNotRegistered(Conflict):
    title = "Pledge not registered"
    template = "pledge {pledge} is {status}: a notice is made once its bank registers it"


CreditCode = Annotated[str | None, QueryParameter(max_length=18, description="the owner's credit code")]
Right = Annotated[str | None, QueryParameter(max_length=20, description="the right's number")]


@dataclass(frozen=True)
class Registration:
    csrf_token: str
    allow_junior: str = ""  # a checkbox: "on" when ticked


@get("/collateral", name="console-collateral", opt=reads(BANK, c.PartyKind.REGULATOR))
async def collateral(view: ViewDep, owner: CreditCode = None, issuance: Right = None) -> Template:
    """The check's form, and once asked, its signed answer."""
    document = (await _attest(view, owner, issuance))[0] if owner or issuance else None
    shown = json.loads(document) if document else None
    async with view.platform.database.reads() as session:
        classes = await figures.class_names(session)
    return view.render(
        "collateral.html", owner=owner or "", issuance=issuance or "", document=shown, classes=classes
    )


@get("/collateral/attestation.json", name="console-attestation", opt=reads(BANK, c.PartyKind.REGULATOR))
async def attestation(view: ViewDep, owner: CreditCode = None, issuance: Right = None) -> Response[bytes]:
    """The signed attestation as a file, byte for byte as the API answers it."""
    document, number = await _attest(view, owner, issuance)
    name = f"attestation-{number}-{view.platform.now().date().isoformat()}.json"
    return Response(
        document, media_type=MediaType.JSON, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


async def _attest(view: View, owner: str | None, issuance: str | None) -> tuple[bytes, int]:
    """The signed attestation of the question, as checked by the API's schema, and the right's number."""
    asked = checked(VerifyIn, {"owner_credit_code": owner, "issuance": whole_number(issuance or "")})
    document = await view.platform.attestor.attest(
        view.actor,
        issuance_id=asked.issuance,
        owner_credit_code=asked.owner_credit_code,
        serials=None,
        now=view.platform.now(),
    )
    return document, asked.issuance


@get("/pledges", name="console-pledges", opt=reads())
async def pledge_list(view: ViewDep, status: StatusChoice = None, done: Done = None) -> Template:
    """The pledges the party holds as a bank or gave as an owner, in the order they were asked for,
    with what it may do."""
    actor = view.actor
    asks = view.may("console-request-pledge")
    async with view.platform.database.reads() as session:
        found = await pledges.of_party(session, actor, status=status_of(pledges.PledgeStatus, status))
        names = await figures.party_names(session, {p for x in found for p in (x.owner, x.bank)}, actor)
        held = await holdings.holdings(session, actor, actor.party_id) if asks else []
        banks = await figures.organisations(session, BANK) if asks else []
    free = [x for x in held if x.state == "active"]
    return view.render(
        "pledges.html",
        pledges=found,
        names=names,
        done=done,
        free=free,
        banks=banks,
        default_notice=NOTICE_DAYS,
        chosen=status or "",
    )


@post("/pledges/{pledge_id:str}/register", name="console-register-pledge", opt=writes(BANK, subject=AS_BANK))
async def register(view: ViewDep, pledge_id: PathId, data: Annotated[Registration, FORM]) -> Redirect:
    """Register a requested pledge as its bank, as ``/api/v1/pledges/{id}/register`` does: the term and
    the loan-to-value are checked, then the units are pledged."""
    terms = checked(RegisterPledgeIn, {"allow_junior": data.allow_junior == "on"})
    await runner(view)(
        lambda call: pledges.register(
            call.work,
            call.actor,
            pledge_id,
            ltv_caps=call.platform.ltv_caps,
            allows_junior=terms.allow_junior,
        ),
        status=200,
    )
    return Redirect(f"/pledges?done={pledge_id}", status_code=303)


@post("/pledges/{pledge_id:str}/release", name="console-release-pledge", opt=writes(BANK, subject=AS_BANK))
async def release(view: ViewDep, pledge_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    """Release a pledge on repayment, as its bank."""
    await runner(view)(lambda call: pledges.release(call.work, call.actor, pledge_id), status=200)
    return Redirect(f"/pledges?done={pledge_id}", status_code=303)


@get(
    "/pledges/{pledge_id:str}/notice",
    name="console-pledge-notice",
    opt=reads(subject=party_to("pledge", "pledge_id", "owner", "bank", supervisors=True)),
)
async def notice(view: ViewDep, pledge_id: PathId) -> Template:
    """The pledge registration notice (质押登记通知书), printable, for its owner, its bank and
    regulators: the pledge's terms and the ledger entry that registered it, with a QR code to it."""
    async with view.platform.database.reads() as session:
        pledge = await pledges.get(session, view.actor, pledge_id)
        if pledge.registered_at is None:
            raise PledgeNotRegistered("pledge_id", pledge=pledge_id, status=pledge.status)
        entry = await entry_about(session, view.platform, pledge.issuance, REGISTERED, ("pledge", pledge_id))
        names = await figures.party_names(session, {pledge.owner, pledge.bank}, view.actor)
    address, qr = verification(view, f"/ledger/entry?seq={entry.seq}") if entry else (None, None)
    return view.render(
        "pledge_notice.html",
        pledge=pledge,
        entry=entry,
        names=names,
        verify=address,
        qr=qr,
    )


@dataclass(frozen=True)
class Movement:
    csrf_token: str
    form_key: str
    direction: str  # deposit or withdrawal
    party: str
    amount: str
    reference: str


@get("/cash-desk", name="console-cash-desk", opt=reads(BANK))
async def cash_desk(view: ViewDep, done: Done = None) -> Template:
    """The bank's confirmations of money received for, or paid out to, a party it serves (存管)."""
    return view.render("cash_desk.html", done=done)


@post("/cash-desk", name="console-cash-movement", opt=writes(BANK))
async def cash_movement(view: ViewDep, data: Annotated[Movement, FORM]) -> Redirect:
    """A deposit or a withdrawal confirmed, as ``POST /api/v1/cash/deposits`` or ``/withdrawals``."""
    asked = checked(CashIn, {"party": data.party, "amount": data.amount, "reference": data.reference})
    post_it = {"deposit": cash.deposit, "withdrawal": cash.withdraw}.get(data.direction)
    if post_it is None:
        raise ValidationException(
            "invalid form", extra=[{"key": "direction", "message": "deposit or withdrawal"}]
        )
    await runner(view, data.form_key)(
        lambda call: post_it(
            call.work, call.actor, party_id=asked.party, amount=asked.amount, reference=asked.reference
        ),
        status=201,
    )
    return Redirect(f"/cash-desk?done={asked.party}", status_code=303)
