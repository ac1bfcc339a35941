"""``/valuations``: appraisals of rights, which collateral answers and loan-to-value caps rely on."""

from litestar import Controller, Response, post
from litestar.params import JSONBody

from api.access import writes
from api.schemas import ValuationIn
from api.work import ActDep
from registry import valuations


class ValuationController(Controller):
    path = "/api/v1/valuations"
    tags = ["collateral"]

    @post(
        "",
        summary="Record an appraisal of a right (bank, operator, regulator or registrar)",
        opt=writes(*valuations.RECORDERS),
    )
    async def record(self, data: JSONBody[ValuationIn], act: ActDep) -> Response[valuations.Valuation]:
        appraisal = valuations.Appraisal(**data.model_dump())
        return await act(lambda call: valuations.record(call.work, call.actor, appraisal))
