"""``/collateral``: a bank verifies collateral and gets a signed attestation it can check offline."""

from litestar import Controller, MediaType, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from api.access import ActorDep, reads
from api.platform import PlatformDep
from api.schemas import AttestationOut, VerifyIn
from registry import context as c


class CollateralController(Controller):
    path = "/api/v1/collateral"
    tags = ["collateral"]

    @post(
        "/verify",
        status_code=200,
        summary="Verify collateral: the answer, signed, with the ledger entries and proofs behind it",
        description="Check the attestation offline with `liangshan attestation verify FILE --key KEY`.",
        responses={200: ResponseSpec(AttestationOut, description="The attestation, in its canonical form")},
        opt=reads(c.PartyKind.BANK, c.PartyKind.REGULATOR),
    )
    async def verify(
        self, data: JSONBody[VerifyIn], platform: PlatformDep, actor: ActorDep
    ) -> Response[bytes]:
        serials = None if data.serials is None else (data.serials.first, data.serials.last)
        document = await platform.attestor.attest(
            actor,
            issuance_id=data.issuance,
            owner_credit_code=data.owner_credit_code,
            serials=serials,
            now=platform.now(),
        )
        return Response(document, media_type=MediaType.JSON)
