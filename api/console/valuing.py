"""Valuations (评估) in the console: a right's appraisals, newest first, as
``GET /api/v1/issuances/{id}/valuations`` reads them, and the form that records one, as
``POST /api/v1/valuations`` does — for banks, operators (两山银行) and supervisors, whose collateral
answers, loan-to-value caps, inventory marks and 折价 rest on them."""

from dataclasses import dataclass
from typing import Annotated

from litestar import get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.access import reads, writes
from api.console.forms import Done, checked, made_id, runner, whole_number
from api.console.signing_in import FORM
from api.console.view import ViewDep
from api.schemas import MAX_ID, ValuationIn
from registry import valuations

RightNumber = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="the right's number")]


@dataclass(frozen=True)
class ValuationForm:
    csrf_token: str
    form_key: str
    issuance: str
    appraiser: str
    appraiser_credit_code: str
    method: str
    value: str
    valued_on: str
    valid_until: str


@get("/valuations", name="console-valuations", opt=reads(*valuations.RECORDERS))
async def valuation_list(view: ViewDep, issuance: RightNumber = None, done: Done = None) -> Template:
    """A right's valuations (``?issuance=``), and the form to record another."""
    found: list[valuations.Valuation] = []
    if issuance is not None:
        async with view.platform.database.reads() as session:
            found = await valuations.history(session, view.actor, issuance, view.platform.now())
    methods = list(valuations.ValuationMethod)
    return view.render("valuations.html", issuance=issuance, valuations=found, methods=methods, done=done)


@post("/valuations", name="console-value", opt=writes(*valuations.RECORDERS))
async def record(view: ViewDep, data: Annotated[ValuationForm, FORM]) -> Redirect:
    fields = {
        "issuance": whole_number(data.issuance),
        "appraiser": data.appraiser,
        "appraiser_credit_code": data.appraiser_credit_code,
        "method": data.method,
        "value": data.value,
        "valued_on": data.valued_on,
        "valid_until": data.valid_until,
    }
    appraisal = valuations.Appraisal(**checked(ValuationIn, fields).model_dump())
    answer = await runner(view, data.form_key)(
        lambda call: valuations.record(call.work, call.actor, appraisal), status=201
    )
    return Redirect(f"/valuations?issuance={appraisal.issuance}&done={made_id(answer)}", status_code=303)
