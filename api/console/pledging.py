"""A pledge's life in the console beyond the bank's registration (``api.console.lending``): the owner
consents to pledge units to a named bank for a loan, withdraws its request before registration, and
after default may agree a value (协议折价); the bank records the loan's default (the owner's notice
starts) and, once the notice has run, enforces lawfully: takes the units at an appraiser's valuation
or the agreed value (折价), or sells them by a forced listing.

Each action is the API's use case under ``/api/v1/pledges`` through its runner, with the same access
declaration, its form checked by the API's own schema.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import post
from litestar.response import Redirect

from api.access import HOLDERS, writes
from api.console.forms import Plain, checked, made_id, runner, sale_fields, whole_number
from api.console.signing_in import FORM
from api.console.view import ViewDep
from api.controllers.pledges import AS_BANK, AS_OWNER, enforce_as_asked
from api.schemas import AgreedValueIn, DefaultIn, EnforceIn, PathId, PledgeIn
from registry import context as c
from registry import enforcement, pledges

BANK = c.PartyKind.BANK


@dataclass(frozen=True)
class PledgeForm:
    csrf_token: str
    form_key: str
    issuance: str
    bank: str
    quantity: str
    loan: str
    loan_term_end: str
    notice_days: str = ""
    early_default_allowed: str = ""  # a checkbox: "on" when ticked


@dataclass(frozen=True)
class CauseForm:
    csrf_token: str
    cause: str


@dataclass(frozen=True)
class ValueForm:
    csrf_token: str
    value: str


@dataclass(frozen=True)
class EnforceForm:
    csrf_token: str
    method: str
    valuation: str = ""  # 折价: an appraiser's valuation; empty for the value the owner agreed
    mode: str = ""  # a forced sale's listing terms (``api.console.forms.SaleForm``)
    price: str = ""
    ends_at: str = ""
    deposit: str = ""


@post("/pledges", name="console-request-pledge", opt=writes(*HOLDERS))
async def request(view: ViewDep, data: Annotated[PledgeForm, FORM]) -> Redirect:
    """Consent, as the owner, to pledge units to a bank, as ``POST /api/v1/pledges`` does."""
    fields: dict[str, Any] = {
        "issuance": whole_number(data.issuance),
        "bank": data.bank,
        "quantity": data.quantity,
        "loan": data.loan,
        "loan_term_end": data.loan_term_end,
        "early_default_allowed": data.early_default_allowed == "on",
    }
    if data.notice_days:
        fields["notice_days"] = whole_number(data.notice_days)
    consent = pledges.Consent(**checked(PledgeIn, fields).model_dump())
    answer = await runner(view, data.form_key)(
        lambda call: pledges.request(call.work, call.actor, consent), status=201
    )
    return Redirect(f"/pledges?done={made_id(answer)}", status_code=303)


@post(
    "/pledges/{pledge_id:str}/withdraw",
    name="console-withdraw-pledge",
    opt=writes(*HOLDERS, subject=AS_OWNER),
)
async def withdraw(view: ViewDep, pledge_id: PathId, data: Annotated[Plain, FORM]) -> Redirect:
    await runner(view)(lambda call: pledges.withdraw(call.work, call.actor, pledge_id), status=200)
    return Redirect(f"/pledges?done={pledge_id}", status_code=303)


@post(
    "/pledges/{pledge_id:str}/agreed-value",
    name="console-agree-value",
    opt=writes(*HOLDERS, subject=AS_OWNER),
)
async def agree_value(view: ViewDep, pledge_id: PathId, data: Annotated[ValueForm, FORM]) -> Redirect:
    asked = checked(AgreedValueIn, {"value": data.value})
    await runner(view)(
        lambda call: enforcement.agree_value(call.work, call.actor, pledge_id, asked.value), status=200
    )
    return Redirect(f"/pledges?done={pledge_id}", status_code=303)


@post("/pledges/{pledge_id:str}/default", name="console-default", opt=writes(BANK, subject=AS_BANK))
async def record_default(view: ViewDep, pledge_id: PathId, data: Annotated[CauseForm, FORM]) -> Redirect:
    """Record the loan's default as the bank; the entry is the owner's notice."""
    asked = checked(DefaultIn, {"cause": data.cause})
    await runner(view)(
        lambda call: enforcement.record_default(call.work, call.actor, pledge_id, asked.cause), status=200
    )
    return Redirect(f"/pledges?done={pledge_id}", status_code=303)


@post("/pledges/{pledge_id:str}/enforce", name="console-enforce", opt=writes(BANK, subject=AS_BANK))
async def enforce(view: ViewDep, pledge_id: PathId, data: Annotated[EnforceForm, FORM]) -> Redirect:
    """Enforce as the bank: 折价 at a valuation (or the agreed value), or a forced sale, whose listing
    the bank is then shown."""
    fields: dict[str, Any] = {"method": data.method}
    if data.method == pledges.EnforcementMethod.SALE:
        fields["sale"] = sale_fields(data.mode, data.price, data.ends_at, data.deposit)
    elif data.valuation:
        fields["valuation"] = data.valuation
    asked = checked(EnforceIn, fields)
    answer = await enforce_as_asked(runner(view), pledge_id, asked)
    if asked.sale is None:
        return Redirect(f"/pledges?done={pledge_id}", status_code=303)
    return Redirect(f"/listings/{made_id(answer)}", status_code=303)
