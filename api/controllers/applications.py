"""``/applications``: applying for confirmation of a right (确权), and the regulator's decision."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from api.access import HOLDERS, ActorDep, party_to, reads, writes
from api.paging import Cursor, Limit, Page, after, page
from api.platform import Platform, PlatformDep
from api.schemas import ApplicationIn, ApplicationStatusQuery, PathId, ReasonIn
from api.work import Act, ActDep
from registry import context as c
from registry import decisions, rights


class ApplicationController(Controller):
    path = "/api/v1/applications"
    tags = ["rights"]

    @post(
        "",
        summary="Apply for confirmation of a right (holder, or operator on its behalf)",
        opt=writes(*HOLDERS),
    )
    async def file(self, data: JSONBody[ApplicationIn], act: ActDep) -> Response[rights.Application]:
        return await file_as_asked(act, data)

    @get(
        "",
        summary="Applications you filed or hold; regulators see all, with their duplicates and overlaps",
        description="For regulators and the registrar, `duplicates` lists the live rights and other "
        "pending applications that claim the same right (its identity, as its asset class declares "
        "it), and `overlaps` the live rights whose parcels share land with its boundary; for others "
        "both are null.",
        opt=reads(),
    )
    async def list_applications(
        self,
        platform: PlatformDep,
        actor: ActorDep,
        status: ApplicationStatusQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[rights.Application]:
        async with platform.database.reads() as session:
            found = await rights.list_applications(
                session, actor, status=status, after=after(cursor), limit=limit, today=platform.now().date()
            )
        return page(found, limit, lambda a: a.id)

    @get(
        "/{application_id:str}",
        summary="One application (its applicant, its holder, regulators)",
        description="To a regulator, `overlaps` lists the live rights whose parcels share land with the "
        "application's boundary (issuance, class, shared area in m², and whether it refuses confirmation: "
        "the same class beyond the class's overlap tolerance); to others it is null.",
        opt=reads(subject=party_to("application", "application_id", "applicant", "holder", supervisors=True)),
    )
    async def get_application(
        self, application_id: PathId, platform: PlatformDep, actor: ActorDep
    ) -> rights.Application:
        async with platform.database.reads() as session:
            return await rights.get_application(session, actor, application_id, today=platform.now().date())

    @post(
        "/{application_id:str}/confirm",
        summary="Confirm and issue the units (regulator); above the class's threshold, 202 and a proposal",
        description="An issuance above `LIANGSHAN_FOUR_EYES_ABOVE` for its class takes two regulators: "
        "this answers 202 with a proposal that another regulator user approves at /proposals/{id}/approve. "
        "A right that is live already (the same identity: permit number and pollutant, unit number, "
        "project and an overlapping monitoring period) is refused with 409 `right-registered-already`, "
        "naming the existing `issuance` and its `serial`.",
        opt=writes(c.PartyKind.REGULATOR),
        responses={
            202: ResponseSpec(decisions.Proposal, description="A proposal awaiting a second regulator")
        },
    )
    async def confirm(
        self, application_id: PathId, platform: PlatformDep, act: ActDep
    ) -> Response[rights.Issuance]:
        return await confirm_or_propose(platform, act, application_id)

    @post(
        "/{application_id:str}/reject",
        status_code=200,
        summary="Reject with a reason (regulator)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def reject(
        self, application_id: PathId, data: JSONBody[ReasonIn], act: ActDep
    ) -> Response[rights.Application]:
        return await act(
            lambda call: rights.reject_application(call.work, call.actor, application_id, data.reason)
        )


async def file_as_asked(act: Act, asked: ApplicationIn) -> Response[Any]:
    """File the application ``asked`` describes (201): the API's route and the console's form both
    file by this."""
    return await act(
        lambda call: rights.file_application(
            call.work,
            call.actor,
            holder_id=asked.holder or call.actor.party_id,
            asset_class=asked.asset_class,
            division_code=asked.division,
            vintage=asked.vintage,
            quantity=asked.quantity,
            attributes=asked.attributes,
        ),
        status=201,
    )


async def confirm_or_propose(platform: Platform, act: Act, application_id: str) -> Response[Any]:
    """Confirm an application and issue its units (201); above its class's four-eyes threshold,
    propose that instead, for another regulator to approve (202). The API's route and the console's
    review page both confirm by this."""
    async with platform.database.reads() as session:
        four_eyes = await decisions.needs_second_pair(session, application_id, platform.four_eyes_above)
    if four_eyes:
        return await act(
            lambda call: decisions.propose_confirmation(call.work, call.actor, application_id), status=202
        )
    return await act(
        lambda call: rights.confirm_application(call.work, call.actor, application_id), status=201
    )
