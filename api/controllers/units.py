"""Moving units: ``/transfers``, ``/retirements`` (清缴/核销), ``/cancellations`` (注销), ``/freezes``
(冻结, four eyes) and ``/expiries``."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import HOLDERS, SUPERVISORS, ActorDep, ReaderDep, public, reads, writes
from api.paging import Cursor, Limit, Page, after, page
from api.platform import PlatformDep
from api.schemas import CertificatePath, EncumberIn, FreezeStatusQuery, PathId, QueryId, RetireIn, TransferIn
from api.work import ActDep, Call
from registry import certificates, decisions, freezes, units
from registry import context as c
from settlement.certificates import with_inclusion


class TransferController(Controller):
    path = "/api/v1/transfers"
    tags = ["units"]

    @post(
        "", summary="Transfer units free of payment; the sender keeps the low serials", opt=writes(*HOLDERS)
    )
    async def transfer(self, data: JSONBody[TransferIn], act: ActDep) -> Response[units.Moved]:
        return await act(
            lambda call: units.transfer(
                call.work, call.actor, issuance_id=data.issuance, to=data.to, quantity=data.quantity
            )
        )


class RetirementController(Controller):
    path = "/api/v1/retirements"
    tags = ["units"]

    @post(
        "",
        summary="Retire units (清缴/核销): final; answers the certificate, without its ledger proof",
        description="The certificate's ledger entry and inclusion proof are read at "
        "/retirements/{certificate} once the retirement is committed.",
        opt=writes(*HOLDERS),
    )
    async def retire(self, data: JSONBody[RetireIn], act: ActDep) -> Response[certificates.Retirement]:
        return await act(
            lambda call: units.retire(
                call.work,
                call.actor,
                issuance_id=data.issuance,
                quantity=data.quantity,
                beneficiary=data.beneficiary,
                purpose=data.purpose,
            )
        )

    @get(
        "/{certificate:str}",
        summary="A retirement certificate with its ledger entry and inclusion proof (public)",
        description="A natural person's name, and the beneficiary of a person's retirement, are shown "
        "only to the person and its supervisors (send a key).",
        opt=public(identifies=True),
    )
    async def retirement(
        self, certificate: CertificatePath, platform: PlatformDep, reader: ReaderDep
    ) -> certificates.Retirement:
        async with platform.database.reads() as session:
            found = await certificates.get_retirement(session, certificate, reader)
            return await with_inclusion(session, platform.ledger, found)


class CancellationController(Controller):
    path = "/api/v1/cancellations"
    tags = ["units"]

    @post("", summary="Cancel units administratively (注销, regulator)", opt=writes(c.PartyKind.REGULATOR))
    async def cancel(self, data: JSONBody[EncumberIn], act: ActDep) -> Response[units.Moved]:
        return await act(
            lambda call: units.cancel(
                call.work,
                call.actor,
                issuance_id=data.issuance,
                owner=data.owner,
                quantity=data.quantity,
                reason=data.reason,
            )
        )


class FreezeController(Controller):
    path = "/api/v1/freezes"
    tags = ["units"]

    @post(
        "",
        status_code=202,
        summary="Propose freezing an owner's free units (冻结, regulator): 202 and a proposal",
        description="Four eyes: another regulator user approves at /proposals/{id}/approve, which freezes.",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def freeze(self, data: JSONBody[EncumberIn], act: ActDep) -> Response[decisions.Proposal]:
        return await act(
            lambda call: decisions.propose_freeze(
                call.work,
                call.actor,
                issuance_id=data.issuance,
                owner=data.owner,
                quantity=data.quantity,
                reason=data.reason,
            )
        )

    @get(
        "",
        summary="Freezes of units, by id: an owner's (?owner=), live or released (?status=) "
        "(regulator, registrar)",
        opt=reads(*SUPERVISORS),
    )
    async def list_freezes(
        self,
        platform: PlatformDep,
        actor: ActorDep,
        owner: QueryId = None,
        status: FreezeStatusQuery = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[freezes.Freeze]:
        async with platform.database.reads() as session:
            found = await freezes.list_freezes(
                session, actor, owner=owner, status=status, after=after(cursor), limit=limit
            )
        return page(found, limit, lambda freeze: freeze.id)

    @post(
        "/{freeze_id:str}/release",
        status_code=200,
        summary="Release a freeze (regulator)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def release(self, freeze_id: PathId, act: ActDep) -> Response[units.Moved]:
        return await act(lambda call: units.unfreeze(call.work, call.actor, freeze_id=freeze_id))


class ExpiryController(Controller):
    path = "/api/v1/expiries"
    tags = ["units"]

    @post(
        "",
        status_code=200,
        summary="Expire units whose term has ended, now (regulator; the server also does it hourly)",
        opt=writes(c.PartyKind.REGULATOR),
    )
    async def expire(self, act: ActDep) -> Response[dict[str, int]]:
        return await act(_expire_now)


async def _expire_now(call: Call) -> dict[str, int]:
    return {"issuances_expired": await units.expire_due(call.work, call.work.now.date())}
