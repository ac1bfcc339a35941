"""``/supervision/cases``: surveillance cases (regulators) — list, read, acknowledge, close with a
note — and a surveillance run on demand (the server runs it every LIANGSHAN_SURVEILLANCE_INTERVAL_S)."""

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromQuery, JSONBody, PathParameter

from api.access import reads, writes
from api.paging import Cursor, Limit, Page, after_int, page
from api.platform import PlatformDep
from api.schemas import MAX_ID, CloseCaseIn, QueryId
from api.work import ActDep, Call
from market import cases
from market.surveillance import Kind
from market.tables import CaseStatus
from registry import context as c

CasePath = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="a surveillance case's number")]
REGULATOR = c.PartyKind.REGULATOR


class CaseController(Controller):
    path = "/api/v1/supervision/cases"
    tags = ["supervision"]

    @get(
        "",
        summary="Surveillance cases, oldest first, by status, kind and instrument (regulator)",
        opt=reads(REGULATOR),
    )
    async def list_cases(
        self,
        platform: PlatformDep,
        status: FromQuery[CaseStatus | None] = None,
        kind: FromQuery[Kind | None] = None,
        instrument: QueryId = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[cases.Case]:
        async with platform.database.reads() as session:
            found = await cases.list_cases(
                session, status=status, kind=kind, market=instrument, after=after_int(cursor), limit=limit
            )
        return page(found, limit, lambda case: case.id)

    @post(
        "/scan",
        status_code=200,
        summary="Run surveillance now; open a case for each new alert (regulator)",
        description="Idempotent: an alert already raised, in any status, opens no second case.",
        opt=writes(REGULATOR),
    )
    async def scan(self, platform: PlatformDep, act: ActDep) -> Response[dict[str, int]]:
        async with platform.database.reads() as session:
            found = await cases.survey(session, platform.ledger, platform.surveillance, platform.now())
        return await act(lambda call: _opened(call, found))

    @get("/{case_id:int}", summary="One surveillance case (regulator)", opt=reads(REGULATOR))
    async def get_case(self, case_id: CasePath, platform: PlatformDep) -> cases.Case:
        async with platform.database.reads() as session:
            return await cases.get_case(session, case_id)

    @post(
        "/{case_id:int}/acknowledge",
        status_code=200,
        summary="Take up an open case (regulator user); 409 naming its status otherwise",
        opt=writes(REGULATOR),
    )
    async def acknowledge(self, case_id: CasePath, act: ActDep) -> Response[cases.Case]:
        return await act(lambda call: cases.acknowledge(call.work, call.actor, case_id))

    @post(
        "/{case_id:int}/close",
        status_code=200,
        summary="Close an acknowledged case with a note (regulator user); 409 naming its status otherwise",
        opt=writes(REGULATOR),
    )
    async def close(
        self, case_id: CasePath, data: JSONBody[CloseCaseIn], act: ActDep
    ) -> Response[cases.Case]:
        return await act(lambda call: cases.close(call.work, call.actor, case_id, data.note))


async def _opened(call: Call, found: cases.Findings) -> dict[str, int]:
    return {"opened": await cases.open_cases(call.work, found)}
