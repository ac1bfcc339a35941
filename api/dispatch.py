"""The webhook dispatcher, a scheduled job (``api.schedule``): POST each subscription's next entry to
its endpoint, signed per Standard Webhooks, and log the attempt (``settlement.deliveries``).

Subscriptions are served side by side, each in order: a round sends at most one entry to each, waits
for all the answers, logs them in one write, and goes on while anything is due (up to ``ROUNDS``
rounds a run). Nothing is sent inside a transaction, so a slow endpoint holds up no writer. Redirects
are not followed: an endpoint answers for itself. The endpoint's host is looked up before each
attempt, its addresses checked (nothing goes to one that is not public unless the deployment allows
it: ``settlement.webhooks.Endpoints``), and the attempt connects to the address checked, naming the
host in its ``Host`` header and to TLS, so a name cannot point elsewhere in between.
"""

import asyncio
import logging
import socket
from dataclasses import dataclass
from typing import Any

import httpx

from api.platform import Platform
from market.sequencer import Command
from settlement import deliveries, standard_webhooks
from settlement.deliveries import Attempt, Outcome
from settlement.webhooks import Endpoints

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
        pinned = await _pinned(platform.webhook_endpoints, httpx.URL(attempt.url))
        if isinstance(pinned, str):
            return Outcome(attempt, at, None, pinned)
        url, host = pinned
        answer = await client.post(
            url, content=attempt.body, headers={**headers, **host.headers}, extensions=host.extensions
        )
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return Outcome(attempt, at, None, f"{type(exc).__name__}: {exc}")
    return Outcome(attempt, at, answer.status_code)


@dataclass(frozen=True, slots=True)
class Named:
    """What the connection to an address says of the host it was asked for: its ``Host`` header, and
    the name TLS presents (SNI) and checks the certificate against."""

    headers: dict[str, str]
    extensions: dict[str, Any]


async def _pinned(endpoints: Endpoints, url: httpx.URL) -> tuple[httpx.URL, Named] | str:
    """The endpoint's address, looked up now and checked (``Endpoints.refusal``), as the URL the
    delivery connects to, so that a name that changes its answer after the look (DNS rebinding)
    changes nothing; or why nothing may be sent."""
    port = url.port or (443 if url.scheme == "https" else 80)
    found = await asyncio.get_running_loop().getaddrinfo(url.raw_host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        return "the endpoint's host resolves to no address"
    if refused := endpoints.refusal(addresses):
        return refused
    named = Named({"Host": url.netloc.decode("ascii")}, {"sni_hostname": url.raw_host.decode("ascii")})
    return url.copy_with(host=addresses[0]), named
