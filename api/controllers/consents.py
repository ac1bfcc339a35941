"""``/parties/{id}/consents`` and ``/consents``: a party lets a named bank ask collateral questions
about its rights, until an expiry, and revokes it; a bank lists the consents it holds."""

from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.access import HOLDERS, SUPERVISORS, ActorDep, party_to, reads, writes
from api.paging import Cursor, Limit, Page, after, page
from api.platform import PlatformDep
from api.schemas import ConsentIn, PathId
from api.work import ActDep
from registry import consents
from registry import context as c

OWN = party_to("party", "party_id", "self")
OWN_OR_SUPERVISED = party_to("party", "party_id", "self", supervisors=True)


class PartyConsentController(Controller):
    path = "/api/v1/parties/{party_id:str}/consents"
    tags = ["collateral"]

    @post(
        "",
        summary="Let a named bank ask about one of your rights, or all of them, until an expiry",
        description="Without a consent in force (or a pledge request naming it) a bank is refused "
        "collateral answers and valuations about your rights. Expires at most a year ahead.",
        opt=writes(*HOLDERS, subject=OWN),
    )
    async def grant(
        self, party_id: PathId, data: JSONBody[ConsentIn], act: ActDep
    ) -> Response[consents.Consent]:
        return await act(
            lambda call: consents.grant(
                call.work,
                call.actor,
                party_id=party_id,
                bank=data.bank,
                issuance=data.issuance,
                expires_at=data.expires_at,
            )
        )

    @get(
        "",
        summary="The consents a party gave, in force or not (the party itself, regulators)",
        opt=reads(*HOLDERS, *SUPERVISORS, subject=OWN_OR_SUPERVISED),
    )
    async def given(
        self,
        party_id: PathId,
        platform: PlatformDep,
        actor: ActorDep,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[consents.Consent]:
        async with platform.database.reads() as session:
            found = await consents.given(
                session, actor, party_id, now=platform.now(), after=after(cursor), limit=limit
            )
        return page(found, limit, lambda consent: consent.id)

    @post(
        "/{consent_id:str}/revoke",
        status_code=200,
        summary="Revoke a consent: its bank may no longer ask, from now on",
        opt=writes(*HOLDERS, subject=OWN),
    )
    async def revoke(self, party_id: PathId, consent_id: PathId, act: ActDep) -> Response[consents.Consent]:
        return await act(
            lambda call: consents.revoke(call.work, call.actor, party_id=party_id, consent_id=consent_id)
        )


class ConsentController(Controller):
    path = "/api/v1/consents"
    tags = ["collateral"]

    @get("", summary="The consents naming your bank, in force or not (bank)", opt=reads(c.PartyKind.BANK))
    async def held(
        self, platform: PlatformDep, actor: ActorDep, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[consents.Consent]:
        async with platform.database.reads() as session:
            found = await consents.held(session, actor, now=platform.now(), after=after(cursor), limit=limit)
        return page(found, limit, lambda consent: consent.id)
