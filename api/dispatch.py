"""The webhook dispatcher, a scheduled job (``api.schedule``): POST each subscription's next entry to
its endpoint, signed per Standard Webhooks, and log the attempt (``settlement.deliveries``).

Subscriptions are served side by side, each in order: a round sends at most one entry to each, waits
for all the answers, logs them in one write, and goes on while anything is due (up to ``ROUNDS``
rounds a run). Nothing is sent inside a transaction, so a slow endpoint holds up no writer. Redirects
are not followed: an endpoint answers for itself; nor is anything sent to a host that resolves to a
private address unless the deployment allows it (``settlement.webhooks.Endpoints``).
"""

import asyncio
import logging
import socket

import httpx

from api.platform import Platform
from market.sequencer import Command
from settlement import deliveries, standard_webhooks
from settlement.deliveries import Attempt, Outcome

log = logging.getLogger("liangshan")
ROUNDS = 100
TIMEOUT_S = 10.0
JSON = "application/json"


async def run_webhooks(platform: Platform) -> None:
    due = await _due(platform)
    if not due:  # the usual tick: no client made (its TLS context costs more than the look)
        return
    async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
        for _ in range(ROUNDS):
            outcomes = list(await asyncio.gather(*(_send(client, platform, attempt) for attempt in due)))
            await platform.sequencer.submit(None, None, _record(outcomes), bounded=False)
            failed = sum(not outcome.delivered for outcome in outcomes)
            if failed:
                log.info("%d of %d webhook deliveries failed; they are tried again later", failed, len(due))
            if not (due := await _due(platform)):
                return


async def _due(platform: Platform) -> list[Attempt]:
    async with platform.database.reads() as session:
        return await deliveries.due(session, platform.now())


def _record(outcomes: list[Outcome]) -> Command[None]:
    return lambda work, _: deliveries.record(work, outcomes)


async def _send(client: httpx.AsyncClient, platform: Platform, attempt: Attempt) -> Outcome:
    at = platform.now()
    secret = platform.ledger.sealer.open(attempt.secret, attempt.webhook)
    message = standard_webhooks.message_id(attempt.webhook, attempt.seq)
    headers = {**standard_webhooks.headers(secret, message, at, attempt.body), "content-type": JSON}
    try:
        if refused := platform.webhook_endpoints.refusal(await _addresses(attempt.url)):
            return Outcome(attempt, at, None, refused)
        answer = await client.post(attempt.url, content=attempt.body, headers=headers)
    except (httpx.HTTPError, OSError) as exc:
        return Outcome(attempt, at, None, f"{type(exc).__name__}: {exc}")
    return Outcome(attempt, at, answer.status_code)


async def _addresses(url: str) -> list[str]:
    """The addresses the endpoint's host resolves to now. The connection resolves it again: a name
    that changes its answer in between (DNS rebinding) is not stopped by this look."""
    host = httpx.URL(url).host
    found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]
